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
import { type DataSource, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { SiteEntity } from '../sites/site.entity';
import { OutboxRefusal, RecordCodec } from './record-codec';
import { SiteAuditEntity } from './site-audit.entity';
import { SiteJobEventEntity } from './site-job-event.entity';
import { SiteJobEntity } from './site-job.entity';
import { SitePrinterCounterEntity } from './site-printer-counter.entity';
import { SitePrinterEventEntity } from './site-printer-event.entity';
import { UpsertStatements } from './upsert-statements';

/** The record kinds central stores, by OutboxRecord.kind. */
export const OUTBOX_KINDS = ['job', 'job_event', 'audit', 'printer_counter', 'printer_event'] as const;
type OutboxKind = (typeof OUTBOX_KINDS)[number];

/** Decoded rows of one batch, per table, ready for their upsert statements. */
export interface DecodedRows {
  jobs: SqlValue[][];
  events: SqlValue[][];
  audits: SqlValue[][];
  /** Printer counter snapshots; absent means none. */
  printerCounters?: SqlValue[][];
  /** Printer event episodes; absent means none. */
  printerEvents?: SqlValue[][];
}

/** Where each kind's rows go in DecodedRows. */
const ROWS_OF: Record<OutboxKind, keyof DecodedRows> = {
  job: 'jobs',
  job_event: 'events',
  audit: 'audits',
  printer_counter: 'printerCounters',
  printer_event: 'printerEvents',
};

/** The table each kind lands in. */
const ENTITY_OF: Record<OutboxKind, EntityTarget<ObjectLiteral>> = {
  job: SiteJobEntity,
  job_event: SiteJobEventEntity,
  audit: SiteAuditEntity,
  printer_counter: SitePrinterCounterEntity,
  printer_event: SitePrinterEventEntity,
};

interface TableWriter {
  codec: RecordCodec;
  upserts: UpsertStatements;
  /** Whether rows carry the record's sequence number last (tables whose rows change: latest wins). */
  sequenced: boolean;
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
    const table = (target: EntityTarget<ObjectLiteral>): TableWriter => {
      const metadata = dataSource.getMetadata(target);
      const codec = new RecordCodec(dataSource, target, ['siteId', 'lastSeq']);
      const seq = metadata.findColumnWithPropertyName('lastSeq')?.databaseName;
      const upserts = new UpsertStatements(dataSource, {
        table: metadata.tableName,
        columns: ['site_id', ...codec.columnNames, ...(seq ? [seq] : [])],
        keyColumns: metadata.primaryColumns.map((column) => column.databaseName),
        rule: seq ? { kind: 'latest-wins', seqColumn: seq } : { kind: 'keep-first' },
      });
      return { codec, upserts, sequenced: seq !== undefined };
    };
    this.tables = Object.fromEntries(OUTBOX_KINDS.map((kind) => [kind, table(ENTITY_OF[kind])])) as Record<
      OutboxKind,
      TableWriter
    >;
    const q = (name: string) => dataSource.driver.escape(name);
    const sites = q(dataSource.getMetadata(SiteEntity).tableName);
    this.casSql =
      `UPDATE ${sites} SET ${q('applied_seq')} = ? ` +
      `WHERE ${q('id')} = ? AND ${q('applied_seq')} = ? AND ${q('revoked_at')} IS NULL`;
  }

  /**
   * Check and decode `records` (in sequence order) into rows for `siteId`. Throws OutboxRefusal naming the
   * first record that is not storable: unknown kind, body that is not JSON or does not fit its table, or a key
   * that is not the body's id. A record that appears more than once keeps only its latest version.
   */
  decode(siteId: string, records: readonly OutboxRecord__Output[]): DecodedRows {
    const byKind = new Map<OutboxKind, Map<string, SqlValue[]>>();
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
      const table = this.tables[record.kind];
      const values = table.codec.values(body, `${where} (${record.kind})`);
      const id = (body as { id: unknown }).id;
      if (id !== record.key) {
        throw new OutboxRefusal(`${where}: key "${record.key.slice(0, 40)}" is not the body's id`);
      }
      let rows = byKind.get(record.kind);
      if (!rows) byKind.set(record.kind, (rows = new Map()));
      rows.set(record.key, table.sequenced ? [siteId, ...values, seq] : [siteId, ...values]);
    }
    const decoded: DecodedRows = { jobs: [], events: [], audits: [] };
    for (const [kind, rows] of byKind) decoded[ROWS_OF[kind]] = [...rows.values()];
    return decoded;
  }

  /**
   * Store `rows` and move the site's applied sequence from `expectedSeq` to `lastSeq`, in one transaction.
   * Resolves false, with nothing written, when the stored applied sequence is not `expectedSeq` or the site is
   * revoked; rejects when the database fails.
   */
  async apply(siteId: string, expectedSeq: number, lastSeq: number, rows: DecodedRows): Promise<boolean> {
    const statements: PlannedStatement[] = [
      { sql: this.casSql, params: [lastSeq, siteId, expectedSeq], expectChanges: 1 },
      ...OUTBOX_KINDS.flatMap((kind) => this.tables[kind].upserts.statements(rows[ROWS_OF[kind]] ?? [])),
    ];
    const outcome = await this.writer.submit({ statements });
    return outcome.applied;
  }
}
