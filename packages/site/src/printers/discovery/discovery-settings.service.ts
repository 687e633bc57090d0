/**
 * Saved discoveries: create, change, delete and run them. A discovery is checked in full when saved (ranges,
 * template, the profiles and queues it names), so a scheduled run fails only for what changed since, and that
 * failure is kept as its last result for the console. One saved discovery never runs twice at once: a second
 * run of it is a CONFLICT. Emits `changed` after a committed change, for the scheduler.
 */
import { EventEmitter } from 'node:events';
import { type EntityManager } from 'typeorm';
import { describeError, ErrorCode, isUniqueViolation, newId, QuireError, type Logger } from '@quire/common';
import { type DiscoveredPrinter } from './discovery-applier';
import { type DiscoveryRunSummary, type DiscoveryEntity } from './discovery.entity';
import {
  checkNewSavedDiscovery,
  checkSavedDiscoveryPatch,
  type DiscoveryRequest,
  type NewSavedDiscovery,
  type SavedDiscoveryPatch,
} from './discovery-input';
import { type DiscoveryChanges, type DiscoveryRepository } from './discovery.repository';
import { countOutcomes, type DiscoveryReport } from './discovery-runs';
import { type DiscoveryRunContext, type DiscoveryService, type StartedDiscovery } from './discovery.service';

/** Devices kept in a last-run summary; the rest are counted only (the row must fit a TEXT column). */
const SUMMARY_DEVICES = 100;

/** Dependencies of the saved-discovery service. */
export interface DiscoverySettingsServiceOptions {
  repository: DiscoveryRepository;
  discovery: DiscoveryService;
  logger: Logger;
  now?: () => Date;
}

/** How a saved discovery is run: who asks, where progress goes, and whether to change nothing. */
export interface SavedRunOptions extends Omit<DiscoveryRunContext, 'discovery'> {
  dryRun?: boolean;
}

/** The run request a saved discovery stands for. */
export function requestOf(discovery: DiscoveryEntity, dryRun = false): DiscoveryRequest {
  return {
    ranges: discovery.ranges,
    exclude: discovery.exclude,
    snmpProfileId: discovery.snmpProfileId,
    timeoutMs: discovery.timeoutMs,
    nameTemplate: discovery.nameTemplate ?? undefined,
    renameExisting: discovery.renameExisting,
    actions: discovery.actions ?? undefined,
    rules: discovery.rules,
    dryRun,
  };
}

function summaryOf(startedAt: Date, report: DiscoveryReport): DiscoveryRunSummary {
  return {
    startedAt: startedAt.toISOString(),
    durationMs: report.durationMs,
    scanned: report.scanned,
    dryRun: report.dryRun,
    counts: countOutcomes(report.found),
    error: null,
    devices: report.found.slice(0, SUMMARY_DEVICES).map((d: DiscoveredPrinter) => ({
      address: d.address,
      name: d.name,
      outcome: d.outcome,
      printerId: d.printerId,
    })),
  };
}

/** Saved discoveries; see the file comment. */
export class DiscoverySettingsService extends EventEmitter<{ changed: [] }> {
  private readonly now: () => Date;
  private readonly running = new Map<string, Promise<DiscoveryReport>>();

  constructor(private readonly options: DiscoverySettingsServiceOptions) {
    super();
    this.now = options.now ?? (() => new Date());
  }

  /** Every saved discovery, by name. */
  list(): Promise<DiscoveryEntity[]> {
    return this.options.repository.list();
  }

  /** One saved discovery, or DISCOVERY_NOT_FOUND. */
  async get(id: string, manager?: EntityManager): Promise<DiscoveryEntity> {
    const discovery = await this.options.repository.findById(id, manager);
    if (!discovery) throw new QuireError(ErrorCode.DiscoveryNotFound, `No discovery with id ${id}`);
    return discovery;
  }

  /** Save a discovery (enabled by default, no schedule unless given); CONFLICT for a name taken in any case. */
  async create(input: NewSavedDiscovery, manager?: EntityManager): Promise<DiscoveryEntity> {
    const settings = checkNewSavedDiscovery(input);
    const now = this.now();
    const discovery: DiscoveryEntity = {
      id: newId(),
      name: settings.name,
      nameKey: settings.name.toLowerCase(),
      enabled: settings.enabled ?? true,
      schedule: settings.schedule ?? null,
      ranges: settings.ranges,
      exclude: settings.exclude ?? [],
      snmpProfileId: settings.snmpProfileId ?? null,
      timeoutMs: settings.timeoutMs ?? null,
      nameTemplate: settings.nameTemplate ?? null,
      renameExisting: settings.renameExisting ?? false,
      actions: settings.actions ?? null,
      rules: settings.rules ?? [],
      lastRunAt: null,
      lastResult: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.options.discovery.check(requestOf(discovery));
    await this.conflictOnDuplicate(discovery.name, () => this.options.repository.insert(discovery, manager));
    this.announce(manager);
    this.options.logger.info('discovery saved', { discoveryId: discovery.id, discovery: discovery.name });
    return discovery;
  }

  /** Change a saved discovery; the same errors as `create`, and DISCOVERY_NOT_FOUND. */
  async update(id: string, patch: SavedDiscoveryPatch, manager?: EntityManager): Promise<DiscoveryEntity> {
    const checked = checkSavedDiscoveryPatch(patch);
    const current = await this.get(id, manager);
    const changes: DiscoveryChanges = { updatedAt: this.now() };
    for (const [key, value] of Object.entries(checked)) {
      if (value !== undefined) Object.assign(changes, { [key]: value });
    }
    if (changes.name !== undefined) changes.nameKey = changes.name.toLowerCase();
    const updated = { ...current, ...changes };
    await this.options.discovery.check(requestOf(updated));
    await this.conflictOnDuplicate(updated.name, () => this.options.repository.update(id, changes, manager));
    this.announce(manager);
    this.options.logger.info('discovery changed', { discoveryId: id, discovery: updated.name });
    return updated;
  }

  /** Delete a saved discovery, or DISCOVERY_NOT_FOUND. The printers it added stay. */
  async remove(id: string, manager?: EntityManager): Promise<void> {
    if (!(await this.options.repository.delete(id, manager))) {
      throw new QuireError(ErrorCode.DiscoveryNotFound, `No discovery with id ${id}`);
    }
    this.announce(manager);
    this.options.logger.info('discovery deleted', { discoveryId: id });
  }

  /** Whether a run of this saved discovery is in progress. */
  isRunning(id: string): boolean {
    return this.running.has(id);
  }

  /**
   * Run a saved discovery now and keep a summary as its last result (a dry run's too); CONFLICT while it runs
   * already, DISCOVERY_NOT_FOUND for none. A run that fails before probing keeps its error and rethrows it.
   */
  async run(id: string, options: SavedRunOptions): Promise<DiscoveryReport> {
    return (await this.start(id, options)).done;
  }

  /**
   * Start a saved discovery and resolve once it runs, with the run and a promise of its report (recorded as the
   * last result before it settles); the same errors as `run` reject here. The caller must handle a rejection
   * of `done`.
   */
  async start(id: string, options: SavedRunOptions): Promise<StartedDiscovery> {
    const discovery = await this.get(id);
    if (this.running.has(id)) {
      throw new QuireError(ErrorCode.Conflict, `Discovery "${discovery.name}" is already running`);
    }
    const starting = this.startAndRecord(discovery, options);
    // Marked running from here, before the first await, so a second start of it is refused at once.
    const whole = starting.then((started) => started.done);
    this.running.set(id, whole);
    const settled = () => {
      if (this.running.get(id) === whole) this.running.delete(id);
    };
    void whole.then(settled, settled);
    return starting;
  }

  private async startAndRecord(
    discovery: DiscoveryEntity,
    options: SavedRunOptions,
  ): Promise<StartedDiscovery> {
    const startedAt = this.now();
    const dryRun = options.dryRun === true;
    let started: StartedDiscovery;
    try {
      started = await this.options.discovery.start(requestOf(discovery, dryRun), {
        ...options,
        discovery: { id: discovery.id, name: discovery.name },
      });
    } catch (err) {
      await this.recordFailure(discovery.id, startedAt, dryRun, err);
      throw err;
    }
    const done = started.done.then(
      async (report) => {
        await this.record(discovery.id, startedAt, summaryOf(startedAt, report));
        return report;
      },
      async (err: unknown) => {
        await this.recordFailure(discovery.id, startedAt, dryRun, err);
        throw err;
      },
    );
    return { run: started.run, done };
  }

  /** Keep a failed run's error as the last result; a failure to do so is logged, never thrown over the run's. */
  private async recordFailure(id: string, startedAt: Date, dryRun: boolean, err: unknown): Promise<void> {
    const failed = summaryOf(startedAt, { found: [], scanned: 0, durationMs: 0, dryRun });
    await this.record(id, startedAt, { ...failed, error: describeError(err) }).catch((recordErr: unknown) =>
      this.options.logger.error('could not record a failed discovery run', {
        error: describeError(recordErr),
      }),
    );
  }

  private async record(id: string, startedAt: Date, summary: DiscoveryRunSummary): Promise<void> {
    await this.options.repository.update(id, { lastRunAt: startedAt, lastResult: summary });
  }

  private async conflictOnDuplicate<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw new QuireError(
        ErrorCode.Conflict,
        `A discovery named "${name}" already exists (discovery names are compared without regard to case)`,
        { details: { field: 'name' } },
      );
    }
  }

  private announce(manager: EntityManager | undefined): void {
    this.options.repository.afterCommit(manager, () => this.emit('changed'));
  }
}
