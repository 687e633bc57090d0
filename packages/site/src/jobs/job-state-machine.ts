/**
 * The job state machine: the one module that changes a job's state. Everything else (intake, routing, the
 * REST API, release, recovery) asks it to.
 *
 * Design notes for job states, in the manner of CUPS's scheduler/job.c
 * ====================================================================
 *
 * States
 * ------
 *   processing  The document is in the spool and the row is committed (the client has its acknowledgement);
 *               PDL analysis runs on a worker thread, and routing follows it.
 *   ready       Routed: waiting to be released at a printer.
 *   paused      Held: the client asked for it (IPP job-hold-until), a policy held it, or its owner did.
 *   printing    A release driver is sending it to a printer.
 *   printed     Final. The printer accepted the whole job.
 *   failed      Final. Analysis, the spool or printing failed; `state_reason` says why.
 *   deleted     Final. Cancelled by its owner or an administrator. A soft delete: the row and its history stay.
 *
 * Who moves a job (the JOB_TRANSITIONS table below is the authority)
 * -------------------------------------------------------------------
 *   intake       creates it in `processing` (an event from no state), once its document is fsynced.
 *   router       processing -> ready | paused (hold requested, or a policy) | failed (analysis refused it),
 *                once PDL analysis has run: the analysis is stored by the same UPDATE that moves the job. At
 *                start-up, jobs still in `processing` (a crash between commit and analysis) are analysed again.
 *   owner, admin ready -> paused (hold), paused -> ready (release a held job), any non-final -> deleted (cancel).
 *                Whether a requester is the owner is the jobs service's rule; this table only knows roles. A hold
 *                or release of a job still in processing moves nothing: it records or withdraws the job's hold
 *                request (`hold_requested`), and routing honours the request as it is when routing commits.
 *   release      ready -> printing -> printed | failed. printed -> printing is a reprint, and failed -> printing
 *                a new attempt after a failed release; the release service allows them only while the document
 *                is kept (and, for a reprint, while the keep-for-reprint rules allow it, release/reprint-policy.ts).
 *   system       processing | ready | paused | printing -> failed, when the document has vanished from the
 *                spool or something outside any user's doing broke the job. ready | paused | printed | failed ->
 *                deleted: the retention task.
 *   deleted has no way out. printed and failed are "complete" (FINAL_STATES) but not final: see above.
 *
 * The spool file
 * --------------
 *   processing, ready, paused, printing: kept. Start-up recovery fails a job in these states whose file is gone,
 *   and fails a job left in printing (the site stopped mid-release), which can then be released again.
 *   printed: kept or removed at once by the keep-for-reprint rules (release/reprint-policy.ts).
 *   failed: kept, so the job can be released again. deleted: removed.
 *   The retention task (release/retention.ts) deletes jobs older than `jobs.retentionDays`, favourites excepted,
 *   and removes their files; `document_removed_at` records when a file went. The job row stays for history.
 *
 * How a transition is written
 * ---------------------------
 *   1. The table is checked: a move it does not list is JOB_STATE_CONFLICT, with the state the job is in.
 *   2. The row is updated with `WHERE id = ? AND state = <the state the caller saw>`: of two concurrent
 *      transitions of one job exactly one matches; the other gets JOB_STATE_CONFLICT naming the new state.
 *      Routing also names the hold request it decided on (`TransitionChange.expect`), so a hold or release
 *      written meanwhile makes its move not apply, and the router decides again.
 *   3. A `job_events` row is written, and every observer adds its statements, in the same transaction, so the
 *      history (and, with the federation outbox as an observer, what central hears) never disagrees with the row.
 *   A change is first planned as a write unit (the statements of steps 2-3, plain data), then applied: inside the
 *   caller's transaction (`create`, `transition`), or by the jobs service's unit writer, which on SQLite is a
 *   writer thread that group-commits the intake's admissions and routings off the event loop.
 */
import { type EntityManager } from 'typeorm';
import {
  ErrorCode,
  executeUnit,
  newId,
  QuireError,
  UnitNotApplied,
  withinTransaction,
  type PlannedStatement,
  type WriteUnit,
} from '@quire/common';
import { type JobState } from '../intake/intake-port';
import { type JobEventEntity } from './job-event.entity';
import { type JobEntity } from './job.entity';
import { type JobRepository } from './job.repository';

/** Who asks for a transition. Owners and admins carry their user name into the event row. */
export type JobActorRole = 'intake' | 'router' | 'owner' | 'admin' | 'release' | 'system';

/** The actor of a transition, as recorded in `job_events.actor`. */
export interface JobActor {
  role: JobActorRole;
  name?: string;
}

type TransitionTable = Readonly<
  Record<JobState, Readonly<Partial<Record<JobState, readonly JobActorRole[]>>>>
>;

const CANCEL: readonly JobActorRole[] = ['owner', 'admin'];
/** Deleting a job that is not being processed: its owner, an admin, or the retention task. */
const DELETE: readonly JobActorRole[] = ['owner', 'admin', 'system'];

/** Every allowed move: from-state → to-state → the roles that may make it. */
export const JOB_TRANSITIONS: TransitionTable = {
  processing: {
    ready: ['router'],
    paused: ['router'],
    failed: ['router', 'system'],
    deleted: CANCEL,
  },
  ready: { paused: ['owner', 'admin'], printing: ['release'], failed: ['system'], deleted: DELETE },
  paused: { ready: ['owner', 'admin'], failed: ['system'], deleted: DELETE },
  printing: { printed: ['release'], failed: ['release', 'system'], deleted: CANCEL },
  printed: { printing: ['release'], deleted: DELETE },
  failed: { printing: ['release'], deleted: DELETE },
  deleted: {},
};

/**
 * States in which a job is complete (IPP's "completed" jobs): its owner's request is done with. Only `deleted` is
 * never left; the release service may print a printed job again (a reprint of a kept document) or a job whose
 * printing failed, and the retention task deletes both.
 */
export const FINAL_STATES: readonly JobState[] = ['printed', 'failed', 'deleted'];

/** States whose job still needs its spool file. */
export const ACTIVE_STATES: readonly JobState[] = ['processing', 'ready', 'paused', 'printing'];

/** True for printed, failed and deleted (see FINAL_STATES). */
export function isFinalState(state: JobState): boolean {
  return FINAL_STATES.includes(state);
}

/** The roles that may move a job from `from` to `to` (empty when the move does not exist). */
export function rolesAllowed(from: JobState, to: JobState): readonly JobActorRole[] {
  return JOB_TRANSITIONS[from][to] ?? [];
}

/** True when `role` may move a job from `from` to `to`. */
export function canTransition(from: JobState, to: JobState, role: JobActorRole): boolean {
  return rolesAllowed(from, to).includes(role);
}

/** One committed-together change: the job as it is after it, and its event row. */
export interface JobTransition {
  job: JobEntity;
  event: JobEventEntity;
}

/**
 * Called while every job creation and transition is planned; the statements it returns are applied in the same
 * transaction, after the event row, so they commit or roll back with the change. The federation outbox plugs in
 * here.
 */
export type JobTransitionObserver = (transition: JobTransition) => PlannedStatement[];

/** A planned change: the unit to apply, and the job and event as they are once it is applied. */
export interface PlannedJobChange extends JobTransition {
  unit: WriteUnit;
}

/** Dependencies of the state machine. */
export interface JobStateMachineOptions {
  jobs: JobRepository;
  observers?: readonly JobTransitionObserver[];
  now?: () => Date;
}

/** Job columns a transition may set along with the state (never the state, its reason or its times). */
export type JobColumns = Partial<
  Omit<JobEntity, 'id' | 'number' | 'state' | 'stateReason' | 'processedAt' | 'completedAt'>
>;

/** What a transition records besides its target state. */
export interface TransitionChange {
  actor: JobActor;
  /** Why, in words an operator understands; stored on the job (`state_reason`) and in the event. */
  reason?: string | null;
  /** Columns written by the same conditional UPDATE: the router stores the analysis with the move out of processing. */
  columns?: JobColumns;
  /**
   * Column values the row must still hold, besides its state, for the move to apply: the router's decision rests
   * on `holdRequested`, which a requester may change while the job is in processing.
   */
  expect?: JobColumns;
}

function actorLabel(actor: JobActor): string {
  return (actor.name ? `${actor.role}:${actor.name}` : actor.role).slice(0, 160);
}

function clipReason(reason: string | null | undefined): string | null {
  return reason ? reason.slice(0, 255) : null;
}

function conflict(message: string, job: JobEntity, state: JobState | null): QuireError {
  return new QuireError(ErrorCode.JobStateConflict, message, {
    details: { job: job.number, state },
  });
}

/** Owns every change of `jobs.state`; see the design notes at the top of this file. */
export class JobStateMachine {
  private readonly now: () => Date;
  private readonly observers: readonly JobTransitionObserver[];

  constructor(private readonly options: JobStateMachineOptions) {
    this.now = options.now ?? (() => new Date());
    this.observers = options.observers ?? [];
  }

  /** Plan the insert of a new job (which must be in `processing`) with its creation event from no state. */
  planCreate(job: JobEntity, actor: JobActor): PlannedJobChange {
    if (job.state !== 'processing' || actor.role !== 'intake') {
      throw conflict('A job is created in processing, by intake', job, job.state);
    }
    return this.plan(job, null, [this.options.jobs.insertStatement(job)], {
      actor,
      reason: job.stateReason,
    });
  }

  /** Insert a new job in `manager`'s transaction (or a new one); see {@link planCreate}. */
  async create(job: JobEntity, actor: JobActor, manager: EntityManager): Promise<JobEntity> {
    const planned = this.planCreate(job, actor);
    await withinTransaction(manager.connection, manager, (tx) => executeUnit(tx, planned.unit));
    return planned.job;
  }

  /**
   * Plan the move of `job` (as the caller last read it) to `to`. JOB_STATE_CONFLICT when the table forbids the
   * move for this actor; the unit is not applied when the job changed state since the caller read it (see
   * {@link changedMeanwhile}).
   */
  planTransition(job: JobEntity, to: JobState, change: TransitionChange): PlannedJobChange {
    const from = job.state;
    const roles = rolesAllowed(from, to);
    if (roles.length === 0) {
      throw conflict(`Job ${job.number} is ${from}; it cannot become ${to}`, job, from);
    }
    if (!roles.includes(change.actor.role)) {
      throw conflict(
        `Job ${job.number}: moving it from ${from} to ${to} is for ${roles.join(' or ')}, not ${change.actor.role}`,
        job,
        from,
      );
    }
    const at = this.now();
    const patch: Partial<JobEntity> = {
      ...change.columns,
      state: to,
      stateReason: clipReason(change.reason),
    };
    if (from === 'processing') patch.processedAt = at;
    if (isFinalState(to)) patch.completedAt = at;
    const update = this.options.jobs.updateStateIfStatement(job.id, from, patch, change.expect);
    return this.plan({ ...job, ...patch }, from, [update], change, at);
  }

  /**
   * Move `job` (as the caller last read it) to `to` in `manager`'s transaction (or a new one). JOB_STATE_CONFLICT
   * when the table forbids the move for this actor, or when the job changed state since the caller read it.
   * Returns the job as it is now.
   */
  async transition(
    job: JobEntity,
    to: JobState,
    change: TransitionChange,
    manager: EntityManager,
  ): Promise<JobEntity> {
    const planned = this.planTransition(job, to, change);
    try {
      await withinTransaction(manager.connection, manager, (tx) => executeUnit(tx, planned.unit));
    } catch (err) {
      if (err instanceof UnitNotApplied) throw await this.changedMeanwhile(job, manager);
      throw err;
    }
    return planned.job;
  }

  /** The JOB_STATE_CONFLICT for a planned transition that was not applied, naming the state the job is in now. */
  async changedMeanwhile(job: JobEntity, manager?: EntityManager): Promise<QuireError> {
    const current = await this.options.jobs.findById(job.id, manager);
    const now = current?.state ?? null;
    return conflict(
      `Job ${job.number} changed meanwhile: it is ${now ?? 'gone'} now, not ${job.state}`,
      job,
      now,
    );
  }

  /** The unit of a change: its own statements, the event row, then every observer's statements. */
  private plan(
    job: JobEntity,
    from: JobState | null,
    statements: PlannedStatement[],
    change: TransitionChange,
    at: Date = this.now(),
  ): PlannedJobChange {
    const event: JobEventEntity = {
      id: newId(),
      jobId: job.id,
      at,
      fromState: from,
      toState: job.state,
      reason: clipReason(change.reason),
      actor: actorLabel(change.actor),
    };
    const all = [...statements, this.options.jobs.insertEventStatement(event)];
    for (const observe of this.observers) all.push(...observe({ job, event }));
    return { job, event, unit: { statements: all } };
  }
}
