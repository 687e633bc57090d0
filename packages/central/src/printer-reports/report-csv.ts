/**
 * CSV output of central's reports, in the convention of MyQ's exports: semicolon-separated, CRLF line ends,
 * UTF-8 with a byte order mark (without it Excel reads the file in the machine's ANSI code page and garbles
 * every accented printer or site name). Rows are streamed a page at a time, waiting for the socket to drain,
 * so an export of a large history holds one page in memory, not the whole report.
 *
 * A cell that starts with `=`, `+`, `-`, `@`, a tab or a CR gets a leading apostrophe: spreadsheets would run
 * it as a formula, and printer names, locations and messages come from sites and devices (SNMP sysContact,
 * sysLocation), which anyone on a branch network can set.
 */
import { once } from 'node:events';
import { type Response } from 'express';

const SEPARATOR = ';';
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[;"\r\n]/;

/** One value as a CSV cell: null and undefined are empty, dates ISO 8601, text quoted when it must be. */
export function csvCell(value: string | number | boolean | Date | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line, with its CRLF. */
export function csvLine(values: ReadonlyArray<Parameters<typeof csvCell>[0]>): string {
  return `${values.map(csvCell).join(SEPARATOR)}\r\n`;
}

/** Where a CSV report starts and how many rows it may hold. */
export interface CsvRange {
  offset: number;
  limit: number;
}

/**
 * Send a CSV attachment: the header, then the rows of `fetchPage` page by page (`pageSize` rows per call)
 * until a page comes back short or `range.limit` rows are written.
 */
export async function sendCsv<T>(
  res: Response,
  options: {
    filename: string;
    header: readonly string[];
    range: CsvRange;
    pageSize: number;
    fetchPage: (offset: number, limit: number) => Promise<T[]>;
    cells: (row: T) => ReadonlyArray<Parameters<typeof csvCell>[0]>;
  },
): Promise<void> {
  const { range, pageSize } = options;
  // The first page is read before the status line goes out, so a bad filter still gets a JSON error.
  let page = await options.fetchPage(range.offset, Math.min(pageSize, range.limit));
  res.status(200);
  res.type('text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${options.filename}"`);
  await write(res, `\uFEFF${csvLine(options.header)}`);
  let written = 0;
  for (;;) {
    await write(res, page.map((row) => csvLine(options.cells(row))).join(''));
    written += page.length;
    const wanted = Math.min(pageSize, range.limit - written);
    if (page.length < pageSize || wanted <= 0) break;
    page = await options.fetchPage(range.offset + written, wanted);
  }
  res.end();
}

/** Write `text`, waiting for the socket to drain when its buffer is full; rejects when the client went away. */
async function write(res: Response, text: string): Promise<void> {
  if (text === '' || res.write(text)) return;
  const gone = new AbortController();
  // The loser is aborted once the race is decided; its rejection carries no news, hence the handlers.
  const drained = once(res, 'drain', { signal: gone.signal }).then(
    () => true,
    () => false,
  );
  const closed = once(res, 'close', { signal: gone.signal }).then(
    () => false,
    () => false,
  );
  const stillOpen = await Promise.race([drained, closed]).finally(() => gone.abort());
  if (!stillOpen) throw new Error('the client closed the connection during a CSV export');
}
