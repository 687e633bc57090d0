/**
 * The printer monitor: polls every printer on a staggered schedule (staggered-poller.ts) with a bound on reads in
 * flight, turns each read into an observation (a status derived from the reading; `offline` when the printer
 * does not answer; `not monitored` when it is not to be asked), and stores it through the recorder, which writes
 * only what changed. Status changes are logged; every poll is counted in the metrics.
 *
 * Printers that are not activated (`enabled` false) are monitored too: MyQ watches inactive devices, and an
 * admin deciding whether to activate one wants to see its state and toner first. A printer is left alone only
 * when its probe says so (SNMP off for it).
 */
import { performance } from 'node:perf_hooks';
import { type Registry } from 'prom-client';
import { type DataSource } from 'typeorm';
import { ErrorCode, isQuireError, type Logger } from '@quire/common';
import { type ReplicationOutbox } from '../../federation/replication-outbox';
import { type PrinterEntity } from '../printer.entity';
import { type PrinterService } from '../printer.service';
import {
  noMonitorMetrics,
  registerMonitorMetrics,
  type MonitorMetrics,
  type PollOutcome,
} from './monitor-metrics';
import { type PrinterObserver, type PrinterProbe, type StatusDeriver } from './monitor-ports';
import { ObservationRecorder } from './observation-recorder';
import { type PrinterObservation } from './printer-reading';
import { PrinterStatusRepository, type StoredPrinterState } from './printer-status.repository';
import { StaggeredPoller, type PollTimers } from './staggered-poller';

/** Construction options of PrinterMonitor. */
export interface PrinterMonitorOptions {
  dataSource: DataSource;
  printers: PrinterService;
  probe: PrinterProbe;
  /** Derives status and reasons from a reading (`deriveStatus` of printers/snmp). */
  derive: StatusDeriver;
  observers: readonly PrinterObserver[];
  /** Where counter snapshots are queued for central; null on a standalone site. */
  outbox: ReplicationOutbox | null;
  /** `printers.pollIntervalSeconds`. */
  intervalSeconds: number;
  /** `printers.pollConcurrency`. */
  concurrency: number;
  /** `printers.counterSnapshotMinutes`. */
  counterSnapshotMinutes: number;
  logger: Logger;
  metrics?: Registry;
  /** The time observations are stamped with. */
  now?: () => Date;
  /** The scheduler's clock and timers (tests pass a fake clock). */
  timers?: PollTimers;
  /** Most minutes an unchanged status row goes unwritten; default 10. */
  statusRefreshMinutes?: number;
}

/** What one sweep over every printer found. */
export interface SweepResult {
  printers: number;
  answered: number;
  offline: number;
  notMonitored: number;
  /** Polls that could not be completed (a probe or database error, see the log). */
  failed: number;
  durationMs: number;
}

interface Polled {
  observation: PrinterObservation;
  outcome: PollOutcome;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Polls and records printer state; see the file comment. */
export class PrinterMonitor {
  /** The stored status rows and snapshots (also the CSV export's status source). */
  readonly repository: PrinterStatusRepository;
  private readonly recorder: ObservationRecorder;
  private readonly poller: StaggeredPoller<PrinterEntity, Polled>;
  private readonly metrics: MonitorMetrics;
  private readonly now: () => Date;
  private readonly logger: Logger;
  /** Printers whose last poll failed, so a lasting failure is logged once, not every minute. */
  private readonly failing = new Set<string>();
  private starting: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: PrinterMonitorOptions) {
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger;
    this.repository = new PrinterStatusRepository(options.dataSource);
    this.recorder = new ObservationRecorder({
      dataSource: options.dataSource,
      repository: this.repository,
      observers: options.observers,
      outbox: options.outbox,
      counterSnapshotMs: options.counterSnapshotMinutes * 60_000,
      refreshMs: (options.statusRefreshMinutes ?? 10) * 60_000,
    });
    this.metrics = options.metrics
      ? registerMonitorMetrics(options.metrics, () => this.repository.countByStatus())
      : noMonitorMetrics;
    this.poller = new StaggeredPoller<PrinterEntity, Polled>({
      intervalMs: options.intervalSeconds * 1000,
      concurrency: options.concurrency,
      timers: options.timers,
      list: () => this.listForCycle(),
      keyOf: (printer) => printer.id,
      poll: (printer) => this.poll(printer),
      onPollError: (printer, err) => this.pollFailed(printer, err),
      onListError: (err) => this.logger.warn('could not list printers to poll', { error: messageOf(err) }),
      onSkipped: () => this.metrics.skipped(),
    });
  }

  /** Start polling on the schedule; status rows of printers deleted while the site was down are removed first. */
  start(): void {
    if (this.starting) return;
    this.stopped = false;
    this.starting = this.repository
      .removeOrphans()
      .then(
        () => undefined,
        (err: unknown) =>
          this.logger.warn('could not remove status rows of deleted printers', { error: messageOf(err) }),
      )
      .then(() => {
        if (!this.stopped) this.poller.start();
      });
  }

  /** Stop polling; resolves once the polls in flight are stored. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    this.starting = null;
    await this.poller.stop();
  }

  /** Poll one printer now (joining a poll of it already under way) and return the observation. */
  async pollNow(printerId: string): Promise<PrinterObservation> {
    const printer = await this.options.printers.get(printerId);
    return (await this.poller.run(printer)).observation;
  }

  /** Poll every printer now, within the concurrency bound, and count the outcomes. */
  async sweep(): Promise<SweepResult> {
    const started = performance.now();
    const printers = await this.options.printers.list();
    await this.recorder.preload(printers.map((printer) => printer.id));
    const results = await Promise.allSettled(printers.map((printer) => this.poller.run(printer)));
    const outcomes = results.map((result) =>
      result.status === 'fulfilled' ? result.value.outcome : 'failed',
    );
    const count = (outcome: PollOutcome) => outcomes.filter((o) => o === outcome).length;
    return {
      printers: printers.length,
      answered: count('answered'),
      offline: count('offline'),
      notMonitored: count('not_monitored'),
      failed: count('failed'),
      durationMs: performance.now() - started,
    };
  }

  /** A printer's latest observation, or null before its first. */
  async current(printerId: string): Promise<PrinterObservation | null> {
    return (await this.states([printerId])).get(printerId)?.observation ?? null;
  }

  /**
   * The latest state of each of `printerIds` that has one: from memory for printers polled since start (with
   * poll times newer than their rows), from the stored rows for the others (one query per 500 printers).
   */
  async states(printerIds: readonly string[]): Promise<Map<string, StoredPrinterState>> {
    const states = new Map<string, StoredPrinterState>();
    const unknown: string[] = [];
    for (const id of printerIds) {
      const latest = this.recorder.latest(id);
      if (latest) states.set(id, latest);
      else unknown.push(id);
    }
    if (unknown.length === 0) return states;
    for (const [id, state] of await this.repository.states(unknown)) states.set(id, state);
    return states;
  }

  private async listForCycle(): Promise<PrinterEntity[]> {
    const printers = await this.options.printers.list();
    // Time-ordered ids keep each printer's place (and so its phase) when others are added.
    printers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const present = new Set(printers.map((printer) => printer.id));
    const gone = this.recorder.remembered().filter((id) => !present.has(id) && !this.poller.isBusy(id));
    if (gone.length > 0) {
      this.recorder.forget(gone);
      for (const id of gone) this.failing.delete(id);
      await this.repository.remove(gone);
    }
    await this.recorder.preload([...present]);
    return printers;
  }

  private async poll(printer: PrinterEntity): Promise<Polled> {
    const started = performance.now();
    try {
      const polled = await this.observe(printer);
      const { previous } = await this.recorder.record(printer, polled.observation);
      this.logChange(printer, previous, polled.observation);
      this.metrics.polled(polled.outcome, (performance.now() - started) / 1000);
      if (this.failing.delete(printer.id))
        this.logger.info('printer poll works again', { printerId: printer.id });
      return polled;
    } catch (err) {
      this.metrics.polled('failed', (performance.now() - started) / 1000);
      throw err;
    }
  }

  private async observe(printer: PrinterEntity): Promise<Polled> {
    const base = { printerId: printer.id, reasons: [], error: null };
    try {
      const reading = await this.options.probe.read(printer);
      if (reading === null) {
        return {
          observation: { ...base, at: this.now(), reading: null, status: 'not monitored' },
          outcome: 'not_monitored',
        };
      }
      const { status, reasons } = this.options.derive(reading);
      return { observation: { ...base, at: this.now(), reading, status, reasons }, outcome: 'answered' };
    } catch (err) {
      const at = this.now();
      if (isQuireError(err, ErrorCode.SnmpTimeout) || isQuireError(err, ErrorCode.SnmpFailed)) {
        return {
          observation: {
            ...base,
            at,
            reading: null,
            status: 'offline',
            reasons: ['offline'],
            error: err.message,
          },
          outcome: 'offline',
        };
      }
      // Not the printer's silence but no way to ask it (a missing profile, a bug): shown with its cause.
      return {
        observation: { ...base, at, reading: null, status: 'not monitored', error: messageOf(err) },
        outcome: 'failed',
      };
    }
  }

  private logChange(
    printer: PrinterEntity,
    previous: PrinterObservation | null,
    now: PrinterObservation,
  ): void {
    if (previous?.status === now.status) return;
    this.logger.info('printer status changed', {
      printerId: printer.id,
      printer: printer.name,
      from: previous?.status ?? null,
      status: now.status,
      reasons: now.reasons,
      ...(now.error ? { error: now.error } : {}),
    });
  }

  private pollFailed(printer: PrinterEntity, err: unknown): void {
    if (this.failing.has(printer.id)) return;
    this.failing.add(printer.id);
    this.logger.warn('printer poll failed', {
      printerId: printer.id,
      printer: printer.name,
      error: messageOf(err),
    });
  }
}
