/**
 * A saved discovery (MyQ keeps several, e.g. one per subnet): its ranges, SNMP settings, name template and
 * rules as given, whether the scheduler runs it and when, and a summary of its last run. Lists and rules are
 * JSON text, checked before every write; a stored value that fails to parse was edited by hand and reads as
 * empty rather than failing every read.
 */
import { Column, Entity, Index, type ValueTransformer } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';
import { jsonStringList } from '../../queues/queue.entity';
import {
  discoveryActionsSchema,
  discoveryRuleSchema,
  type DiscoveryActions,
  type DiscoveryRule,
} from './discovery-rules';

/** What the last run of a saved discovery did, kept for the console (the full device list is capped). */
export interface DiscoveryRunSummary {
  startedAt: string;
  durationMs: number;
  scanned: number;
  dryRun: boolean;
  counts: { added: number; updated: number; unchanged: number; skipped: number };
  /** Why the run failed before probing (a profile deleted since, say); null when it ran. */
  error: string | null;
  devices: Array<{ address: string; name: string | null; outcome: string; printerId: string | null }>;
}

function jsonTransformer<T>(read: (parsed: unknown) => T, empty: T): ValueTransformer {
  return {
    to: (value: T | undefined) =>
      value === undefined ? undefined : value === null ? null : JSON.stringify(value),
    from: (text: string | null): T => {
      if (text === null) return empty;
      try {
        return read(JSON.parse(text));
      } catch {
        return empty;
      }
    },
  };
}

const rulesTransformer = jsonTransformer<DiscoveryRule[]>((parsed) => {
  const result = discoveryRuleSchema.array().safeParse(parsed);
  return result.success ? result.data : [];
}, []);

const actionsTransformer = jsonTransformer<DiscoveryActions | null>((parsed) => {
  const result = discoveryActionsSchema.safeParse(parsed);
  return result.success ? result.data : null;
}, null);

const summaryTransformer = jsonTransformer<DiscoveryRunSummary | null>(
  (parsed) => (parsed !== null && typeof parsed === 'object' ? (parsed as DiscoveryRunSummary) : null),
  null,
);

@Entity({ name: 'discoveries' })
export class DiscoveryEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 127 })
  name!: string;

  /** The lower-cased name, unique: discoveries are named regardless of case, as printers are. */
  @Index('uq_discoveries_name_key', { unique: true })
  @Column({ name: 'name_key', type: 'varchar', length: 127 })
  nameKey!: string;

  /** Included in scheduled runs. */
  @Column({ type: 'boolean' })
  enabled!: boolean;

  /** A node-cron expression, or null for a discovery run only on demand. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  schedule!: string | null;

  @Column({ type: 'text', transformer: jsonStringList })
  ranges!: string[];

  @Column({ type: 'text', transformer: jsonStringList })
  exclude!: string[];

  /** Null for the default SNMP profile. */
  @Column({ name: 'snmp_profile_id', type: 'varchar', length: 36, nullable: true })
  snmpProfileId!: string | null;

  /** Null for the profile's own timeout. */
  @Column({ name: 'timeout_ms', type: 'integer', nullable: true })
  timeoutMs!: number | null;

  /** Null for the default template. */
  @Column({ name: 'name_template', type: 'varchar', length: 255, nullable: true })
  nameTemplate!: string | null;

  @Column({ name: 'rename_existing', type: 'boolean' })
  renameExisting!: boolean;

  /** Actions for every device found, before the rules'. */
  @Column({ type: 'text', nullable: true, transformer: actionsTransformer })
  actions!: DiscoveryActions | null;

  @Column({ type: 'text', transformer: rulesTransformer })
  rules!: DiscoveryRule[];

  @TimestampColumn({ name: 'last_run_at', nullable: true })
  lastRunAt!: Date | null;

  @Column({ name: 'last_result', type: 'text', nullable: true, transformer: summaryTransformer })
  lastResult!: DiscoveryRunSummary | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
