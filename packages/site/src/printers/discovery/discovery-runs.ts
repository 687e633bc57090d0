/**
 * The discovery runs of this site process, running and recently ended, so that a long discovery (a /16 takes
 * over an hour) can run in the background and be followed and cancelled over REST, as MyQ's console shows a
 * running discovery's progress. Every run is registered here, whoever started it: the REST API, a saved
 * discovery or its schedule.
 *
 * Runs live in memory only. A stopping server ends its runs (DiscoveryService.close), and a saved discovery
 * keeps its last result in its own row anyway, so nothing here needs to outlive the process. The newest
 * ENDED_RUNS_KEPT ended runs are kept; older ones are forgotten.
 */
import { ErrorCode, newId, QuireError } from '@quire/common';
import { type DiscoveredPrinter } from './discovery-applier';
import { type DiscoveryProgress } from './discovery-prober';

/** Ended runs kept for GET /api/v1/discoveries; older ones are forgotten. */
export const ENDED_RUNS_KEPT = 20;

/** What a run found and did. */
export interface DiscoveryReport {
  found: DiscoveredPrinter[];
  /** Addresses probed. */
  scanned: number;
  durationMs: number;
  dryRun: boolean;
}

/** Where a run is: probing and applying, or ended one of three ways. */
export type DiscoveryRunState = 'running' | 'completed' | 'failed' | 'cancelled';

/** How far a run got: addresses probed of the total, devices that answered, and devices applied so far. */
export interface DiscoveryRunProgress extends DiscoveryProgress {
  applied: number;
}

/** A run as the API shows it; `report` only while it is asked for one run. */
export interface DiscoveryRunView {
  id: string;
  state: DiscoveryRunState;
  /** The saved discovery run, or null for an ad hoc one. */
  discovery: { id: string; name: string } | null;
  dryRun: boolean;
  startedBy: string;
  startedAt: string;
  endedAt: string | null;
  progress: DiscoveryRunProgress;
  /** Devices per outcome, once the run completed. */
  outcomes: Record<DiscoveredPrinter['outcome'], number> | null;
  error: { code: string; message: string } | null;
  cancelledBy: string | null;
  report?: DiscoveryReport | null;
}

/** What a run's owner needs: the cancel signal, and where progress and the end go. */
export interface DiscoveryRunHandle {
  readonly id: string;
  /** Aborted when an admin cancels the run. */
  readonly signal: AbortSignal;
  progress(progress: DiscoveryProgress): void;
  deviceApplied(): void;
  complete(report: DiscoveryReport): void;
  fail(err: unknown): void;
}

/** What a new run is. */
export interface NewDiscoveryRun {
  discovery: { id: string; name: string } | null;
  dryRun: boolean;
  startedBy: string;
  addresses: number;
}

interface RunRecord {
  view: DiscoveryRunView;
  report: DiscoveryReport | null;
  controller: AbortController;
  ended: Promise<void>;
  markEnded: () => void;
}

/** How many devices ended in each outcome. */
export function countOutcomes(
  found: readonly DiscoveredPrinter[],
): Record<DiscoveredPrinter['outcome'], number> {
  const counts = { added: 0, updated: 0, unchanged: 0, skipped: 0 };
  for (const device of found) counts[device.outcome] += 1;
  return counts;
}

function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof QuireError) return { code: err.code, message: err.message };
  return {
    code: ErrorCode.Internal,
    message: 'The discovery failed with an internal error; see the site log',
  };
}

/** The registry of runs; see the file comment. */
export class DiscoveryRuns {
  /** By id, in start order. */
  private readonly runs = new Map<string, RunRecord>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Register a run that starts now, and hand its owner the handle to report through. */
  begin(run: NewDiscoveryRun): DiscoveryRunHandle {
    const id = newId();
    let markEnded = (): void => undefined;
    const ended = new Promise<void>((resolve) => (markEnded = resolve));
    const record: RunRecord = {
      view: {
        id,
        state: 'running',
        discovery: run.discovery,
        dryRun: run.dryRun,
        startedBy: run.startedBy,
        startedAt: this.isoNow(),
        endedAt: null,
        progress: { done: 0, total: run.addresses, found: 0, applied: 0 },
        outcomes: null,
        error: null,
        cancelledBy: null,
      },
      report: null,
      controller: new AbortController(),
      ended,
      markEnded,
    };
    this.runs.set(id, record);
    return this.handleOf(record);
  }

  /** Every run kept, newest first, without their reports. */
  list(): DiscoveryRunView[] {
    return [...this.runs.values()].reverse().map((record) => ({ ...record.view }));
  }

  /** One run with its report (null until it completes); DISCOVERY_NOT_FOUND for an unknown or forgotten one. */
  get(id: string): DiscoveryRunView {
    const record = this.recordOf(id);
    return { ...record.view, report: record.report };
  }

  /**
   * Cancel a running run and resolve once it has stopped (its probes in flight end within the SNMP timeout);
   * CONFLICT for a run that has already ended.
   */
  async cancel(id: string, by: string): Promise<DiscoveryRunView> {
    const record = this.recordOf(id);
    if (record.view.state !== 'running') {
      throw new QuireError(
        ErrorCode.Conflict,
        `Discovery run ${id} has already ended (${record.view.state})`,
      );
    }
    if (!record.controller.signal.aborted) {
      record.view.cancelledBy = by;
      record.controller.abort();
    }
    await record.ended;
    return this.get(id);
  }

  private recordOf(id: string): RunRecord {
    const record = this.runs.get(id);
    if (!record) {
      throw new QuireError(
        ErrorCode.DiscoveryNotFound,
        `No discovery run with id ${id}; the site keeps its last ${ENDED_RUNS_KEPT} ended runs until it restarts`,
      );
    }
    return record;
  }

  private handleOf(record: RunRecord): DiscoveryRunHandle {
    const view = record.view;
    const end = (state: DiscoveryRunState): void => {
      if (view.state !== 'running') return;
      view.state = state;
      view.endedAt = this.isoNow();
      record.markEnded();
      this.forgetOldRuns();
    };
    return {
      id: view.id,
      signal: record.controller.signal,
      progress: ({ done, total, found }) => {
        view.progress = { ...view.progress, done, total, found };
      },
      deviceApplied: () => {
        view.progress = { ...view.progress, applied: view.progress.applied + 1 };
      },
      complete: (report) => {
        record.report = report;
        view.outcomes = countOutcomes(report.found);
        end('completed');
      },
      fail: (err) => {
        view.error = errorOf(err);
        end(record.controller.signal.aborted ? 'cancelled' : 'failed');
      },
    };
  }

  private forgetOldRuns(): void {
    const ended = [...this.runs.values()].filter((record) => record.view.state !== 'running');
    for (const record of ended.slice(0, Math.max(0, ended.length - ENDED_RUNS_KEPT))) {
      this.runs.delete(record.view.id);
    }
  }

  private isoNow(): string {
    return new Date(this.clock()).toISOString();
  }
}
