/**
 * Streams a CSV attachment a page at a time, waiting for the socket to drain, so an export of a large history
 * holds one page in memory, not the whole report. The first page is read before the status line goes out, so
 * a bad filter or a failing query still gets a JSON error.
 */
import { once } from 'node:events';
import { type Response } from 'express';
import { CSV_BYTE_ORDER_MARK, CSV_SEPARATOR, csvLine, type CsvValue } from './csv-cells';

/** Where a CSV export starts and how many rows it may hold. */
export interface CsvRange {
  offset: number;
  limit: number;
}

/** What {@link sendCsv} sends. */
export interface SendCsvOptions<T> {
  filename: string;
  header: readonly string[];
  range: CsvRange;
  pageSize: number;
  fetchPage: (offset: number, limit: number) => Promise<T[]>;
  cells: (row: T) => readonly CsvValue[];
  /** Default `;`, as MyQ's exports. */
  separator?: string;
  /** Start with a UTF-8 byte order mark (for Excel); default true. */
  byteOrderMark?: boolean;
}

/**
 * Send a CSV attachment: the header, then the rows of `fetchPage` page by page (`pageSize` rows per call)
 * until a page comes back short or `range.limit` rows are written.
 */
export async function sendCsv<T>(res: Response, options: SendCsvOptions<T>): Promise<void> {
  const { range, pageSize } = options;
  const separator = options.separator ?? CSV_SEPARATOR;
  const line = (values: readonly CsvValue[]) => csvLine(values, separator);
  let page = await options.fetchPage(range.offset, Math.min(pageSize, range.limit));
  res.status(200);
  res.type('text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${options.filename}"`);
  const bom = options.byteOrderMark === false ? '' : CSV_BYTE_ORDER_MARK;
  await write(res, `${bom}${line(options.header)}`);
  let written = 0;
  for (;;) {
    await write(res, page.map((row) => line(options.cells(row))).join(''));
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
