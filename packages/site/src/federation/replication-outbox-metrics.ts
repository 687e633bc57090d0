/**
 * The outbox's figures in the site's `/metrics`: how much central has yet to apply, and how old the oldest of it
 * is. The gauges are read from the database at scrape time, so they keep growing while central is away and no
 * session (and no sender) is running. One read serves all four gauges of a scrape.
 */
import { Gauge, type Registry } from 'prom-client';

/** Where the outbox stands, for heartbeats, metrics and the status API. */
export interface OutboxFigures {
  /** The highest sequence number written. */
  lastSeq: number;
  /** The highest sequence number central has applied (as last stored). */
  ackedSeq: number;
  /** Records written and not yet applied by central. */
  pending: number;
  /** When the oldest pending record was written; null when none is pending. */
  oldestAt: Date | null;
}

/** Gauges collected together within this long share one read. */
const SHARED_READ_MS = 500;

/**
 * Register the outbox gauges in `registry` (once: a second call for the same registry keeps the first ones),
 * collected from `readFigures`. A failed read leaves the previous values rather than failing the whole scrape.
 */
export function registerOutboxMetrics(
  registry: Registry,
  readFigures: () => Promise<OutboxFigures>,
  now: () => Date = () => new Date(),
): void {
  if (registry.getSingleMetric('quire_outbox_pending_records')) return;
  let shared: { at: number; figures: Promise<OutboxFigures | null> } | null = null;
  const figures = (): Promise<OutboxFigures | null> => {
    const at = Date.now();
    if (!shared || at - shared.at > SHARED_READ_MS) {
      shared = { at, figures: readFigures().catch(() => null) };
    }
    return shared.figures;
  };
  const gauge = (name: string, help: string, value: (f: OutboxFigures) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const current = await figures();
        if (current) this.set(value(current));
      },
    });
  };
  gauge(
    'quire_outbox_pending_records',
    'Outbox records written and not yet applied by central.',
    (f) => f.pending,
  );
  gauge(
    'quire_outbox_oldest_record_age_seconds',
    'Age of the oldest outbox record central has not applied yet; 0 when none is pending.',
    (f) => (f.oldestAt ? Math.max(0, (now().getTime() - f.oldestAt.getTime()) / 1000) : 0),
  );
  gauge(
    'quire_outbox_last_seq',
    'The highest outbox sequence number this site has written.',
    (f) => f.lastSeq,
  );
  gauge(
    'quire_outbox_acked_seq',
    'The highest outbox sequence number central has applied.',
    (f) => f.ackedSeq,
  );
}
