/**
 * Reads of the replicated printer tables for central's printer reports. The counter report is one SQL query:
 * window functions number each printer's snapshots in the period and pair each with the one before, so the
 * database hands back one row per printer (first and last snapshot, pages in between) instead of every
 * snapshot. SQLite (3.25+) and MariaDB (10.2+) both run it; the only driver differences, how datetimes are
 * passed and read back and that MariaDB returns BIGINT and SUM as strings, are handled here.
 */
import {
  In,
  IsNull,
  LessThan,
  MoreThanOrEqual,
  Not,
  Or,
  type DataSource,
  type FindOptionsWhere,
  type FindOperator,
} from 'typeorm';
import { type ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { SiteEntity } from '../sites/site.entity';
import { SitePrinterCounterEntity } from '../replication/site-printer-counter.entity';
import { SitePrinterEventEntity } from '../replication/site-printer-event.entity';

/** A period and paging; `from` inclusive, `to` exclusive, either open when absent. */
export interface ReportWindow {
  siteId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

/** Page counters at one moment. */
export interface CounterValues {
  at: Date;
  total: number | null;
  mono: number | null;
  color: number | null;
}

/** One printer of the counter report. */
export interface CounterReportRow {
  siteId: string;
  siteName: string;
  printerId: string;
  /** Name, serial number and MAC as of the last snapshot in the period. */
  printerName: string;
  serial: string | null;
  mac: string | null;
  snapshots: number;
  first: CounterValues;
  last: CounterValues;
  /** Pages between the first and the last snapshot; null where the snapshots hold no such counter. */
  pages: { total: number | null; mono: number | null; color: number | null };
  /** Steps where a counter went down (a replaced board, a reset); they count no pages. */
  counterResets: number;
}

/** Filters of the event history; every filter is optional. */
export interface PrinterEventQuery extends ReportWindow {
  printerId?: string;
  printerName?: string;
  types?: string[];
  /** true: still open; false: closed. */
  open?: boolean;
}

const COUNTERS = ['total', 'mono', 'color'] as const;
/** Each printer's snapshots in time order, and in reverse (to find the last one). */
const ASCENDING = '(PARTITION BY c.site_id, c.printer_id ORDER BY c.at, c.counter_id)';
const DESCENDING = '(PARTITION BY c.site_id, c.printer_id ORDER BY c.at DESC, c.counter_id DESC)';

/** `column` of a printer's first or last snapshot in the period, as an aggregate over its snapshots. */
function endValue(end: string, column: string): string {
  return `MAX(CASE WHEN s.n_${end} = 1 THEN s.${column} END)`;
}

/**
 * The pages a counter ran up: the sum of its increases between consecutive snapshots (a decrease counts 0).
 * With the counter read but no pair of readings (one snapshot) that is 0; with no reading at all, null.
 */
function pagesOf(counter: string): string {
  const [now, before] = [`s.${counter}`, `s.prev_${counter}`];
  const increase = `CASE WHEN ${now} >= ${before} THEN ${now} - ${before} WHEN ${now} < ${before} THEN 0 END`;
  return `COALESCE(SUM(${increase}), CASE WHEN COUNT(${now}) > 0 THEN 0 END)`;
}

/** Each snapshot's counters from the snapshot before it. */
const PREVIOUS_VALUES = COUNTERS.map((name) => `LAG(c.${name}) OVER ${ASCENDING} AS prev_${name}`).join(', ');
const SNAPSHOT_NUMBERS = `ROW_NUMBER() OVER ${ASCENDING} AS n_first, ROW_NUMBER() OVER ${DESCENDING} AS n_last`;

const ANY_DECREASE = COUNTERS.map((name) => `s.${name} < s.prev_${name}`).join(' OR ');

/** The per-printer aggregates: identity as last seen, both ends of the period, pages and resets. */
const PRINTER_FIGURES = [
  ...['printer_name', 'serial', 'mac'].map((column) => `${endValue('last', column)} AS last_${column}`),
  ...['first', 'last'].flatMap((end) =>
    ['at', ...COUNTERS].map((column) => `${endValue(end, column)} AS ${end}_${column}`),
  ),
  ...COUNTERS.map((name) => `${pagesOf(name)} AS ${name}_pages`),
  `SUM(CASE WHEN ${ANY_DECREASE} THEN 1 ELSE 0 END) AS counter_resets`,
].join(', ');

/** Raw result row of the counter report query. */
type RawCounterRow = Record<string, string | number | Date | null>;

function numberOrNull(value: string | number | Date | null): number | null {
  return value === null ? null : Number(value);
}

/** DB access for `site_printer_counters` and `site_printer_events`. */
export class PrinterReportsRepository {
  private readonly atColumn: ColumnMetadata;

  constructor(private readonly dataSource: DataSource) {
    this.atColumn = dataSource.getMetadata(SitePrinterCounterEntity).findColumnWithPropertyName('at')!;
  }

  /**
   * A page of the counter report: one row per site printer with snapshots in the window, by site name, then
   * printer name. Pages add up the increases between consecutive snapshots, so a counter that went down in
   * between (counted in `counterResets`) does not turn the period's figure negative.
   */
  async counterReport(window: ReportWindow): Promise<CounterReportRow[]> {
    const { sql, params } = this.counterReportSql(window);
    const rows = (await this.dataSource.query(sql, params)) as RawCounterRow[];
    return rows.map((row) => this.counterRow(row));
  }

  /**
   * A page of printer event episodes that were open at some time in the window (opened before `to`, and not
   * closed before `from`), newest first; ties in a fixed order, so pages never overlap.
   */
  events(query: PrinterEventQuery): Promise<SitePrinterEventEntity[]> {
    const where: FindOptionsWhere<SitePrinterEventEntity> = {};
    if (query.siteId !== undefined) where.siteId = query.siteId;
    if (query.printerId !== undefined) where.printerId = query.printerId;
    if (query.printerName !== undefined) where.printerName = query.printerName;
    if (query.types !== undefined) where.type = In(query.types);
    if (query.to !== undefined) where.openedAt = LessThan(query.to);
    const closed = closedCondition(query.open, query.from);
    if (closed) where.closedAt = closed;
    return this.dataSource.getRepository(SitePrinterEventEntity).find({
      where,
      order: { openedAt: 'DESC', siteId: 'ASC', id: 'DESC' },
      take: query.limit,
      skip: query.offset,
    });
  }

  /**
   * The report query. Every identifier in it is a plain lower-case name that neither SQLite nor MariaDB
   * reserves, so only the table names go through the driver's quoting.
   */
  private counterReportSql(window: ReportWindow): { sql: string; params: unknown[] } {
    const conditions: string[] = [];
    const params: unknown[] = [];
    if (window.siteId !== undefined) {
      conditions.push('c.site_id = ?');
      params.push(window.siteId);
    }
    if (window.from !== undefined) {
      conditions.push('c.at >= ?');
      params.push(this.storedTime(window.from));
    }
    if (window.to !== undefined) {
      conditions.push('c.at < ?');
      params.push(this.storedTime(window.to));
    }
    const table = (target: typeof SiteEntity | typeof SitePrinterCounterEntity) =>
      this.dataSource.driver.escape(this.dataSource.getMetadata(target).tableName);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const sql = `
      WITH snapshots AS (
        SELECT c.*, ${PREVIOUS_VALUES}, ${SNAPSHOT_NUMBERS} FROM ${table(SitePrinterCounterEntity)} c ${where})
      SELECT s.site_id, COALESCE(t.name, '') AS site_name, s.printer_id, COUNT(*) AS snapshots,
        ${PRINTER_FIGURES}
      FROM snapshots s LEFT JOIN ${table(SiteEntity)} t ON t.id = s.site_id
      GROUP BY t.name, s.site_id, s.printer_id
      ORDER BY site_name, s.site_id, last_printer_name, s.printer_id
      LIMIT ? OFFSET ?`;
    return { sql, params: [...params, window.limit, window.offset] };
  }

  private counterRow(row: RawCounterRow): CounterReportRow {
    const values = (end: 'first' | 'last'): CounterValues => ({
      at: this.dataSource.driver.prepareHydratedValue(row[`${end}_at`], this.atColumn) as Date,
      total: numberOrNull(row[`${end}_total`]),
      mono: numberOrNull(row[`${end}_mono`]),
      color: numberOrNull(row[`${end}_color`]),
    });
    return {
      siteId: String(row.site_id),
      siteName: String(row.site_name),
      printerId: String(row.printer_id),
      printerName: String(row.last_printer_name),
      serial: row.last_serial === null ? null : String(row.last_serial),
      mac: row.last_mac === null ? null : String(row.last_mac),
      snapshots: Number(row.snapshots),
      first: values('first'),
      last: values('last'),
      pages: {
        total: numberOrNull(row.total_pages),
        mono: numberOrNull(row.mono_pages),
        color: numberOrNull(row.color_pages),
      },
      counterResets: Number(row.counter_resets),
    };
  }

  /** A time as the driver stores it: raw queries bypass TypeORM's own conversion. */
  private storedTime(at: Date): unknown {
    return this.dataSource.driver.preparePersistentValue(at, this.atColumn);
  }
}

/** The condition on `closedAt` for the `open` filter and the start of the window. */
function closedCondition(open: boolean | undefined, from: Date | undefined): FindOperator<Date> | undefined {
  if (open === true) return IsNull();
  if (open === false) return from ? MoreThanOrEqual(from) : Not(IsNull());
  return from ? Or(IsNull(), MoreThanOrEqual(from)) : undefined;
}
