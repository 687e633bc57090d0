/**
 * The event history as CSV, MyQ's "Save as CSV" of the Event history page: columns Event, Printer, Subject,
 * Message, Created, Resolved. Fields are quoted as RFC 4180 says (no CSV writer is installed in the workspace,
 * only csv-parse for reading). Texts that come from devices (supply descriptions, alert messages) could start
 * with `=`, `+`, `-` or `@`, which spreadsheets run as formulas; such a field gets a leading apostrophe.
 */
import { type PrinterEventEntity } from './printer-event.entity';

/** The header row. */
export const HISTORY_CSV_COLUMNS = ['Event', 'Printer', 'Subject', 'Message', 'Created', 'Resolved'] as const;

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field, quoted when it holds a comma, a quote or a line break, with quotes doubled. */
export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record, CRLF-terminated. */
export function csvRecord(values: readonly string[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** The Subject column: the supply's name when the episode is about one, else its subject. */
function subjectText(episode: PrinterEventEntity): string {
  return typeof episode.details.supply === 'string' ? episode.details.supply : episode.subject;
}

/** An episode as the values of one CSV record. */
export function historyCsvValues(episode: PrinterEventEntity): string[] {
  return [
    episode.eventName,
    episode.printerName,
    subjectText(episode),
    episode.message,
    episode.openedAt.toISOString(),
    episode.closedAt?.toISOString() ?? '',
  ];
}
