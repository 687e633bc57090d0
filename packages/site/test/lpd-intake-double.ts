/**
 * An in-memory JobIntake for the LPD and raw socket tests: it records every submitted IncomingJob with its full
 * document bytes and sha256, knows the queues `Default` and `Web` (online) and `Offline` (offline), and backs
 * `listJobs`, `findJob` and `cancelJob` with its records, so front-end tests need neither a DB nor a spool.
 *
 * It consumes documents like the real core (streaming, failing when the stream fails, keeping nothing of a
 * failed job) and stands in for owner detection with the two rules the tests need: the protocol sender, else a
 * PJL `SET USERNAME` in the document head.
 */
import { createHash } from 'node:crypto';
import { type Readable } from 'node:stream';
import { ErrorCode, QuireError } from '@quire/common';
import {
  type IncomingJob,
  type JobIntake,
  type JobListFilter,
  type JobState,
  type JobView,
  type QueueSummary,
  type Requester,
} from '../src/intake/intake-port';
import { matchesJobFilter } from './intake-double-filter';

/** One job the double committed. */
export interface RecordedJob {
  job: IncomingJob;
  /** Empty when `keepBytes` is off (large-volume tests keep only the hash). */
  bytes: Buffer;
  sizeBytes: number;
  sha256: string;
  view: JobView;
}

const NOT_COMPLETED: readonly JobState[] = ['processing', 'ready', 'paused', 'printing'];
const PJL_USERNAME = /@PJL\s+SET\s+USERNAME\s*=\s*"([^"]*)"/i;

/** The in-memory JobIntake double. */
export class InMemoryJobIntake implements JobIntake {
  readonly queues: QueueSummary[] = [
    { id: 'q-default', name: 'Default', type: 'pull', online: true, description: 'Default pull queue' },
    { id: 'q-web', name: 'Web', type: 'pull', online: true, description: 'Web uploads' },
    { id: 'q-offline', name: 'Offline', type: 'direct', online: false, description: 'Switched off' },
  ];
  readonly records: RecordedJob[] = [];
  /** Submits whose document failed or was refused: nothing of them was kept. */
  readonly failedSubmits: Array<{ job: IncomingJob; error: string }> = [];
  /** Keep whole documents (off for multi-hundred-MB tests). */
  keepBytes = true;
  /** Observes every chunk as it is consumed, e.g. to prove streaming. */
  onChunk: ((job: IncomingJob, bytesSoFar: number) => void) | null = null;
  inFlight = 0;
  /** Refuse documents larger than this while streaming, as the real core does with `jobs.maxSizeMb`. */
  maxSizeBytes = Number.POSITIVE_INFINITY;
  private readonly jobs: JobView[] = [];
  private nextNumber = 1;

  async checkQueue(queueName: string): Promise<QueueSummary> {
    const queue = this.queues.find((candidate) => candidate.name === queueName);
    if (queue === undefined)
      throw new QuireError(ErrorCode.QueueNotFound, `queue ${queueName} does not exist`);
    if (!queue.online) throw new QuireError(ErrorCode.QueueOffline, `queue ${queueName} is offline`);
    return queue;
  }

  async listQueues(): Promise<QueueSummary[]> {
    return [...this.queues];
  }

  async submit(job: IncomingJob, document: Readable): Promise<JobView> {
    this.inFlight += 1;
    try {
      await this.checkQueue(job.queueName);
      const { bytes, sizeBytes, sha256 } = await this.consume(job, document);
      const view = this.addJob({
        name: job.jobName ?? 'untitled',
        owner: job.senderUser ?? pjlUser(bytes) ?? '*unauthenticated',
        queueName: job.queueName,
        protocol: job.protocol,
        clientAddress: job.clientAddress,
        sizeBytes,
        sha256,
        copies: job.copies,
        documentFormat: job.documentFormat,
      });
      this.records.push({ job, bytes, sizeBytes, sha256, view });
      return view;
    } catch (err) {
      this.failedSubmits.push({ job, error: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      this.inFlight -= 1;
    }
  }

  async findJob(number: number): Promise<JobView | null> {
    return this.jobs.find((job) => job.number === number) ?? null;
  }

  async listJobs(filter: JobListFilter): Promise<JobView[]> {
    const selected = this.jobs.filter((job) => matchesJobFilter(job, filter, 'all'));
    return selected.reverse().slice(0, filter.limit ?? selected.length);
  }

  async countJobs(filter: JobListFilter): Promise<number> {
    return this.jobs.filter((job) => matchesJobFilter(job, filter, 'all')).length;
  }

  async cancelJob(number: number, requester: Requester): Promise<JobView> {
    const job = this.ownJob(number, requester);
    if (!NOT_COMPLETED.includes(job.state)) {
      throw new QuireError(ErrorCode.JobStateConflict, `job ${number} is already ${job.state}`);
    }
    job.state = 'deleted';
    job.completedAt = new Date();
    return { ...job };
  }

  async holdJob(number: number, requester: Requester): Promise<JobView> {
    return this.move(number, requester, 'ready', 'paused');
  }

  async releaseHeldJob(number: number, requester: Requester): Promise<JobView> {
    return this.move(number, requester, 'paused', 'ready');
  }

  /** Put a job straight into the records (listing and removal tests). */
  addJob(fields: Partial<JobView> & Pick<JobView, 'owner' | 'queueName'>): JobView {
    const number = this.nextNumber++;
    const view: JobView = {
      id: `job-${number}`,
      number,
      name: 'untitled',
      state: 'ready',
      stateReason: null,
      protocol: 'lpd',
      clientAddress: '127.0.0.1',
      submittedAt: new Date(),
      processedAt: new Date(),
      completedAt: null,
      sizeBytes: 0,
      sha256: '',
      documentFormat: null,
      pdl: null,
      pages: null,
      colorPages: null,
      monoPages: null,
      copies: 1,
      duplex: null,
      paper: null,
      impressions: null,
      sheets: null,
      analysis: null,
      ...fields,
    };
    this.jobs.push(view);
    return view;
  }

  /** The job's current view (the double's own record, not a copy). */
  job(number: number): JobView {
    const job = this.jobs.find((candidate) => candidate.number === number);
    if (job === undefined) throw new Error(`no job ${number}`);
    return job;
  }

  private async consume(
    job: IncomingJob,
    document: Readable,
  ): Promise<{ bytes: Buffer; sizeBytes: number; sha256: string }> {
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let sizeBytes = 0;
    for await (const chunk of document as AsyncIterable<Buffer>) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      if (sizeBytes > this.maxSizeBytes) {
        throw new QuireError(ErrorCode.JobTooLarge, `job is larger than ${this.maxSizeBytes} bytes`);
      }
      if (this.keepBytes || kept.length === 0)
        kept.push(Buffer.from(chunk.subarray(0, this.keepBytes ? undefined : 4096)));
      this.onChunk?.(job, sizeBytes);
    }
    return { bytes: Buffer.concat(kept), sizeBytes, sha256: hash.digest('hex') };
  }

  private ownJob(number: number, requester: Requester): JobView {
    const job = this.jobs.find((candidate) => candidate.number === number);
    if (job === undefined) throw new QuireError(ErrorCode.JobNotFound, `job ${number} does not exist`);
    if (!requester.isAdmin && job.owner !== requester.user) {
      throw new QuireError(ErrorCode.Forbidden, `job ${number} belongs to someone else`);
    }
    return job;
  }

  private move(number: number, requester: Requester, from: JobState, to: JobState): JobView {
    const job = this.ownJob(number, requester);
    if (job.state !== from) throw new QuireError(ErrorCode.JobStateConflict, `job ${number} is ${job.state}`);
    job.state = to;
    return { ...job };
  }
}

function pjlUser(head: Buffer): string | null {
  const match = PJL_USERNAME.exec(head.subarray(0, 4096).toString('latin1'));
  return match === null ? null : match[1];
}

/** The sha256 of bytes, hex. */
export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
