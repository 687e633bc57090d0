/**
 * The job core behind every intake front-end (IPP, LPD, raw socket, web upload): it implements the `JobIntake`
 * contract of intake-port.ts with the queues, the durable spool and the jobs service.
 *
 * Durability order of a submission, which is what lets a front-end acknowledge a job the moment `submit`
 * resolves: (1) the queue is checked before a byte is read; (2) the document streams into the spool and is
 * fsynced and renamed; (3) the owner is detected from the sender, the job name and the PJL header; (4) the job
 * row (in `processing`), its number and its creation event commit in one transaction; only then (5) the promise
 * resolves, and (6) PDL analysis starts on a worker thread, after which the job is routed (`JobAnalysisService`).
 * A refusal or failure in steps 1-4 keeps nothing of the job (the spool file is deleted) and is logged with its
 * reason, since a refused job is never stored as a job.
 */
import { type Readable } from 'node:stream';
import { describeError, ErrorCode, isQuireError, newId, QuireError, type Logger } from '@quire/common';
import {
  ACTIVE_STATES,
  FINAL_STATES,
  toJobView,
  type JobEntity,
  type JobsService,
  type NewJob,
  type OwnerMethod,
} from '../jobs';
import { type JobAnalysisService } from '../pdl/analysis/job-analysis.service';
import { readPjlHeader } from '../pdl/pjl';
import { type QueueEntity, type QueueService, toQueueSummary } from '../queues';
import { recoverSpool, type SpooledDocument, type SpoolRecoveryReport, type SpoolStore } from '../spool';
import {
  type IncomingJob,
  type JobIntake,
  type JobListFilter,
  type JobView,
  type QueueSummary,
  type Requester,
} from './intake-port';

/** The most jobs one `listJobs` call returns (also its default). */
export const LIST_JOBS_MAX = 1000;
/** The most copies a job may ask for. */
export const MAX_COPIES = 9999;
/** The name of a job that names itself neither through the protocol nor through PJL. */
export const UNTITLED_JOB = 'untitled';

// A MySQL TEXT holds 65,535 bytes; this many characters fit even at four bytes each.
const MAX_ATTRIBUTES_CHARS = 16_000;

/** Dependencies of the intake core. */
export interface JobIntakeServiceOptions {
  queues: QueueService;
  jobs: JobsService;
  /** Analyses admitted jobs and routes them. */
  analysis: JobAnalysisService;
  spool: SpoolStore;
  /** The `jobs.maxSizeMb` setting: larger documents are refused while streaming. */
  maxJobSizeMb: number;
  logger: Logger;
  now?: () => Date;
}

/** What start-up recovery found and did. */
export interface IntakeRecoveryReport extends SpoolRecoveryReport {
  /** Numbers of the jobs that a crash had left in `processing` and that were analysed and routed. */
  routedJobs: number[];
}

function clip(value: string | null | undefined, length: number): string | null {
  if (value === null || value === undefined) return null;
  return value.slice(0, length);
}

function nonEmpty(value: string | null | undefined): string | null {
  return value && value.trim().length > 0 ? value.trim() : null;
}

/** Protocol attributes as JSON text that always fits the column; an oversized or odd set is summarised. */
function attributesJson(attributes: Record<string, unknown> | undefined): string {
  try {
    const json = JSON.stringify(attributes ?? {});
    return json.length <= MAX_ATTRIBUTES_CHARS
      ? json
      : JSON.stringify({ truncated: true, length: json.length });
  } catch (err) {
    return JSON.stringify({ unserialisable: describeError(err) });
  }
}

/** The job core; see the file comment. */
export class JobIntakeService implements JobIntake {
  private readonly now: () => Date;

  constructor(private readonly options: JobIntakeServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The queue a job would go to: QUEUE_NOT_FOUND or QUEUE_OFFLINE. */
  async checkQueue(queueName: string): Promise<QueueSummary> {
    return toQueueSummary(await this.openQueue(queueName));
  }

  /** Every queue. */
  async listQueues(): Promise<QueueSummary[]> {
    return (await this.options.queues.list()).map(toQueueSummary);
  }

  /** Spool, detect the owner, commit; resolves only once the job is durable. See the file comment. */
  async submit(job: IncomingJob, document: Readable): Promise<JobView> {
    try {
      const queue = await this.openQueue(job.queueName);
      if (!Number.isInteger(job.copies) || job.copies < 1 || job.copies > MAX_COPIES) {
        throw new QuireError(ErrorCode.BadRequest, `Copies must be a whole number from 1 to ${MAX_COPIES}`);
      }
      const id = newId();
      const submittedAt = this.now();
      const spooled = await this.options.spool.write(id, document, {
        receivedAt: submittedAt,
        maxSizeMb: this.options.maxJobSizeMb,
      });
      const admittedJob = await this.admit(job, queue, id, submittedAt, spooled);
      const admitted = toJobView(admittedJob);
      this.options.logger.info('job accepted', {
        job: admitted.number,
        queue: admitted.queueName,
        owner: admitted.owner,
        state: admitted.state,
        protocol: admitted.protocol,
        clientAddress: admitted.clientAddress,
        sizeBytes: admitted.sizeBytes,
      });
      this.options.analysis.schedule(admittedJob);
      return admitted;
    } catch (err) {
      this.options.logger.warn('job refused at intake', {
        queue: job.queueName,
        protocol: job.protocol,
        clientAddress: job.clientAddress,
        code: isQuireError(err) ? err.code : ErrorCode.Internal,
        reason: describeError(err),
      });
      throw err;
    }
  }

  /** Detect the owner and commit the job; on any failure the spooled document is deleted. */
  private async admit(
    job: IncomingJob,
    queue: QueueEntity,
    id: string,
    submittedAt: Date,
    spooled: SpooledDocument,
  ): Promise<JobEntity> {
    try {
      const pjl = readPjlHeader(spooled.head).variables;
      const name = nonEmpty(job.jobName) ?? nonEmpty(pjl['JOB NAME']);
      const detected = this.options.queues.detectOwner(queue, {
        senderUser: job.senderUser,
        jobName: name,
        pjl,
      });
      if (!detected.ok) throw new QuireError(ErrorCode.JobOwnerUnknown, detected.reason);
      const draft: NewJob = {
        id,
        name: clip(name ?? UNTITLED_JOB, 255) as string,
        owner: detected.owner,
        ownerMethod: detected.method satisfies OwnerMethod,
        queueId: queue.id,
        queueName: queue.name,
        protocol: job.protocol,
        clientAddress: clip(job.clientAddress, 64) ?? '',
        senderUser: clip(job.senderUser, 128),
        senderHost: clip(job.senderHost, 255),
        holdRequested: job.holdRequested === true,
        submittedAt,
        sizeBytes: spooled.sizeBytes,
        sha256: spooled.sha256,
        documentFormat: clip(job.documentFormat, 128),
        spoolPath: spooled.relativePath,
        copies: job.copies,
        attributes: attributesJson(job.attributes),
      };
      return await this.options.jobs.admit(draft);
    } catch (err) {
      await this.discard(spooled.relativePath);
      if (isQuireError(err)) throw err;
      throw new QuireError(ErrorCode.Internal, `The job could not be recorded: ${describeError(err)}`, {
        cause: err,
      });
    }
  }

  /** Delete the document of a job that was not admitted; a failure here is logged, recovery removes it later. */
  private async discard(relativePath: string): Promise<void> {
    try {
      await this.options.spool.remove(relativePath);
    } catch (err) {
      this.options.logger.error('could not delete the spool file of a refused job', {
        file: relativePath,
        error: describeError(err),
      });
    }
  }

  /** One job by number, or null. */
  async findJob(number: number): Promise<JobView | null> {
    if (!Number.isSafeInteger(number)) return null;
    const job = await this.options.jobs.find({ number });
    return job ? toJobView(job) : null;
  }

  /**
   * Jobs, newest first. `which` defaults to `not-completed` (IPP's default); at most {@link LIST_JOBS_MAX} jobs
   * are returned. An unknown queue name has no jobs.
   */
  async listJobs(filter: JobListFilter): Promise<JobView[]> {
    const query = await this.jobQuery(filter);
    if (!query) return [];
    const limit = Math.max(1, Math.min(Math.trunc(filter.limit ?? LIST_JOBS_MAX) || 1, LIST_JOBS_MAX));
    const jobs = await this.options.jobs.list({ ...query, limit });
    return jobs.map(toJobView);
  }

  /** How many jobs match `filter`. */
  async countJobs(filter: JobListFilter): Promise<number> {
    const query = await this.jobQuery(filter);
    return query ? this.options.jobs.count(query) : 0;
  }

  /** The job query for a front-end's filter, or null when it names a queue that does not exist. */
  private async jobQuery(filter: JobListFilter) {
    const which = filter.which ?? 'not-completed';
    const states =
      filter.states ?? (which === 'all' ? undefined : which === 'completed' ? FINAL_STATES : ACTIVE_STATES);
    let queueId: string | undefined;
    if (filter.queueName !== undefined) {
      const queue = await this.options.queues.findByName(filter.queueName);
      if (!queue) return null;
      queueId = queue.id;
    }
    return { owner: filter.owner, queueId, states };
  }

  /** Soft-delete a job (owner or admin). */
  async cancelJob(number: number, requester: Requester): Promise<JobView> {
    return toJobView(await this.options.jobs.cancel({ number }, requester));
  }

  /** Hold a job (owner or admin): a ready one now, one still in processing once it is analysed. */
  async holdJob(number: number, requester: Requester): Promise<JobView> {
    return toJobView(await this.options.jobs.hold({ number }, requester));
  }

  /** Release a held job (owner or admin), or withdraw the hold a job still in processing was submitted with. */
  async releaseHeldJob(number: number, requester: Requester): Promise<JobView> {
    return toJobView(await this.options.jobs.releaseHeld({ number }, requester));
  }

  /**
   * Start-up recovery, to run once before any intake listener opens: prepare the spool directories, reconcile
   * the spool with the job rows (see spool-recovery.ts), then analyse and route the jobs a crash left in
   * `processing`; it resolves once they are routed.
   */
  async recoverAtStartup(): Promise<IntakeRecoveryReport> {
    await this.options.spool.prepare();
    const spool = await recoverSpool(this.options.spool, this.options.jobs, this.options.logger);
    const routed = await this.options.analysis.recoverStranded();
    const report: IntakeRecoveryReport = { ...spool, routedJobs: routed.map((job) => job.number) };
    this.options.logger.info('intake recovery done', {
      removedTempFiles: report.removedTempFiles.length,
      removedOrphanDocuments: report.removedOrphanDocuments.length,
      failedJobs: report.failedJobs.length,
      routedJobs: report.routedJobs.length,
    });
    return report;
  }

  /** The queue named `queueName` (in any case), online: QUEUE_NOT_FOUND or QUEUE_OFFLINE otherwise. */
  private async openQueue(queueName: string): Promise<QueueEntity> {
    const queue = await this.options.queues.findByName(queueName);
    if (!queue) throw new QuireError(ErrorCode.QueueNotFound, `There is no queue named "${queueName}"`);
    if (!queue.online) {
      throw new QuireError(
        ErrorCode.QueueOffline,
        `Queue "${queue.name}" is offline and accepts no new jobs`,
      );
    }
    return queue;
  }
}
