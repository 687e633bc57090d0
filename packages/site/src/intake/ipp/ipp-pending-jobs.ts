/**
 * Jobs made by Create-Job that wait, in memory, for their one document (Send-Document), and the aliases that
 * map their ids to the job numbers the core assigned once the document arrived.
 *
 * Why in memory and with their own ids: the job core creates a job only together with its document
 * (`JobIntake.submit`), so a Create-Job id has to be ours. Ids start at 2^30 so they never collide with the
 * core's small job numbers; after Send-Document the client keeps using its id, and the alias answers for it.
 * A job whose document does not come within `multiple-operation-time-out` is dropped, as the printer
 * attribute `multiple-operation-time-out-action=abort-job` announces.
 */
import { type Logger } from '@quire/common';
import { type IncomingJob } from '../intake-port';

/** A Create-Job job waiting for its document. */
export interface PendingJob {
  id: number;
  job: IncomingJob;
  createdAt: Date;
  /** True while a Send-Document is streaming into it. */
  receiving: boolean;
}

/** First id handed out; far above any job number the core will reach. */
export const FIRST_PENDING_JOB_ID = 0x40000000;
const MAX_ALIASES = 10_000;
const MAX_PENDING = 1_000;

/** The Create-Job store; one per listener. */
export class PendingJobs {
  private readonly jobs = new Map<number, { pending: PendingJob; timer: NodeJS.Timeout }>();
  private readonly aliases = new Map<number, number>();
  private nextId = FIRST_PENDING_JOB_ID;

  constructor(
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Keep `job` until its document comes or the time-out passes; undefined when too many are waiting. */
  create(job: IncomingJob): PendingJob | undefined {
    if (this.jobs.size >= MAX_PENDING) return undefined;
    const pending: PendingJob = { id: this.allocateId(), job, createdAt: new Date(), receiving: false };
    const timer = setTimeout(() => this.expire(pending.id), this.timeoutMs);
    timer.unref();
    this.jobs.set(pending.id, { pending, timer });
    return pending;
  }

  get(id: number): PendingJob | undefined {
    return this.jobs.get(id)?.pending;
  }

  /** Pending jobs of one queue (every queue when undefined) and one owner (when given), oldest first. */
  list(queueName?: string, owner?: string): PendingJob[] {
    const wantedQueue = queueName?.toLowerCase();
    return [...this.jobs.values()]
      .map((entry) => entry.pending)
      .filter((p) => wantedQueue === undefined || p.job.queueName.toLowerCase() === wantedQueue)
      .filter((p) => owner === undefined || p.job.senderUser === owner);
  }

  /** Forget a pending job (its document arrived, it was cancelled, or its submission failed). */
  remove(id: number): void {
    const entry = this.jobs.get(id);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.jobs.delete(id);
  }

  /** Remember that Create-Job id `id` became the core's job `number`. */
  alias(id: number, number: number): void {
    this.aliases.set(id, number);
    if (this.aliases.size > MAX_ALIASES) this.aliases.delete(this.aliases.keys().next().value as number);
  }

  /** The core's job number for a client-side id: the alias target, or the id itself. */
  resolve(id: number): number {
    return this.aliases.get(id) ?? id;
  }

  /** True when `id` is a Create-Job id whose document has already arrived. */
  isAliased(id: number): boolean {
    return this.aliases.has(id);
  }

  /** Drop every pending job and stop the timers (listener shutdown). */
  clear(): void {
    for (const { timer } of this.jobs.values()) clearTimeout(timer);
    this.jobs.clear();
  }

  private allocateId(): number {
    let id = this.nextId;
    while (this.jobs.has(id) || this.aliases.has(id)) id = id >= 0x7fffffff ? FIRST_PENDING_JOB_ID : id + 1;
    this.nextId = id >= 0x7fffffff ? FIRST_PENDING_JOB_ID : id + 1;
    return id;
  }

  private expire(id: number): void {
    const entry = this.jobs.get(id);
    if (!entry || entry.pending.receiving) return;
    this.jobs.delete(id);
    this.logger.info('Create-Job job dropped: no document within multiple-operation-time-out', {
      jobId: id,
      queue: entry.pending.job.queueName,
      timeoutSeconds: Math.round(this.timeoutMs / 1000),
    });
  }
}
