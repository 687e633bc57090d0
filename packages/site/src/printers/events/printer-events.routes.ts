/**
 * REST front-end of the event history: `GET /api/v1/printer-events`, filtered by type, definition, printer,
 * open or closed, and opening time, newest first. Any signed-in user may read it, as they may read printers.
 * `format=csv` (or `Accept: text/csv`) exports the same filtered episodes as CSV, written page by page so a
 * long history never sits in memory whole.
 */
import { Router, type Request } from 'express';
import {
  choiceListQuery,
  dateQuery,
  integerQuery,
  invalidQuery,
  queryValue,
  requireAuth,
  sendCsv,
  type AuthService,
} from '@quire/common';
import { EVENT_TYPES } from './event-definition-input';
import { HISTORY_CSV_COLUMNS, HISTORY_CSV_SEPARATOR, historyCsvValues } from './event-history-csv';
import { episodeJson } from './printer-event-json';
import { type EpisodeFilter, type PrinterEventRepository } from './printer-event.repository';

/** What the history routes need. */
export interface PrinterEventsRouterDeps {
  episodes: PrinterEventRepository;
  auth: AuthService;
}

const JSON_LIMIT = { fallback: 100, max: 1000 };
const CSV_LIMIT = { fallback: 100_000, max: 100_000 };
const CSV_PAGE = 1000;
const ID_PATTERN = /^[0-9A-Za-z-]{1,36}$/;

function idQuery(req: Request, name: string): string | undefined {
  const value = queryValue(req, name);
  if (value !== undefined && !ID_PATTERN.test(value)) throw invalidQuery(name, 'must be an id');
  return value;
}

function openQuery(req: Request): boolean | undefined {
  const value = queryValue(req, 'open');
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw invalidQuery('open', 'must be true or false');
  return value === 'true';
}

/** The history filter a request asks for. */
export function episodeFilterOf(req: Request): EpisodeFilter {
  return {
    types: choiceListQuery(req, 'type', EVENT_TYPES),
    definitionId: idQuery(req, 'definitionId'),
    printerId: idQuery(req, 'printerId'),
    open: openQuery(req),
    from: dateQuery(req, 'from'),
    to: dateQuery(req, 'to'),
  };
}

function wantsCsv(req: Request): boolean {
  const format = queryValue(req, 'format');
  if (format !== undefined && format !== 'csv' && format !== 'json') {
    throw invalidQuery('format', 'must be json or csv');
  }
  if (format !== undefined) return format === 'csv';
  return req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

/** The `/api/v1/printer-events` router. */
export function printerEventsRouter(deps: PrinterEventsRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/printer-events', requireAuth(deps.auth));

  router.get('/api/v1/printer-events', async (req, res) => {
    const filter = episodeFilterOf(req);
    const csv = wantsCsv(req);
    const bounds = csv ? CSV_LIMIT : JSON_LIMIT;
    const limit = integerQuery(req, 'limit', 1, bounds.max, bounds.fallback);
    const offset = integerQuery(req, 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
    if (csv) {
      await sendCsv(res, {
        filename: 'printer-events.csv',
        header: HISTORY_CSV_COLUMNS,
        range: { offset, limit },
        pageSize: CSV_PAGE,
        fetchPage: (from, count) => deps.episodes.page(filter, count, from),
        cells: historyCsvValues,
        separator: HISTORY_CSV_SEPARATOR,
        byteOrderMark: false,
      });
      return;
    }
    const { episodes, total } = await deps.episodes.search(filter, limit, offset);
    res.json({ events: episodes.map(episodeJson), total, limit, offset });
  });

  return router;
}
