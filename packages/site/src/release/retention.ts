/**
 * Job retention: a node-cron task that deletes jobs submitted more than `jobs.retentionDays` ago (a soft delete
 * through the job state machine: the row and its history stay for reports) and removes their spool files, as
 * MyQ's "Delete jobs older than". Favourites stay until their owner removes them; jobs in processing or printing
 * are left for their next run. It also removes the files of jobs deleted by hand, which keep theirs until then
 * (a user's deletion can be looked into the same day).
 */
import cron, { type ScheduledTask } from 'node-cron';
import { type DataSource } from 'typeorm';
import { describeError, ErrorCode, QuireError, type Logger } from '@quire/common';
import { type JobState } from '../intake/intake-port';
import { type JobEntity } from '../jobs/job.entity';
import { type JobRepository } from '../jobs/job.repository';
import { type JobStateMachine } from '../jobs/job-state-machine';
import { type SpoolStore } from '../spool';

/** States retention deletes jobs from. */
const EXPIRING_STATES: readonly JobState[] = ['ready', 'paused', 'printed', 'failed'];
/** Jobs handled per batch, so one run never loads an unbounded list. */
const BATCH = 200;
const DAY_MS = 86_400_000;

/** Dependencies of the retention task. */
export interface RetentionOptions {
  dataSource: DataSource;
  repository: JobRepository;
  stateMachine: JobStateMachine;
  spool: SpoolStore;
  retentionDays: number;
  /** A cron expression (node-cron syntax). */
  schedule: string;
  logger: Logger;
  now?: () => Date;
}

/** What one run did. */
export interface RetentionReport {
  deleted: number;
  filesRemoved: number;
}

/** The retention task; see the file comment. */
export class RetentionTask {
  private task: ScheduledTask | null = null;
  private running: Promise<RetentionReport> | null = null;
  private readonly now: () => Date;

  constructor(private readonly options: RetentionOptions) {
    this.now = options.now ?? (() => new Date());
    if (!cron.validate(options.schedule)) {
      throw new QuireError(
        ErrorCode.ConfigInvalid,
        `jobs.retentionSchedule "${options.schedule}" is not a cron expression; use e.g. "17 3 * * *" (daily at 03:17)`,
      );
    }
  }

  /** Schedule the task. */
  start(): void {
    this.task = cron.schedule(this.options.schedule, () => {
      void this.runOnce().catch((err: unknown) =>
        this.options.logger.error('retention run failed', { error: describeError(err) }),
      );
    });
  }

  /** Unschedule the task and wait for a run in progress. */
  async stop(): Promise<void> {
    await this.task?.stop();
    this.task = null;
    await this.running?.catch(() => undefined);
  }

  /** Run once now (a run already in progress is joined, not doubled). */
  runOnce(): Promise<RetentionReport> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<RetentionReport> {
    const before = new Date(this.now().getTime() - this.options.retentionDays * DAY_MS);
    const report: RetentionReport = { deleted: 0, filesRemoved: 0 };
    for (;;) {
      const expired = await this.options.repository.findExpired(before, EXPIRING_STATES, BATCH);
      const deleted = await this.deleteAll(expired);
      report.deleted += deleted;
      if (expired.length < BATCH || deleted === 0) break;
    }
    for (;;) {
      const leftovers = await this.options.repository.findWithDocument(['deleted'], BATCH);
      for (const job of leftovers) await this.removeFile(job);
      report.filesRemoved += leftovers.length;
      if (leftovers.length < BATCH) break;
    }
    if (report.deleted + report.filesRemoved > 0)
      this.options.logger.info('retention run', { ...report, before });
    return report;
  }

  private async deleteAll(jobs: JobEntity[]): Promise<number> {
    let deleted = 0;
    for (const job of jobs) {
      try {
        await this.options.dataSource.transaction((tx) =>
          this.options.stateMachine.transition(
            job,
            'deleted',
            {
              actor: { role: 'system' },
              reason: `older than ${this.options.retentionDays} days (retention)`,
            },
            tx,
          ),
        );
        deleted += 1;
      } catch (err) {
        // Changed meanwhile (released, favourited): the next run looks at it again.
        this.options.logger.debug('retention skipped a job', { job: job.number, error: describeError(err) });
      }
    }
    return deleted;
  }

  private async removeFile(job: JobEntity): Promise<void> {
    await this.options.spool.remove(job.spoolPath);
    await this.options.repository.setColumns(job.id, { documentRemovedAt: this.now() });
  }
}
