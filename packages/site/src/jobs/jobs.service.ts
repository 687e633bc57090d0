/**
 * The jobs domain: admitting a spooled job (number, row in `processing`), routing it once PDL analysis has run,
 * finding and listing jobs with the visibility rules (admins see every job, a user only their own), and the
 * requester-driven operations (cancel, hold, release a held job). Every state change goes through the
 * JobStateMachine.
 *
 * It is also the job side of start-up spool recovery (the `SpoolIndex` port), and lists the jobs a crash left
 * in `processing` so they are analysed again.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { ErrorCode, executeUnit, QuireError, UnitNotApplied, type UnitWriter } from '@quire/common';
import { type JobState, type Requester } from '../intake/intake-port';
import { type JobDocumentRef, type SpoolIndex } from '../spool/spool-recovery';
import { type JobEntity } from './job.entity';
import { type JobQuery, type JobRepository } from './job.repository';
import {
  ACTIVE_STATES,
  isFinalState,
  type JobActor,
  type JobColumns,
  type JobStateMachine,
  type TransitionChange,
} from './job-state-machine';

/** Dependencies of the jobs service. */
export interface JobsServiceOptions {
  dataSource: DataSource;
  jobs: JobRepository;
  stateMachine: JobStateMachine;
  /**
   * Applies admissions, routings and number reservations (`createUnitWriter`: the SQLite writer thread, or group
   * commits); never awaited from inside another transaction.
   */
  writer: UnitWriter;
}

/** How often routing decides again when a hold or release changed the job's hold request meanwhile. */
const MAX_ROUTING_ATTEMPTS = 5;

/** How many job numbers are reserved at once. */
const NUMBER_BLOCK = 64;

/** A spooled job about to be admitted: everything but its number, state and analysis results. */
export type NewJob = Omit<
  JobEntity,
  | 'number'
  | 'state'
  | 'stateReason'
  | 'processedAt'
  | 'completedAt'
  | 'pdl'
  | 'pages'
  | 'colorPages'
  | 'monoPages'
  | 'duplex'
  | 'paper'
  | 'impressions'
  | 'sheets'
  | 'analysis'
  | 'favourite'
  | 'printerId'
  | 'printAttempts'
  | 'releasedBy'
  | 'documentRemovedAt'
>;

/** How callers name a job: by id (REST) or by number (IPP, LPD). */
export type JobRef = { id: string } | { number: number };

/** The reason a job held at the client's request carries. */
export const HOLD_REQUESTED_REASON = "held at the client's request (job-hold-until)";

function describeRef(ref: JobRef): string {
  return 'id' in ref ? `id ${ref.id}` : `number ${ref.number}`;
}

/** A hold or release met a job in processing that changed (was routed) before the request was written. */
class RoutedMeanwhile extends Error {
  constructor(readonly job: JobEntity) {
    super(`job ${job.number} changed while its hold request was written`);
  }
}

/** Jobs: admission, lookup with visibility rules, and requester operations. */
export class JobsService implements SpoolIndex {
  private numbers = { next: 1, last: 0 };
  private refill: Promise<void> | null = null;
  private readonly readyListeners: Array<(job: JobEntity) => void> = [];

  constructor(private readonly options: JobsServiceOptions) {}

  private get repo(): JobRepository {
    return this.options.jobs;
  }

  private get machine(): JobStateMachine {
    return this.options.stateMachine;
  }

  /**
   * Call `listener` with every job that became `ready` (routed, or a held job released), once that is committed:
   * the release service prints the jobs of direct and tandem queues from there.
   */
  onReady(listener: (job: JobEntity) => void): void {
    this.readyListeners.push(listener);
  }

  private announceReady(job: JobEntity): JobEntity {
    if (job.state === 'ready') for (const listener of this.readyListeners) listener(job);
    return job;
  }

  /**
   * Admit a job whose document is already in the spool: allocate its number and insert it in `processing`, with
   * its creation event. Resolves once committed. Jobs admitted together share one transaction and one commit
   * (the unit writer batches them), each in its own savepoint. PDL analysis, then `completeProcessing`, take it
   * from there.
   */
  async admit(draft: NewJob): Promise<JobEntity> {
    const number = await this.nextNumber();
    const planned = this.machine.planCreate(this.newJobRow({ ...draft, number }), { role: 'intake' });
    await this.options.writer.submit(planned.unit);
    return planned.job;
  }

  /**
   * The next job number, from a block reserved in its own committed transaction (NUMBER_BLOCK at a time, so the
   * counter row is not rewritten for every job). A number is never handed out twice; numbers left in a block
   * when the process stops are skipped, which IPP job ids and LPD job numbers allow.
   */
  private async nextNumber(): Promise<number> {
    while (this.numbers.next > this.numbers.last) {
      this.refill ??= this.options.writer
        .submit(this.repo.reserveNumbersUnit(NUMBER_BLOCK))
        .then((outcome) => {
          const last = this.repo.reservedUpTo(outcome.applied ? outcome.outputs : []);
          this.numbers = { next: last - NUMBER_BLOCK + 1, last };
        })
        .finally(() => {
          this.refill = null;
        });
      await this.refill;
    }
    return this.numbers.next++;
  }

  private newJobRow(draft: NewJob & { number: number }): JobEntity {
    return {
      ...draft,
      state: 'processing',
      stateReason: null,
      processedAt: null,
      completedAt: null,
      pdl: null,
      pages: null,
      colorPages: null,
      monoPages: null,
      duplex: null,
      paper: null,
      impressions: null,
      sheets: null,
      analysis: null,
      favourite: false,
      printerId: null,
      printAttempts: 0,
      releasedBy: null,
      documentRemovedAt: null,
    };
  }

  /**
   * Store a job's analysis and route it out of `processing`, in one transaction; jobs analysed together share
   * it (the unit writer batches them). JOB_STATE_CONFLICT when the job left `processing` meanwhile (cancelled).
   * Resolves once committed, with the job as it is now. Routing policies (queue rules, the script hook) will run
   * here; today a job goes to `ready`, or to `paused` when its client asked for a hold.
   *
   * `job` is the row as the caller read it, usually at admission. A Hold-Job or Release-Job may change its hold
   * request while it is analysed, so the move applies only if the request is still the one routing decided on;
   * otherwise the job is read again and routed by its request as it is now.
   */
  async completeProcessing(job: JobEntity, columns: JobColumns): Promise<JobEntity> {
    let current = job;
    for (let attempt = 1; ; attempt += 1) {
      const { to, change } = this.routing(current);
      const planned = this.machine.planTransition(current, to, { ...change, columns });
      const outcome = await this.options.writer.submit(planned.unit);
      if (outcome.applied) return this.announceReady(planned.job);
      const now = await this.find({ id: job.id });
      if (now?.state !== 'processing') throw await this.machine.changedMeanwhile(current);
      if (attempt >= MAX_ROUTING_ATTEMPTS) {
        throw this.stateConflict(now, `its hold request changed ${attempt} times while it was routed`);
      }
      current = now;
    }
  }

  /** Where routing sends a spooled job, and why; the move expects the hold request it was decided on. */
  private routing(job: JobEntity): { to: JobState; change: TransitionChange } {
    return {
      to: job.holdRequested ? 'paused' : 'ready',
      change: {
        actor: { role: 'router' },
        reason: job.holdRequested ? HOLD_REQUESTED_REASON : null,
        expect: { holdRequested: job.holdRequested },
      },
    };
  }

  /** Every job in `processing`, oldest first: at start-up, those a crash left before their analysis was stored. */
  jobsInProcessing(): Promise<JobEntity[]> {
    return this.repo.findInStates(['processing']);
  }

  /** Jobs matching `query`, newest first (no visibility rules: for trusted callers). */
  list(query: JobQuery): Promise<JobEntity[]> {
    return this.repo.list(query);
  }

  /** How many jobs match `query` (no visibility rules: for trusted callers). */
  count(query: Omit<JobQuery, 'limit' | 'offset'>): Promise<number> {
    return this.repo.count(query);
  }

  /** Jobs matching `query` that `requester` may see: a non-admin asking for another owner's is FORBIDDEN. */
  listFor(requester: Requester, query: JobQuery): Promise<JobEntity[]> {
    if (requester.isAdmin) return this.repo.list(query);
    if (query.owner !== undefined && query.owner !== requester.user) {
      throw new QuireError(
        ErrorCode.Forbidden,
        "You can only list your own jobs; listing another user's jobs needs administrator rights",
      );
    }
    return this.repo.list({ ...query, owner: requester.user });
  }

  /** One job, or null. */
  find(ref: JobRef, manager?: EntityManager): Promise<JobEntity | null> {
    return 'id' in ref ? this.repo.findById(ref.id, manager) : this.repo.findByNumber(ref.number, manager);
  }

  /** One job, or JOB_NOT_FOUND. */
  async get(ref: JobRef, manager?: EntityManager): Promise<JobEntity> {
    const job = await this.find(ref, manager);
    if (!job) throw new QuireError(ErrorCode.JobNotFound, `No job with ${describeRef(ref)}`);
    return job;
  }

  /** One job `requester` may see: JOB_NOT_FOUND, or FORBIDDEN for someone else's job. */
  async getFor(ref: JobRef, requester: Requester): Promise<JobEntity> {
    const job = await this.get(ref);
    this.actorFor(job, requester, 'see');
    return job;
  }

  /** Soft-delete a job (owner or admin); JOB_STATE_CONFLICT once it is printed, failed or deleted. */
  cancel(ref: JobRef, requester: Requester, manager?: EntityManager): Promise<JobEntity> {
    return this.operate(ref, requester, manager, 'cancel', (job, actor, tx) => {
      if (isFinalState(job.state)) {
        throw this.stateConflict(job, `it is already ${job.state} and can no longer be cancelled`);
      }
      return this.machine.transition(job, 'deleted', { actor, reason: `cancelled by ${actor.name}` }, tx);
    });
  }

  /**
   * Delete a job (owner or admin) that is not being processed or printed: a ready or held job, a failed release, a
   * printed job or favourite (MyQ's "Any status → Deleted"). Unlike `cancel`, which IPP's Cancel-Job uses and
   * which refuses completed jobs as IPP requires. JOB_STATE_CONFLICT in processing, printing or deleted.
   */
  remove(ref: JobRef, requester: Requester, manager?: EntityManager): Promise<JobEntity> {
    return this.operate(ref, requester, manager, 'delete', (job, actor, tx) => {
      if (!['ready', 'paused', 'printed', 'failed'].includes(job.state)) {
        throw this.stateConflict(job, `it is ${job.state} and cannot be deleted now`);
      }
      return this.machine.transition(job, 'deleted', { actor, reason: `deleted by ${actor.name}` }, tx);
    });
  }

  /**
   * Hold a job (owner or admin): a ready job moves to paused; a job still in processing records the request, and
   * routing sends it to paused once it is analysed.
   */
  hold(ref: JobRef, requester: Requester, manager?: EntityManager): Promise<JobEntity> {
    return this.operateAcrossRouting(manager, (tx) =>
      this.operate(ref, requester, tx, 'hold', (job, actor, tx) => {
        if (job.state === 'processing') {
          if (job.holdRequested) throw this.stateConflict(job, 'it is already to be held once analysed');
          return this.requestHold(job, true, tx);
        }
        if (job.state !== 'ready') {
          throw this.stateConflict(
            job,
            `it is ${job.state}; only a ready job or one in processing can be held`,
          );
        }
        return this.machine.transition(job, 'paused', { actor, reason: `held by ${actor.name}` }, tx);
      }),
    );
  }

  /**
   * Release a held job (owner or admin): a paused job moves to ready; a job still in processing whose client asked
   * for a hold withdraws that request, and routing sends it to ready once it is analysed.
   */
  async releaseHeld(ref: JobRef, requester: Requester, manager?: EntityManager): Promise<JobEntity> {
    const job = await this.operateAcrossRouting(manager, (tx) =>
      this.operate(ref, requester, tx, 'release', (job, actor, tx) => {
        if (job.state === 'processing' && job.holdRequested) return this.requestHold(job, false, tx);
        if (job.state !== 'paused') {
          throw this.stateConflict(job, `it is ${job.state}; only a held (paused) job can be released`);
        }
        return this.machine.transition(job, 'ready', { actor }, tx);
      }),
    );
    this.options.jobs.afterCommit(manager, () => this.announceReady(job));
    return job;
  }

  /** Record or withdraw the hold request of a job in processing; RoutedMeanwhile when routing came first. */
  private async requestHold(job: JobEntity, holdRequested: boolean, tx: EntityManager): Promise<JobEntity> {
    try {
      await executeUnit(tx, { statements: [this.repo.holdRequestStatement(job.id, holdRequested)] });
    } catch (err) {
      if (err instanceof UnitNotApplied) throw new RoutedMeanwhile(job);
      throw err;
    }
    return { ...job, holdRequested };
  }

  /**
   * Run a hold or release that may find the job in processing. Where reads take no lock (MySQL), routing can
   * commit between the operation's read and its write; the operation then runs once more, in a new transaction,
   * on the routed job (a job never returns to processing, so once is enough). Inside a caller's transaction it
   * cannot start afresh, and answers JOB_STATE_CONFLICT.
   */
  private async operateAcrossRouting(
    manager: EntityManager | undefined,
    run: (manager: EntityManager | undefined) => Promise<JobEntity>,
  ): Promise<JobEntity> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await run(attempt === 0 ? manager : undefined);
      } catch (err) {
        if (!(err instanceof RoutedMeanwhile)) throw err;
        if (manager || attempt > 0) throw this.stateConflict(err.job, 'it changed meanwhile; try again');
      }
    }
  }

  /** SpoolIndex: the spool paths of those of `jobIds` that have a row. */
  documentPathsOf(jobIds: string[]): Promise<Map<string, string>> {
    return this.repo.spoolPathsOf(jobIds);
  }

  /** SpoolIndex: jobs that still need their document. */
  async jobsNeedingDocuments(): Promise<JobDocumentRef[]> {
    const jobs = await this.repo.findInStates(ACTIVE_STATES);
    return jobs.map((job) => ({ id: job.id, number: job.number, spoolPath: job.spoolPath }));
  }

  /** SpoolIndex: fail a job whose document is gone. */
  async failJobWithoutDocument(jobId: string, reason: string): Promise<void> {
    await this.options.dataSource.transaction(async (tx) => {
      const job = await this.get({ id: jobId }, tx);
      await this.machine.transition(job, 'failed', { actor: { role: 'system' }, reason }, tx);
    });
  }

  /** Load the job inside a transaction, check the requester, then run `change`. */
  private operate(
    ref: JobRef,
    requester: Requester,
    manager: EntityManager | undefined,
    verb: string,
    change: (job: JobEntity, actor: JobActor, tx: EntityManager) => Promise<JobEntity>,
  ): Promise<JobEntity> {
    const run = async (tx: EntityManager) => {
      const job = await this.get(ref, tx);
      return change(job, this.actorFor(job, requester, verb), tx);
    };
    return manager ? run(manager) : this.options.dataSource.transaction(run);
  }

  /** The owner acts as owner, an admin on anyone's job as admin; anyone else is FORBIDDEN. */
  private actorFor(job: JobEntity, requester: Requester, verb: string): JobActor {
    if (requester.user === job.owner) return { role: 'owner', name: requester.user };
    if (requester.isAdmin) return { role: 'admin', name: requester.user };
    throw new QuireError(
      ErrorCode.Forbidden,
      `Job ${job.number} belongs to another user; only its owner or an administrator can ${verb} it`,
    );
  }

  private stateConflict(job: JobEntity, why: string): QuireError {
    return new QuireError(ErrorCode.JobStateConflict, `Job ${job.number}: ${why}`, {
      details: { job: job.number, state: job.state },
    });
  }
}
