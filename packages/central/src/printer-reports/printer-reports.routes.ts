/**
 * REST front-end of central's printer reports: `GET /api/v1/reports/printer-counters` (the SNMP counter
 * report) and `GET /api/v1/printer-events` (the "Event history" report), both across sites or for one, paged,
 * as JSON or with `format=csv` as a CSV download. Reports are MyQ's "manage reports" right, so callers need
 * `manage-reports` (console administrators, and holders of `administrator`, always pass).
 */
import { Router, type Request, type Response } from 'express';
import {
  dateQuery,
  integerQuery,
  invalidQuery,
  isUuid,
  queryValue,
  requireAuth,
  sendCsv,
  type AuthService,
  type CsvRange,
} from '@quire/common';
import { type RightsService } from '../directory/rights';
import { type CounterReportRow, type CounterValues } from './printer-reports.repository';
import { type CentralPrinterEvent, type PrinterReportsService } from './printer-reports.service';

/** Page size of the JSON reports when the caller gives no `limit`. */
export const PRINTER_REPORT_PAGE_DEFAULT = 50;
/** Largest `limit` of the JSON reports. */
export const PRINTER_REPORT_PAGE_MAX = 500;
/** Most rows one CSV export holds (its default `limit`). */
export const PRINTER_REPORT_CSV_MAX = 1_000_000;
/** Rows read from the database per step of a CSV export. */
const CSV_PAGE = 1000;
/** The shape of the site's event type names (`toner-low`, `paper-jam`, ...). */
const EVENT_TYPE = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/** What the printer reports router needs. */
export interface PrinterReportsRouterDeps {
  reports: PrinterReportsService;
  auth: AuthService;
  rights: Pick<RightsService, 'require'>;
}

/** `format`: json (the default) or csv. */
function wantsCsv(req: Request): boolean {
  const format = queryValue(req, 'format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw invalidQuery('format', 'must be json or csv');
  return format === 'csv';
}

/** `from` and `to`, checked to make a period. */
function period(req: Request): { from?: Date; to?: Date } {
  const from = dateQuery(req, 'from');
  const to = dateQuery(req, 'to');
  if (from && to && from.getTime() >= to.getTime()) throw invalidQuery('to', 'must be later than from');
  return { from, to };
}

/** `limit` and `offset`; a CSV export reads everything unless told otherwise. */
function paging(req: Request, csv: boolean): CsvRange {
  const max = csv ? PRINTER_REPORT_CSV_MAX : PRINTER_REPORT_PAGE_MAX;
  const fallback = csv ? PRINTER_REPORT_CSV_MAX : PRINTER_REPORT_PAGE_DEFAULT;
  return {
    limit: integerQuery(req, 'limit', 1, max, fallback),
    offset: integerQuery(req, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
  };
}

function eventFilters(req: Request) {
  const printer = queryValue(req, 'printer');
  const types = queryValue(req, 'type')
    ?.split(',')
    .map((type) => type.trim());
  const bad = types?.find((type) => !EVENT_TYPE.test(type));
  if (bad !== undefined) {
    throw invalidQuery('type', `has "${bad.slice(0, 40)}", which is not an event type such as toner-low`);
  }
  const open = queryValue(req, 'open');
  if (open !== undefined && open !== 'true' && open !== 'false') {
    throw invalidQuery('open', 'must be true (open episodes) or false (closed ones)');
  }
  return {
    site: queryValue(req, 'site'),
    ...(printer === undefined ? {} : isUuid(printer) ? { printerId: printer } : { printerName: printer }),
    types,
    open: open === undefined ? undefined : open === 'true',
    ...period(req),
  };
}

const iso = (at: Date | null) => at?.toISOString() ?? null;

function valuesJson(values: CounterValues) {
  return { ...values, at: values.at.toISOString() };
}

/** The JSON view of one printer of the counter report. */
export function counterRowJson(row: CounterReportRow) {
  return { ...row, first: valuesJson(row.first), last: valuesJson(row.last) };
}

/** The JSON view of a replicated printer event: its site, then the site's PrinterEventRecord fields. */
export function printerEventJson({ event, siteName }: CentralPrinterEvent) {
  const { siteId, lastSeq: _lastSeq, openedAt, closedAt, ...fields } = event;
  return {
    siteId,
    siteName,
    ...fields,
    openedAt: openedAt.toISOString(),
    closedAt: iso(closedAt),
    open: closedAt === null,
  };
}

// prettier-ignore
const COUNTER_CSV_HEADER = [
  'site', 'printer', 'serialNumber', 'MAC', 'snapshots', 'firstAt', 'firstTotal', 'firstMono', 'firstColor',
  'lastAt', 'lastTotal', 'lastMono', 'lastColor', 'totalPages', 'monoPages', 'colorPages', 'counterResets',
  'siteId', 'printerId',
];

function counterCsvCells(row: CounterReportRow) {
  const { first, last, pages } = row;
  // prettier-ignore
  return [
    row.siteName, row.printerName, row.serial, row.mac, row.snapshots,
    first.at, first.total, first.mono, first.color, last.at, last.total, last.mono, last.color,
    pages.total, pages.mono, pages.color, row.counterResets, row.siteId, row.printerId,
  ];
}

// prettier-ignore
const EVENT_CSV_HEADER = [
  'site', 'printer', 'type', 'subject', 'message', 'openedAt', 'closedAt', 'open', 'siteId', 'printerId',
  'eventId',
];

function eventCsvCells({ event, siteName }: CentralPrinterEvent) {
  // prettier-ignore
  return [
    siteName, event.printerName, event.type, event.subject, event.message, event.openedAt, event.closedAt,
    event.closedAt === null, event.siteId, event.printerId, event.id,
  ];
}

/** A JSON page: one row more than asked tells whether there is a next page without counting. */
async function sendPage<T>(
  res: Response,
  key: string,
  range: CsvRange,
  fetch: (offset: number, limit: number) => Promise<T[]>,
  json: (row: T) => unknown,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const rows = await fetch(range.offset, range.limit + 1);
  res.json({
    ...extra,
    [key]: rows.slice(0, range.limit).map(json),
    limit: range.limit,
    offset: range.offset,
    nextOffset: rows.length > range.limit ? range.offset + range.limit : null,
  });
}

/** The central printer reports router. */
export function printerReportsRouter(deps: PrinterReportsRouterDeps): Router {
  const router = Router();
  const guard = [requireAuth(deps.auth), deps.rights.require('manage-reports')];
  router.use('/api/v1/reports/printer-counters', ...guard);
  router.use('/api/v1/printer-events', ...guard);

  router.get('/api/v1/reports/printer-counters', async (req, res) => {
    const csv = wantsCsv(req);
    const filters = { site: queryValue(req, 'site'), ...period(req) };
    const range = paging(req, csv);
    const fetch = (offset: number, limit: number) =>
      deps.reports.counterReport({ ...filters, offset, limit });
    if (csv) {
      const csvOptions = {
        filename: 'printer-counters.csv',
        header: COUNTER_CSV_HEADER,
        cells: counterCsvCells,
      };
      return sendCsv(res, { ...csvOptions, range, pageSize: CSV_PAGE, fetchPage: fetch });
    }
    const extra = { from: iso(filters.from ?? null), to: iso(filters.to ?? null) };
    await sendPage(res, 'printers', range, fetch, counterRowJson, extra);
  });

  router.get('/api/v1/printer-events', async (req, res) => {
    const csv = wantsCsv(req);
    const filters = eventFilters(req);
    const range = paging(req, csv);
    const fetch = (offset: number, limit: number) => deps.reports.events({ ...filters, offset, limit });
    if (csv) {
      const csvOptions = { filename: 'printer-events.csv', header: EVENT_CSV_HEADER, cells: eventCsvCells };
      return sendCsv(res, { ...csvOptions, range, pageSize: CSV_PAGE, fetchPage: fetch });
    }
    await sendPage(res, 'events', range, fetch, printerEventJson);
  });

  return router;
}
