/**
 * The monitor's storage rules, as pure functions: what counts as a change worth a write, how an observation
 * folds into a printer's stored state, and when a counter snapshot is due. The site polls up to ten printers a
 * second; on SQLite each write is an fsync, so an unchanged printer is written only to refresh its row now and
 * then, and counters are sampled, not logged on every poll.
 */
import { type PrinterCounters, type PrinterObservation } from './printer-reading';
import { type StoredPrinterState } from './printer-status.repository';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The last stored counter snapshot of a printer, as the snapshot rule needs it. */
export interface SnapshotMark {
  atMs: number;
  total: number | null;
  mono: number | null;
  color: number | null;
}

/**
 * A string equal for two observations exactly when nothing the console, the events or the reports act on
 * differs: status, reasons, error, counters, every supply and tray level, the alerts, and the device's identity.
 */
export function fingerprintOf(observation: PrinterObservation): string {
  const reading = observation.reading;
  return JSON.stringify([
    observation.status,
    [...observation.reasons].sort(),
    observation.error,
    reading && [
      reading.counters.total,
      reading.counters.mono,
      reading.counters.color,
      reading.supplies.map((s) => [s.index, s.description, s.colorant, s.level, s.max]),
      reading.trays.map((t) => [t.index, t.name, t.media, t.level, t.max]),
      reading.alerts.map((a) => [a.index, a.severity, a.code, a.group, a.location, a.description]),
      reading.model,
      reading.serial,
      reading.sysName,
    ],
  ]);
}

/**
 * The state after `observation`: an answer becomes the last reading; an observation without one keeps the last
 * reading (the console shows last known supplies and counters of an offline printer). The status clock starts
 * again only when the status changes.
 */
export function foldObservation(
  previous: StoredPrinterState | null,
  observation: PrinterObservation,
): StoredPrinterState {
  const answered = observation.reading !== null;
  return {
    observation,
    lastReading: answered ? observation.reading : (previous?.lastReading ?? null),
    answeredAt: answered ? observation.at : (previous?.answeredAt ?? null),
    statusSince:
      previous && previous.observation.status === observation.status ? previous.statusSince : observation.at,
  };
}

function sameCounters(mark: SnapshotMark, counters: PrinterCounters): boolean {
  return mark.total === counters.total && mark.mono === counters.mono && mark.color === counters.color;
}

/**
 * Whether to store a counter snapshot now: never without a counter; always for the first; when a counter moved
 * and `minIntervalMs` has passed since the last; and at least once a day, so a report over any day finds a
 * reading near its start and end even for an idle printer.
 */
export function snapshotDue(
  last: SnapshotMark | null,
  counters: PrinterCounters,
  atMs: number,
  minIntervalMs: number,
): boolean {
  if (counters.total === null && counters.mono === null && counters.color === null) return false;
  if (!last) return true;
  const elapsed = atMs - last.atMs;
  if (elapsed >= DAY_MS) return true;
  return elapsed >= minIntervalMs && !sameCounters(last, counters);
}
