/**
 * Applies a site's outbox records to the replicated tables: checks and decodes each record, then writes the
 * whole batch as one write unit (one transaction) together with the site's applied sequence number.
 *
 * The unit starts with a compare-and-set on `sites.applied_seq` (`WHERE applied_seq = expected AND not
 * revoked`), which must change exactly one row or the whole unit is rolled back. So a batch lands only on top of
 * exactly the state it was checked against: two sessions of one site racing, or a revocation in between, can
 * never apply records twice, out of order, or for a revoked site. The records themselves are idempotent upserts
 * on natural keys (site, job id), (site, event id), (site, audit id), so a replay after a lost ack is harmless.
 *
 * Writes go through a UnitWriter: on SQLite that is the writer thread, so the commit and its fsync never block
 * the event loop; on MariaDB a group commit, so batches from many sites share commits.
 */
import { type PlannedStatement, type SqlValue, type UnitWriter } from '@quire/common';
import { decodeJson, int64ToNumber, type OutboxRecord__Output } from '@quire/shared-proto';
import { type DataSource } from 'typeorm';
import { SiteEntity } from '../sites/site.entity';
import { OutboxRefusal, RecordCodec } from './record-codec';
import { SiteAuditEntity } from './site-audit.entity';
import { SiteJobEventEntity } from './site-job-event.entity';
import { SiteJobEntity } from './site-job.entity';
import { UpsertStatements } from './upsert-statements';

/** The record kinds central stores, by OutboxRecord.kind. */
export const OUTBOX_KINDS = ['job', 'job_event', 'audit'] as const;
type OutboxKind = (typeof OUTBOX_KINDS)[number];

/** Decoded rows of one batch, per table, ready for their upsert statements. */
export interface DecodedRows {
  jobs: SqlValue[][];
  events: SqlValue[][];
  audits: SqlValue[][];
}

interface TableWriter {
  codec: RecordCodec;
  upserts: UpsertStatements;
}

function isOutboxKind(kind: string): kind is OutboxKind {
  return (OUTBOX_KINDS as readonly string[]).includes(kind);
}

/** Decodes outbox records and applies them for one site at a time; see the file comment. */
export class OutboxApplier {
  private readonly tables: Record<OutboxKind, TableWriter>;
  private readonly casSql: string;

  constructor(
    dataSource: DataSource,
    private readonly writer: UnitWriter,
  ) {
    const table = (target: typeof SiteJobEntity | typeof SiteJobEventEntity | typeof SiteAuditEntity) => {
      const metadata = dataSource.getMetadata(target);
      const codec = new RecordCodec(dataSource, target, ['siteId', 'lastSeq']);
      const seq = metadata.findColumnWithPropertyName('lastSeq')?.databaseName;
      const upserts = new UpsertStatements(dataSource, {
        table: metadata.tableName,
        columns: ['site_id', ...codec.columnNames, ...(seq ? [seq] : [])],
        keyColumns: metadata.primaryColumns.map((column) => column.databaseName),
        rule: seq ? { kind: 'latest-wins', seqColumn: seq } : { kind: 'keep-first' },
      });
      return { codec, upserts };
    };
    this.tables = {
      job: table(SiteJobEntity),
      job_event: table(SiteJobEventEntity),
      audit: table(SiteAuditEntity),
    };
    const q = (name: string) => dataSource.driver.escape(name);
    const sites = q(dataSource.getMetadata(SiteEntity).tableName);
    this.casSql =
      `UPDATE ${sites} SET ${q('applied_seq')} = ? ` +
      `WHERE ${q('id')} = ? AND ${q('applied_seq')} = ? AND ${q('revoked_at')} IS NULL`;
  }

  /**
   * Check and decode `records` (in sequence order) into rows for `siteId`. Throws OutboxRefusal naming the
   * first record that is not storable: unknown kind, body that is not JSON or does not fit its table, or a key
   * that is not the body's id. A job that appears more than once keeps only its latest record.
   */
  decode(siteId: string, records: readonly OutboxRecord__Output[]): DecodedRows {
    const jobs = new Map<string, SqlValue[]>();
    const events = new Map<string, SqlValue[]>();
    const audits = new Map<string, SqlValue[]>();
    for (const record of records) {
      const seq = int64ToNumber(record.seq);
      const where = `record seq ${record.seq}`;
      if (!isOutboxKind(record.kind)) {
        throw new OutboxRefusal(
          `${where}: unknown kind "${record.kind.slice(0, 40)}"; central stores ${OUTBOX_KINDS.join(', ')}`,
        );
      }
      let body: unknown;
      try {
        body = decodeJson<unknown>(record.body, `${where} (${record.kind}) body`);
      } catch (err) {
        throw new OutboxRefusal((err as Error).message);
      }
      const values = this.tables[record.kind].codec.values(body, `${where} (${record.kind})`);
      const id = (body as { id: unknown }).id;
      if (id !== record.key) {
        throw new OutboxRefusal(`${where}: key "${record.key.slice(0, 40)}" is not the body's id`);
      }
      if (record.kind === 'job') jobs.set(record.key, [siteId, ...values, seq]);
      else (record.kind === 'job_event' ? events : audits).set(record.key, [siteId, ...values]);
    }
    return { jobs: [...jobs.values()], events: [...events.values()], audits: [...audits.values()] };
  }

  /**
   * Store `rows` and move the site's applied sequence from `expectedSeq` to `lastSeq`, in one transaction.
   * Resolves false, with nothing written, when the stored applied sequence is not `expectedSeq` or the site is
   * revoked; rejects when the database fails.
   */
  async apply(siteId: string, expectedSeq: number, lastSeq: number, rows: DecodedRows): Promise<boolean> {
    const statements: PlannedStatement[] = [
      { sql: this.casSql, params: [lastSeq, siteId, expectedSeq], expectChanges: 1 },
      ...this.tables.job.upserts.statements(rows.jobs),
      ...this.tables.job_event.upserts.statements(rows.events),
      ...this.tables.audit.upserts.statements(rows.audits),
    ];
    const outcome = await this.writer.submit({ statements });
    return outcome.applied;
  }
}
