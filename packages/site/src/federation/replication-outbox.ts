/**
 * The site's replication outbox: what central must hear about, written in the same transaction as the change it
 * describes, and read back in sequence order by the outbox sender.
 *
 * Sequence numbers are per site, start at 1 and have no gaps, which is what lets central acknowledge "everything
 * up to N". They come from the one counter row: a change first adds to `last_seq`, then inserts its records
 * numbered from it (INSERT ... SELECT), all inside the change's transaction. The counter row's lock (MySQL) or
 * the single writer (SQLite) orders the changes, so records also become visible in sequence order, and a change
 * that rolls back gives its numbers back. Everything is plain SQL with parameters (PlannedStatement), so the
 * records join the job state machine's write units, including on the SQLite writer thread.
 *
 * Three kinds of record go up: `job` (the job as it is after the change) and `job_event` (the change) for every
 * job creation and transition, through `jobObserver`; and `audit` for every audit row, through `auditHook`.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { type ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import {
  executeUnit,
  setAuditInsertHook,
  type AuditInsertHook,
  type AuditLogEntity,
  type PlannedStatement,
  type UnitWriter,
  type WriteUnit,
} from '@quire/common';
import {
  type AuditRecord,
  type JobEventRecord,
  type JobRecord,
  type OutboxBodies,
  type OutboxRecordKind,
} from '@quire/shared-proto';
import { type Registry } from 'prom-client';
import { type JobEventEntity } from '../jobs/job-event.entity';
import { type JobTransitionObserver } from '../jobs/job-state-machine';
import { type JobEntity } from '../jobs/job.entity';
import { OUTBOX_COUNTER_ID, OutboxRecordEntity } from './replication-outbox.entity';
import { registerOutboxMetrics, type OutboxFigures } from './replication-outbox-metrics';

export type { OutboxFigures };

/** A record to queue: its kind, natural key and body. */
export interface OutboxDraft<K extends OutboxRecordKind = OutboxRecordKind> {
  kind: K;
  key: string;
  body: OutboxBodies[K];
}

/** A queued record as the sender reads it; `body` is the JSON text. */
export interface PendingOutboxRecord {
  seq: number;
  kind: string;
  key: string;
  atMs: number;
  body: string;
}

/** Construction options of ReplicationOutbox. */
export interface ReplicationOutboxOptions {
  dataSource: DataSource;
  /** Applies the outbox's own writes (acknowledgements and pruning); the job core's unit writer. */
  writer: UnitWriter;
  /** The site's metrics registry; the outbox gauges are registered in it when given. */
  metrics?: Registry;
  now?: () => Date;
}

const COUNTER_ROW = `FROM federation_outbox_counter WHERE id = ${OUTBOX_COUNTER_ID}`;
const TAKE_NUMBERS = `UPDATE federation_outbox_counter SET last_seq = last_seq + ? WHERE id = ${OUTBOX_COUNTER_ID}`;
const INSERT_RECORD = `INSERT INTO federation_outbox (seq, kind, record_key, body, created_at) SELECT last_seq - ?, ?, ?, ?, ? ${COUNTER_ROW}`;
const STORE_ACKED = `UPDATE federation_outbox_counter SET acked_seq = ? WHERE id = ${OUTBOX_COUNTER_ID} AND acked_seq < ?`;
const RAISE_LAST = `UPDATE federation_outbox_counter SET last_seq = ? WHERE id = ${OUTBOX_COUNTER_ID} AND last_seq < ?`;

function iso(value: Date | string | null): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** A job row as central keeps it: no local paths, hashes or protocol attributes; times as ISO 8601. */
export function jobRecordOf(job: JobEntity): JobRecord {
  return {
    id: job.id,
    number: job.number,
    name: job.name,
    owner: job.owner,
    ownerMethod: job.ownerMethod,
    queueId: job.queueId,
    queueName: job.queueName,
    state: job.state,
    stateReason: job.stateReason,
    protocol: job.protocol,
    clientAddress: job.clientAddress,
    senderHost: job.senderHost,
    submittedAt: iso(job.submittedAt) as string,
    processedAt: iso(job.processedAt),
    completedAt: iso(job.completedAt),
    sizeBytes: job.sizeBytes,
    documentFormat: job.documentFormat,
    pdl: job.pdl,
    copies: job.copies,
    pages: job.pages,
    colorPages: job.colorPages,
    monoPages: job.monoPages,
    duplex: job.duplex,
    paper: job.paper,
    impressions: job.impressions,
    sheets: job.sheets,
    favourite: job.favourite,
    printerId: job.printerId,
    printAttempts: job.printAttempts,
    releasedBy: job.releasedBy,
    documentRemovedAt: iso(job.documentRemovedAt),
  };
}

/** A job event row as central keeps it. */
export function jobEventRecordOf(event: JobEventEntity): JobEventRecord {
  return {
    id: event.id,
    jobId: event.jobId,
    at: iso(event.at) as string,
    fromState: event.fromState,
    toState: event.toState,
    reason: event.reason,
    actor: event.actor,
  };
}

/** An audit row as central keeps it. */
export function auditRecordOf(row: AuditLogEntity): AuditRecord {
  return {
    id: row.id,
    at: iso(row.at) as string,
    actorId: row.actorId,
    actorName: row.actorName,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    details: row.details,
    outcome: row.outcome,
    remoteAddr: row.remoteAddr,
    requestId: row.requestId,
  };
}

/** The site's outbox; see the file comment. */
export class ReplicationOutbox {
  private readonly now: () => Date;
  private readonly listeners = new Set<() => void>();
  private createdAtColumn: ColumnMetadata | null = null;

  constructor(private readonly options: ReplicationOutboxOptions) {
    this.now = options.now ?? (() => new Date());
    // Records written by a caller's own TypeORM transaction (a release, the retention task, an audited write)
    // become readable when it commits; the sender hears of every commit and reads from where it stands.
    options.dataSource.subscribers.push({ afterTransactionCommit: () => this.announce() });
    if (options.metrics) registerOutboxMetrics(options.metrics, () => this.figures(), this.now);
  }

  /** Queues a `job` and a `job_event` record with every job creation and transition (JobStateMachine observer). */
  readonly jobObserver: JobTransitionObserver = ({ job, event }) =>
    this.plan([
      { kind: 'job', key: job.id, body: jobRecordOf(job) },
      { kind: 'job_event', key: event.id, body: jobEventRecordOf(event) },
    ]);

  /** Queues an `audit` record in the transaction of each audit row (see {@link recordAuditLog}). */
  readonly auditHook: AuditInsertHook = async (row: AuditLogEntity, manager: EntityManager) => {
    await executeUnit(manager, {
      statements: this.plan([{ kind: 'audit', key: row.id, body: auditRecordOf(row) }]),
    });
  };

  /** From now on, every audit row written through this DataSource is queued with it. */
  recordAuditLog(): void {
    setAuditInsertHook(this.options.dataSource, this.auditHook);
  }

  /**
   * The statements that queue `drafts`, numbered in order, for the transaction of the change they describe:
   * one counter update for the lot, then one INSERT ... SELECT per record.
   */
  plan(drafts: readonly OutboxDraft[]): PlannedStatement[] {
    if (drafts.length === 0) return [];
    const createdAt = this.storedTime(this.now());
    const statements: PlannedStatement[] = [{ sql: TAKE_NUMBERS, params: [drafts.length] }];
    drafts.forEach((draft, index) => {
      statements.push({
        sql: INSERT_RECORD,
        params: [drafts.length - 1 - index, draft.kind, draft.key, JSON.stringify(draft.body), createdAt],
      });
    });
    return statements;
  }

  /**
   * The unit writer to give the jobs service: the outbox's writer, telling the sender once a unit has committed
   * (which is when its records become readable on the sender's connection).
   */
  notifyingWriter(): UnitWriter {
    const writer = this.options.writer;
    return {
      submit: async (unit: WriteUnit) => {
        const outcome = await writer.submit(unit);
        if (outcome.applied) this.announce();
        return outcome;
      },
      close: () => writer.close(),
    };
  }

  /** Call `listener` whenever records may have become readable; returns the unsubscribe function. */
  onWritten(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Up to `limit` records from `fromSeq` on, in sequence order, in one query outside any transaction. */
  async read(fromSeq: number, limit: number): Promise<PendingOutboxRecord[]> {
    const rows: Array<Record<string, unknown>> = await this.options.dataSource.query(
      'SELECT seq, kind, record_key, body, created_at FROM federation_outbox WHERE seq >= ? ORDER BY seq LIMIT ?',
      [fromSeq, limit],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      kind: String(row.kind),
      key: String(row.record_key),
      atMs: this.hydratedTime(row.created_at).getTime(),
      body: String(row.body),
    }));
  }

  /** The current figures: two small indexed reads. */
  async figures(): Promise<OutboxFigures> {
    const [counter] = (await this.options.dataSource.query(
      `SELECT last_seq, acked_seq ${COUNTER_ROW}`,
    )) as Array<{ last_seq: number | string; acked_seq: number | string }>;
    const lastSeq = Number(counter?.last_seq ?? 0);
    const ackedSeq = Number(counter?.acked_seq ?? 0);
    const oldest = (await this.options.dataSource.query(
      'SELECT created_at FROM federation_outbox WHERE seq > ? ORDER BY seq LIMIT 1',
      [ackedSeq],
    )) as Array<{ created_at: unknown }>;
    return {
      lastSeq,
      ackedSeq,
      pending: Math.max(0, lastSeq - ackedSeq),
      oldestAt: oldest.length > 0 ? this.hydratedTime(oldest[0].created_at) : null,
    };
  }

  /** Store that central applied everything up to `appliedSeq` (never moving backwards) and prune those records. */
  async acknowledge(appliedSeq: number): Promise<void> {
    await this.options.writer.submit({
      statements: [
        { sql: STORE_ACKED, params: [appliedSeq, appliedSeq] },
        { sql: 'DELETE FROM federation_outbox WHERE seq <= ?', params: [appliedSeq] },
      ],
    });
  }

  /**
   * Number the next records after `seq` when the counter is below it; true when it was. Central has applied
   * more than this site wrote only when the site's database went back in time (a restored backup): continuing
   * after central's position keeps new records from being taken for ones it already has.
   */
  async continueAfter(seq: number): Promise<boolean> {
    const outcome = await this.options.writer.submit({
      statements: [{ sql: RAISE_LAST, params: [seq, seq] }],
    });
    return outcome.applied && outcome.outputs[0]?.changes === 1;
  }

  private announce(): void {
    for (const listener of this.listeners) listener();
  }

  private get createdAt(): ColumnMetadata {
    this.createdAtColumn ??= this.options.dataSource
      .getMetadata(OutboxRecordEntity)
      .findColumnWithPropertyName('createdAt') as ColumnMetadata;
    return this.createdAtColumn;
  }

  /** `at` as the driver stores a TimestampColumn (a UTC string on SQLite, a Date on MySQL). */
  private storedTime(at: Date): PlannedStatement['params'][number] {
    return this.options.dataSource.driver.preparePersistentValue(at, this.createdAt) as Date | string;
  }

  private hydratedTime(raw: unknown): Date {
    return this.options.dataSource.driver.prepareHydratedValue(raw, this.createdAt) as Date;
  }
}
