/**
 * A print queue: the routing key front-ends deliver jobs to (the IPP path `/printers/NAME`, the LPD queue name, a
 * raw socket port), its type, and how the owner of each job is found. Names are unique regardless of case, as
 * CUPS treats them, through `name_key` (the lower-cased name) and its unique index. A queue made from a central
 * template names it (`templateId`) and records which of its settings central holds.
 */
import { Column, Entity, Index, type ValueTransformer } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';
import { type QueueType } from '../intake/intake-port';
import { detectionRulesSchema, type DetectionRule, type UnknownOwnerPolicy } from './detection-rules';

/**
 * Stores the rule list as JSON text. Rules are validated before every write, so a stored list that fails to
 * parse was edited by hand; it reads as no rules (the queue then applies its unknown-owner policy to every job)
 * rather than failing every read of every queue.
 */
export const detectionRulesTransformer: ValueTransformer = {
  to: (rules: DetectionRule[] | undefined) => (rules === undefined ? undefined : JSON.stringify(rules)),
  from: (text: string | null): DetectionRule[] => {
    try {
      const parsed = detectionRulesSchema.safeParse(JSON.parse(text ?? '[]'));
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  },
};

/** A list of strings as JSON text; anything but such a list (a hand edit, NULL) reads as empty. */
export const jsonStringList: ValueTransformer = {
  to: (list: string[] | undefined) => (list === undefined ? undefined : JSON.stringify(list)),
  from: (text: string | null): string[] => {
    try {
      const parsed: unknown = JSON.parse(text ?? '[]');
      return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
    } catch {
      return [];
    }
  },
};

@Entity({ name: 'queues' })
export class QueueEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 127 })
  name!: string;

  @Index('uq_queues_name_key', { unique: true })
  @Column({ name: 'name_key', type: 'varchar', length: 127 })
  nameKey!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: QueueType;

  @Column({ type: 'varchar', length: 255 })
  description!: string;

  @Column({ type: 'boolean' })
  online!: boolean;

  @Index('uq_queues_raw_port', { unique: true })
  @Column({ name: 'raw_port', type: 'integer', nullable: true })
  rawPort!: number | null;

  @Column({ name: 'unknown_owner_policy', type: 'varchar', length: 16 })
  unknownOwnerPolicy!: UnknownOwnerPolicy;

  @Column({ name: 'user_detection', type: 'text', transformer: detectionRulesTransformer })
  userDetection!: DetectionRule[];

  @Column({ name: 'detection_case_sensitive', type: 'boolean' })
  detectionCaseSensitive!: boolean;

  /** Printer ids, as JSON text. */
  @Column({ type: 'text', transformer: jsonStringList })
  printers!: string[];

  @Column({ name: 'printer_groups', type: 'text', transformer: jsonStringList })
  printerGroups!: string[];

  @Column({ type: 'integer' })
  priority!: number;

  @Column({ name: 'keep_for_reprint', type: 'boolean' })
  keepForReprint!: boolean;

  @Column({ name: 'force_color', type: 'varchar', length: 8 })
  forceColor!: 'keep' | 'mono';

  @Column({ name: 'force_duplex', type: 'varchar', length: 16 })
  forceDuplex!: 'keep' | 'simplex' | 'long-edge' | 'short-edge';

  @Column({ name: 'force_toner_save', type: 'varchar', length: 8 })
  forceTonerSave!: 'keep' | 'on' | 'off';

  @Column({ name: 'custom_pjl', type: 'text', transformer: jsonStringList })
  customPjl!: string[];

  /** The central template that manages this queue, or null for a local queue. */
  @Index('idx_queues_template')
  @Column({ name: 'template_id', type: 'varchar', length: 36, nullable: true })
  templateId!: string | null;

  /** Settings central holds on a managed queue: a local admin may not change them. */
  @Column({ name: 'template_locked', type: 'text', nullable: true, transformer: jsonStringList })
  templateLocked!: string[];

  /** Overridable settings a local admin has changed: central's later values for them are not applied. */
  @Column({ name: 'template_overridden', type: 'text', nullable: true, transformer: jsonStringList })
  templateOverridden!: string[];

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
