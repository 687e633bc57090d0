/**
 * Runs a directory sync. A source hands its users over page by page (a SyncFeed); each page is planned against
 * the directory and everything planned before it (sync-plan.ts) and its rows are queued on a bulk transaction
 * (sync-apply.ts) while the source reads the next page, so reading and writing overlap. The whole run is ONE
 * transaction: a run that fails halfway (a lost LDAP connection, a database error) leaves the directory exactly
 * as it was. A dry run plans and reports without writing. Every run, dry or not, failed or not, leaves a history
 * row with its counts, duration and errors.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import {
  describeError,
  newId,
  runBulkTransaction,
  type BulkWriter,
  type Logger,
  type LookupKeys,
} from '@quire/common';
import { DirectorySyncRunEntity } from './directory-group.entity';
import { DIRECTORY_VERSION_ROW, DirectoryVersionEntity } from './directory-version.entity';
import { type SourceProblem, type SourceRead, type SourceUser } from './source-user';
import { SyncApplier } from './sync-apply';
import { loadSyncContext } from './sync-context';
import { groupPrefixKeys, SyncPlanner, type BatchPlan, type SyncRules } from './sync-plan';

const SAMPLES = 10;
const KEPT_PROBLEMS = 1000;

/**
 * A source read as the sync consumes it: `emit` gets each page of users as it arrives (and plans and queues it
 * before returning); resolves with the records the source skipped, or rejects when the read fails.
 */
export type SyncFeed = (emit: (users: SourceUser[]) => void) => Promise<SourceProblem[]>;

/** What a run did, or would do (dry run). */
export interface SyncReport {
  runId: string;
  source: string;
  dryRun: boolean;
  status: 'ok' | 'partial' | 'failed';
  counts: {
    added: number;
    updated: number;
    disabled: number;
    unchanged: number;
    conflicts: number;
    skipped: number;
  };
  samples: { added: string[]; updated: string[]; disabled: string[] };
  conflicts: SourceProblem[];
  problems: SourceProblem[];
  durationMs: number;
  error?: string;
}

/** Dependencies of the sync service. */
export interface DirectorySyncOptions {
  dataSource: DataSource;
  lookupKeys: LookupKeys;
  logger: Logger;
  now?: () => Date;
}

/** Directory syncs and imports; see the file comment. */
export class DirectorySyncService {
  private readonly now: () => Date;

  constructor(private readonly options: DirectorySyncOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Apply a whole `read` (a CSV file), or for a dry run only plan it; see {@link runFeed}. */
  run(read: SourceRead, rules: SyncRules, dryRun: boolean): Promise<SyncReport> {
    return this.runFeed(
      async (emit) => {
        emit(read.users);
        return read.problems;
      },
      rules,
      dryRun,
    );
  }

  /**
   * Sync what `feed` hands over under `rules` (or, for a dry run, only plan it). Resolves with the report; a
   * failure of the feed or of a write rolls everything back and is reported (status `failed`, zero counts).
   */
  async runFeed(feed: SyncFeed, rules: SyncRules, dryRun: boolean): Promise<SyncReport> {
    const started = this.now();
    const report = emptyReport(rules.source, dryRun);
    try {
      const collect = (manager: EntityManager, writer: BulkWriter | null) =>
        this.consume(feed, rules, report, manager, writer);
      if (dryRun) await this.options.dataSource.transaction((tx) => collect(tx, null));
      else await runBulkTransaction(this.options.dataSource, (writer, manager) => collect(manager, writer));
      report.status = report.counts.skipped + report.counts.conflicts > 0 ? 'partial' : 'ok';
    } catch (err) {
      Object.assign(report, emptyReport(rules.source, dryRun), { runId: report.runId });
      report.status = 'failed';
      report.error = describeError(err);
      this.options.logger.error('directory sync failed; nothing was applied', {
        source: rules.source,
        error: report.error,
      });
    }
    report.durationMs = this.now().getTime() - started.getTime();
    await this.saveRun(report, started);
    return report;
  }

  /** Plan (and with a writer, apply) every page of `feed` into `report`. */
  private async consume(
    feed: SyncFeed,
    rules: SyncRules,
    report: SyncReport,
    manager: EntityManager,
    writer: BulkWriter | null,
  ): Promise<void> {
    const ctx = await loadSyncContext(manager, rules.source);
    const version = writer ? await this.lockVersion(manager, writer) : 0;
    const applier = writer
      ? new SyncApplier(this.options.dataSource, writer, { ...ctx, source: rules.source, version }, this.now)
      : null;
    const groupKeys = new Set(ctx.groupIdByKey.keys());
    const planner = new SyncPlanner(rules, {
      ...ctx,
      groupKeys,
      pinKey: (p) => this.options.lookupKeys.pin(p),
      cardKey: (c) => this.options.lookupKeys.card(c),
    });
    const problems = await feed((users) => {
      // `group:` delegates may name any group this run knows of, including those it is about to create. A run
      // that takes no delegates from its source (LDAP) keeps only stored ones, whose groups exist already.
      if (rules.merge.delegates !== 'none')
        for (const user of users)
          for (const path of user.groups) for (const key of groupPrefixKeys(path)) groupKeys.add(key);
      const batch = planner.plan(users);
      applier?.applyBatch(batch);
      addBatch(report, batch);
    });
    const { disable, conflicts } = planner.finish();
    applier?.finish(disable, (name) => planner.claimant(name));
    if (writer) await writer.settled();
    report.counts.disabled = disable.length;
    report.samples.disabled = disable.slice(0, SAMPLES).map((u) => u.username);
    addProblems(report, conflicts, problems);
  }

  /**
   * The directory version the run's block starts from. On a shared connection (MariaDB) the row is locked by
   * an update first, so no other transaction takes versions until this one ends; a SQLite bulk session already
   * holds the database's write lock.
   */
  private async lockVersion(manager: EntityManager, writer: BulkWriter): Promise<number> {
    if (!writer.ownConnection)
      await manager.increment(DirectoryVersionEntity, { id: DIRECTORY_VERSION_ROW }, 'value', 0);
    return (await manager.findOneByOrFail(DirectoryVersionEntity, { id: DIRECTORY_VERSION_ROW })).value;
  }

  /** Record a run whose source could not be read (nothing was applied). */
  async recordFailure(source: string, dryRun: boolean, error: unknown, started: Date): Promise<SyncReport> {
    const report = emptyReport(source, dryRun);
    report.status = 'failed';
    report.error = describeError(error);
    report.durationMs = this.now().getTime() - started.getTime();
    await this.saveRun(report, started);
    return report;
  }

  /** The history of runs, newest first. */
  history(source: string | undefined, limit: number): Promise<DirectorySyncRunEntity[]> {
    return this.options.dataSource.manager.find(DirectorySyncRunEntity, {
      where: source ? { source } : {},
      order: { startedAt: 'DESC' },
      take: limit,
    });
  }

  private async saveRun(report: SyncReport, started: Date): Promise<void> {
    const row: DirectorySyncRunEntity = {
      id: report.runId,
      source: report.source,
      dryRun: report.dryRun,
      status: report.status,
      startedAt: started,
      durationMs: report.durationMs,
      counts: JSON.stringify(report.counts),
      errors: JSON.stringify(
        report.error
          ? [{ origin: 'run', message: report.error }]
          : [...report.conflicts, ...report.problems].slice(0, KEPT_PROBLEMS),
      ),
    };
    await this.options.dataSource.manager.insert(DirectorySyncRunEntity, row).catch((err: unknown) => {
      this.options.logger.error('sync history not written', { error: describeError(err) });
    });
  }
}

function emptyReport(source: string, dryRun: boolean): SyncReport {
  return {
    runId: newId(),
    source,
    dryRun,
    status: 'ok',
    counts: { added: 0, updated: 0, disabled: 0, unchanged: 0, conflicts: 0, skipped: 0 },
    samples: { added: [], updated: [], disabled: [] },
    conflicts: [],
    problems: [],
    durationMs: 0,
  };
}

function addBatch(report: SyncReport, batch: BatchPlan): void {
  const { counts, samples } = report;
  counts.added += batch.add.length;
  counts.updated += batch.update.length;
  counts.unchanged += batch.unchanged;
  for (const user of batch.add) if (samples.added.length < SAMPLES) samples.added.push(user.username);
  for (const { after } of batch.update)
    if (samples.updated.length < SAMPLES) samples.updated.push(after.username);
  addProblems(report, batch.conflicts, []);
}

function addProblems(report: SyncReport, conflicts: SourceProblem[], skipped: SourceProblem[]): void {
  report.counts.conflicts += conflicts.length;
  report.counts.skipped += skipped.length;
  for (const conflict of conflicts)
    if (report.conflicts.length < KEPT_PROBLEMS) report.conflicts.push(conflict);
  for (const problem of skipped) if (report.problems.length < KEPT_PROBLEMS) report.problems.push(problem);
}
