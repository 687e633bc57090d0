/**
 * Runs enabled saved discoveries on their cron schedules (node-cron, as job retention does). Scheduled runs
 * never overlap: while one is in progress (a sweep of a /16 with a long timeout can outlast its interval), any
 * scheduled run that comes due is skipped with a log line, not queued, so a backlog can never build up. The
 * tasks are rebuilt whenever a saved discovery changes.
 */
import cron, { type ScheduledTask } from 'node-cron';
import { describeError, SYSTEM_ACTOR, type Logger } from '@quire/common';
import { countOutcomes } from './discovery-runs';
import { type DiscoverySettingsService } from './discovery-settings.service';

/** Dependencies of the scheduler. */
export interface DiscoverySchedulerOptions {
  settings: DiscoverySettingsService;
  logger: Logger;
}

/** The discovery scheduler; see the file comment. */
export class DiscoveryScheduler {
  private tasks: ScheduledTask[] = [];
  private current: { name: string; run: Promise<void> } | null = null;
  private started = false;
  private reloading: Promise<void> = Promise.resolve();
  private readonly onChanged = () => {
    this.reloading = this.reloading.then(() => this.reload());
  };

  constructor(private readonly options: DiscoverySchedulerOptions) {}

  /** Schedule every enabled saved discovery that has a schedule, and follow later changes. */
  async start(): Promise<void> {
    this.started = true;
    this.options.settings.on('changed', this.onChanged);
    await this.reload();
  }

  /** Unschedule everything and wait for a scheduled run in progress. */
  async stop(): Promise<void> {
    this.started = false;
    this.options.settings.off('changed', this.onChanged);
    await this.reloading;
    await this.unscheduleAll();
    await this.current?.run;
  }

  /** Rebuild the tasks from the saved discoveries; a failure is logged and leaves no task behind. */
  private async reload(): Promise<void> {
    await this.unscheduleAll();
    if (!this.started) return;
    try {
      for (const discovery of await this.options.settings.list()) {
        if (!discovery.enabled || discovery.schedule === null || !cron.validate(discovery.schedule)) continue;
        const { id, name } = discovery;
        this.tasks.push(
          cron.schedule(discovery.schedule, () => this.due(id, name), { name: `discovery ${name}` }),
        );
      }
    } catch (err) {
      this.options.logger.error('could not schedule discoveries', { error: describeError(err) });
    }
  }

  private async unscheduleAll(): Promise<void> {
    const tasks = this.tasks;
    this.tasks = [];
    for (const task of tasks) await task.destroy();
  }

  /** A schedule came due: run the discovery unless a scheduled run is still in progress. */
  private due(id: string, name: string): void {
    const logger = this.options.logger;
    const running = this.current?.name ?? (this.options.settings.isRunning(id) ? name : null);
    if (running !== null) {
      logger.warn('scheduled discovery skipped: a discovery run is still in progress', {
        discovery: name,
        running,
      });
      return;
    }
    const run = this.options.settings
      .run(id, { actor: { actorName: SYSTEM_ACTOR } })
      .then((report) => {
        logger.info('scheduled discovery done', { discovery: name, ...countOutcomes(report.found) });
      })
      .catch((err: unknown) => {
        logger.error('scheduled discovery failed', { discovery: name, error: describeError(err) });
      })
      .finally(() => {
        this.current = null;
      });
    this.current = { name, run };
  }
}
