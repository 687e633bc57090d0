/**
 * The event history as CSV, MyQ's "Save as CSV" of the Event history page: columns Event, Printer, Subject,
 * Message, Created, Resolved, comma-separated as MyQ saves it. The route writes it with @quire/common's
 * `sendCsv`, whose cells are quoted as RFC 4180 says and defused when a device text (supply description, alert
 * message) would run as a formula.
 */
import { type PrinterEventEntity } from './printer-event.entity';

/** The header row. */
export const HISTORY_CSV_COLUMNS = ['Event', 'Printer', 'Subject', 'Message', 'Created', 'Resolved'] as const;

/** The history's separator. */
export const HISTORY_CSV_SEPARATOR = ',';

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
