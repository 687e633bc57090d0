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
import { ErrorCode, QuireError, type UnitWriter } from '@quire/common';
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
>;

/** How callers name a job: by id (REST) or by number (IPP, LPD). */
export type JobRef = { id: string } | { number: number };

/** The reason a job held at the client's request carries. */
export const HOLD_REQUESTED_REASON = "held at the client's request (job-hold-until)";

function describeRef(ref: JobRef): string {
  return 'id' in ref ? `id ${ref.id}` : `number ${ref.number}`;
}

/** Jobs: admission, lookup with visibility rules, and requester operations. */
export class JobsService implements SpoolIndex {
  private numbers = { next: 1, last: 0 };
  private refill: Promise<void> | null = null;

  constructor(private readonly options: JobsServiceOptions) {}

  private get repo(): JobRepository {
    return this.options.jobs;
  }

  private get machine(): JobStateMachine {
    return this.options.stateMachine;
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
    };
  }

  /**
   * Store a job's analysis and route it out of `processing`, in one transaction; jobs analysed together share
   * it (the unit writer batches them). JOB_STATE_CONFLICT when the job left `processing` meanwhile (cancelled).
   * Resolves once committed, with the job as it is now. Routing policies (queue rules, the script hook) will run
   * here; today a job goes to `ready`, or to `paused` when its client asked for a hold.
   */
  async completeProcessing(job: JobEntity, columns: JobColumns): Promise<JobEntity> {
    const { to, change } = this.routing(job);
    const planned = this.machine.planTransition(job, to, { ...change, columns });
    const outcome = await this.options.writer.submit(planned.unit);
    if (!outcome.applied) throw await this.machine.changedMeanwhile(job);
    return planned.job;
  }

  /** Where routing sends a spooled job, and why. */
  private routing(job: JobEntity): { to: JobState; change: TransitionChange } {
    return {
      to: job.holdRequested ? 'paused' : 'ready',
      change: { actor: { role: 'router' }, reason: job.holdRequested ? HOLD_REQUESTED_REASON : null },
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

  /** Hold a ready job (ready → paused; owner or admin). */
  hold(ref: JobRef, requester: Requester, manager?: EntityManager): Promise<JobEntity> {
    return this.operate(ref, requester, manager, 'hold', (job, actor, tx) => {
      if (job.state !== 'ready')
        throw this.stateConflict(job, `it is ${job.state}; only a ready job can be held`);
      return this.machine.transition(job, 'paused', { actor, reason: `held by ${actor.name}` }, tx);
    });
  }

  /** Release a held job (paused → ready; owner or admin). */
  releaseHeld(ref: JobRef, requester: Requester, manager?: EntityManager): Promise<JobEntity> {
    return this.operate(ref, requester, manager, 'release', (job, actor, tx) => {
      if (job.state !== 'paused') {
        throw this.stateConflict(job, `it is ${job.state}; only a held (paused) job can be released`);
      }
      return this.machine.transition(job, 'ready', { actor }, tx);
    });
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
