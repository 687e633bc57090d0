/**
 * The monitor's figures in `/metrics`: polls by outcome and how long they took, turns skipped because the
 * previous poll of the printer was still running (a sign the interval or concurrency is too tight for printers
 * that time out), and how many printers are in each status (read from the stored rows at scrape time, so it is
 * right straight after a restart).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { type PrinterStatus } from './printer-reading';

/** How a poll ended. */
export type PollOutcome = 'answered' | 'offline' | 'not_monitored' | 'failed';

const STATUSES: readonly PrinterStatus[] = [
  'idle',
  'printing',
  'warning',
  'error',
  'offline',
  'not monitored',
];

/** Where the monitor reports its figures. */
export interface MonitorMetrics {
  polled(outcome: PollOutcome, seconds: number): void;
  skipped(): void;
}

/** Figures that go nowhere (no registry given). */
export const noMonitorMetrics: MonitorMetrics = { polled: () => undefined, skipped: () => undefined };

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/**
 * Register the monitor's metrics in `registry` (or reuse them when a monitor already did) and return the
 * recorder for them. `countByStatus` is asked at each scrape.
 */
export function registerMonitorMetrics(
  registry: Registry,
  countByStatus: () => Promise<Map<PrinterStatus, number>>,
): MonitorMetrics {
  const polls =
    existing<Counter<'outcome'>>(registry, 'quire_printer_polls_total') ??
    new Counter({
      name: 'quire_printer_polls_total',
      help: 'Printer polls, by outcome: answered, offline (no answer), not_monitored, failed (see the log).',
      labelNames: ['outcome'],
      registers: [registry],
    });
  const duration =
    existing<Histogram<'outcome'>>(registry, 'quire_printer_poll_duration_seconds') ??
    new Histogram({
      name: 'quire_printer_poll_duration_seconds',
      help: 'Time from the start of a printer poll to its observation being stored, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  const skipped =
    existing<Counter>(registry, 'quire_printer_polls_skipped_total') ??
    new Counter({
      name: 'quire_printer_polls_skipped_total',
      help: 'Scheduled printer polls skipped because the previous poll of the printer was still running.',
      registers: [registry],
    });
  if (!existing(registry, 'quire_printers_by_status')) {
    new Gauge({
      name: 'quire_printers_by_status',
      help: 'Printers in each monitored status, as last stored.',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const counts = await countByStatus().catch(() => null);
        if (!counts) return;
        for (const status of STATUSES) this.set({ status }, counts.get(status) ?? 0);
      },
    });
  }
  return {
    polled(outcome, seconds) {
      polls.inc({ outcome });
      duration.observe({ outcome }, seconds);
    },
    skipped() {
      skipped.inc();
    },
  };
}
