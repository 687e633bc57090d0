/**
 * The release service: the one way a job reaches a printer, whoever asks (a user at a terminal, a delegate, an
 * admin through the REST API or IPP, or the queue itself for direct and tandem queues). It checks that the job
 * may print now and there, moves it to `printing`, and hands it to the printer's lane (printer-lanes.ts), where
 * the sender streams it and records `printed` or `failed`. After printing, the keep-for-reprint rules decide
 * whether the document stays.
 *
 * What can be released: a `ready` job; a `failed` job whose printing had started (a release that failed, or one
 * the site was stopped in), while its document is kept; a `printed` job the keep-for-reprint rules let its owner
 * print again.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { describeError, ErrorCode, QuireError, type Logger } from '@quire/common';
import { type DirectoryService } from '../directory/directory.service';
import { type JobEntity } from '../jobs/job.entity';
import { type JobRepository } from '../jobs/job.repository';
import { type JobStateMachine } from '../jobs/job-state-machine';
import { type PrinterEntity } from '../printers/printer.entity';
import { type PrinterService } from '../printers/printer.service';
import { type QueueEntity } from '../queues/queue.entity';
import { type QueueService } from '../queues/queue.service';
import { type SpoolStore } from '../spool';
import { choosePrinter } from './printer-choice';
import { PrinterLanes } from './printer-lanes';
import { type ReleaseSender } from './release-sender';
import { keepDocumentAfterPrinting, mayReprint } from './reprint-policy';

/** Who releases a job. */
export type ReleaseActor =
  { kind: 'user'; username: string } | { kind: 'admin'; username: string } | { kind: 'queue' };

/** A release: by whom, and at which printer (required for pull and delegated queues). */
export interface ReleaseRequest {
  actor: ReleaseActor;
  printerId?: string;
}

/** Dependencies of the release service. */
export interface ReleaseServiceOptions {
  dataSource: DataSource;
  repository: JobRepository;
  stateMachine: JobStateMachine;
  queues: QueueService;
  printers: PrinterService;
  directory: DirectoryService;
  spool: SpoolStore;
  sender: ReleaseSender;
  logger: Logger;
  now?: () => Date;
}

/** The reason a job left in printing by a stopped site is failed with at start-up. */
export const INTERRUPTED_REASON =
  'printer unreachable: the site stopped while the job was printing; release it again';

/** Releases jobs to printers; see the file comment. */
export class ReleaseService {
  readonly lanes = new PrinterLanes();
  private readonly housekeeping = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly now: () => Date;

  constructor(private readonly options: ReleaseServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Release one job. Resolves once the job is `printing` and queued on its printer's lane, with the job as it is
   * then; the send goes on in the background (`idle()` waits for it). JOB_NOT_FOUND, FORBIDDEN (not the owner
   * nor a delegate), JOB_STATE_CONFLICT (not releasable now) or CONFLICT (no such printer on the queue).
   */
  async release(jobId: string, request: ReleaseRequest): Promise<JobEntity> {
    const job = await this.getJob(jobId);
    const queue = await this.queueOf(job);
    await this.assertMayRelease(job, queue, request.actor);
    await this.assertReleasable(job, queue);
    const printers = await this.options.printers.forQueue(queue);
    const printer = choosePrinter(queue, printers, this.lanes, request.printerId);
    const prepared = this.options.sender.prepare(job, queue);
    const printing = await this.options.dataSource.transaction((tx) =>
      this.options.stateMachine.transition(
        job,
        'printing',
        {
          actor: { role: 'release', name: actorName(request.actor) },
          reason: `released to ${printer.name}`,
          columns: {
            printerId: printer.id,
            printAttempts: job.printAttempts + 1,
            releasedBy: actorName(request.actor),
          },
        },
        tx,
      ),
    );
    const pages = printing.impressions ?? printing.pages ?? 0;
    void this.lanes.enqueue(printer.id, pages, () =>
      this.options.sender.send(printing, prepared, printer, this.outcomes(queue), this.abort.signal),
    );
    return printing;
  }

  /**
   * Release several jobs at one printer, in queue-priority order (higher first), then oldest first. Every job is
   * tried; the ones that could not be released are returned with the reason.
   */
  async releaseMany(
    jobs: JobEntity[],
    request: ReleaseRequest,
  ): Promise<{ released: JobEntity[]; failed: Array<{ job: JobEntity; error: QuireError }> }> {
    const priorities = new Map<string, number>();
    for (const job of jobs)
      priorities.set(job.queueId, (await this.queueOf(job).catch(() => null))?.priority ?? 0);
    const ordered = [...jobs].sort(
      (a, b) =>
        (priorities.get(b.queueId) ?? 0) - (priorities.get(a.queueId) ?? 0) ||
        a.submittedAt.getTime() - b.submittedAt.getTime(),
    );
    const released: JobEntity[] = [];
    const failed: Array<{ job: JobEntity; error: QuireError }> = [];
    for (const job of ordered) {
      try {
        released.push(await this.release(job.id, request));
      } catch (err) {
        if (!(err instanceof QuireError)) throw err;
        failed.push({ job, error: err });
      }
    }
    return { released, failed };
  }

  /** Print a job of a direct or tandem queue as soon as it is ready (the JobsService `onReady` listener). */
  dispatchIfAutomatic(job: JobEntity): void {
    void this.queueOf(job)
      .then((queue) => {
        if (queue.type !== 'direct' && queue.type !== 'tandem') return;
        return this.release(job.id, { actor: { kind: 'queue' } }).then(() => undefined);
      })
      .catch((err: unknown) => {
        this.options.logger.warn('job not printed automatically; it stays ready', {
          job: job.number,
          queue: job.queueName,
          error: describeError(err),
        });
      });
  }

  /** Fail every job a stopped site left in `printing`, so none stays stuck; returns how many. */
  async recoverAtStartup(): Promise<number> {
    const stuck = await this.options.repository.findInStates(['printing']);
    for (const job of stuck) {
      await this.options.dataSource.transaction((tx) =>
        this.options.stateMachine.transition(
          job,
          'failed',
          { actor: { role: 'system' }, reason: INTERRUPTED_REASON },
          tx,
        ),
      );
    }
    if (stuck.length > 0)
      this.options.logger.warn('jobs interrupted while printing were failed', { jobs: stuck.length });
    return stuck.length;
  }

  /** Resolves once every send started so far, and what followed it, has settled. */
  async idle(): Promise<void> {
    await this.lanes.idle();
    while (this.housekeeping.size > 0) await Promise.all([...this.housekeeping]);
  }

  /** Stop: sends in progress are aborted (their jobs fail with `timeout`, releasable again), then awaited. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.idle();
  }

  /** The settings that decide keep-for-reprint for `job`. */
  async reprintSettings(job: JobEntity, queue: QueueEntity) {
    const owner = await this.options.directory.byUsername(job.owner);
    return {
      queueKeeps: queue.keepForReprint,
      policyKeeps: owner?.keepForReprint ?? false,
      favourite: job.favourite,
    };
  }

  private async getJob(jobId: string): Promise<JobEntity> {
    const job = await this.options.repository.findById(jobId);
    if (!job) throw new QuireError(ErrorCode.JobNotFound, `No job with id ${jobId}`);
    return job;
  }

  private queueOf(job: JobEntity): Promise<QueueEntity> {
    return this.options.queues.get(job.queueId).catch((err: unknown) => {
      if (err instanceof QuireError && err.code === ErrorCode.NotFound) {
        throw stateConflict(job, `its queue "${job.queueName}" no longer exists`);
      }
      throw err;
    });
  }

  /** The owner, an admin, the queue for its own jobs, or a delegate for a delegated queue. */
  private async assertMayRelease(job: JobEntity, queue: QueueEntity, actor: ReleaseActor): Promise<void> {
    if (actor.kind === 'admin' || actor.kind === 'queue') return;
    if (actor.username.toLowerCase() === job.owner.toLowerCase()) return;
    if (queue.type === 'delegated') {
      const user = await this.options.directory.byUsername(actor.username);
      const delegators = user ? await this.options.directory.delegatorsOf(user) : [];
      if (delegators.some((owner) => owner.toLowerCase() === job.owner.toLowerCase())) return;
    }
    throw new QuireError(
      ErrorCode.Forbidden,
      `Job ${job.number} belongs to ${job.owner}; only its owner${queue.type === 'delegated' ? ' or their delegates' : ''} can release it`,
    );
  }

  private async assertReleasable(job: JobEntity, queue: QueueEntity): Promise<void> {
    const kept = job.documentRemovedAt === null;
    if (job.state === 'ready') return;
    if (job.state === 'failed' && job.printAttempts > 0 && kept) return;
    if (job.state === 'printed' && mayReprint(await this.reprintSettings(job, queue), kept)) return;
    const why =
      job.state === 'printed'
        ? 'it has printed, and the keep-for-reprint rules do not allow printing it again'
        : job.state === 'failed'
          ? kept
            ? 'it failed before it could print (analysis or spool), so it cannot be released'
            : 'its document is no longer kept'
          : `it is ${job.state}; only a ready job can be released`;
    throw stateConflict(job, why);
  }

  /** How the sender's outcomes are recorded for jobs of `queue`. */
  private outcomes(queue: QueueEntity) {
    return {
      printed: async (job: JobEntity, printer: PrinterEntity, reason: string) => {
        // The counter moves in the same transaction as the job, so tandem balancing never sees one without the other.
        await this.record(job, 'printed', reason, (tx) =>
          this.options.printers.addPages(printer.id, job.impressions ?? job.pages ?? 0, tx),
        );
        // Off the printer's lane: the printer is free once the job is recorded, and tandem balancing reads that.
        this.track(this.removeUnlessKept(job, queue));
      },
      failed: (job: JobEntity, reason: string) => this.record(job, 'failed', reason),
    };
  }

  /** Move a job out of printing; a job deleted meanwhile is left deleted. */
  private async record(
    job: JobEntity,
    to: 'printed' | 'failed',
    reason: string,
    also?: (tx: EntityManager) => Promise<void>,
  ): Promise<void> {
    try {
      await this.options.dataSource.transaction(async (tx) => {
        await this.options.stateMachine.transition(job, to, { actor: { role: 'release' }, reason }, tx);
        await also?.(tx);
      });
    } catch (err) {
      this.options.logger.warn('release outcome not recorded', {
        job: job.number,
        to,
        error: describeError(err),
      });
    }
  }

  /** Remove the document of a job that printed, unless the keep-for-reprint rules keep it. */
  private async removeUnlessKept(job: JobEntity, queue: QueueEntity): Promise<void> {
    try {
      const current = (await this.options.repository.findById(job.id)) ?? job;
      if (!keepDocumentAfterPrinting(await this.reprintSettings(current, queue)))
        await this.removeDocument(current);
    } catch (err) {
      this.options.logger.warn('printed document not removed; retention will', {
        job: job.number,
        error: describeError(err),
      });
    }
  }

  private track(work: Promise<void>): void {
    this.housekeeping.add(work);
    void work.finally(() => this.housekeeping.delete(work));
  }

  /** Remove a job's spool file and record when. */
  async removeDocument(job: JobEntity): Promise<void> {
    await this.options.spool.remove(job.spoolPath);
    await this.options.repository.setColumns(job.id, { documentRemovedAt: this.now() });
  }
}

function actorName(actor: ReleaseActor): string {
  return actor.kind === 'queue'
    ? 'queue'
    : actor.kind === 'admin'
      ? `admin:${actor.username}`
      : actor.username;
}

function stateConflict(job: JobEntity, why: string): QuireError {
  return new QuireError(ErrorCode.JobStateConflict, `Job ${job.number}: ${why}`, {
    details: { job: job.number, state: job.state },
  });
}
