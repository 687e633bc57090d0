/**
 * DB access for jobs, their events and the job-number counter. Reads take an optional EntityManager so a service
 * can run them inside its own transaction. Writes are planned as statements (write-unit.ts) so the same write
 * runs either inside a TypeORM transaction or on the SQLite writer thread (the intake's hot path).
 */
import {
  In,
  IsNull,
  LessThan,
  MoreThanOrEqual,
  type DataSource,
  type EntityManager,
  type FindOptionsWhere,
  type Repository,
} from 'typeorm';
import {
  EntityStatements,
  ErrorCode,
  executeUnit,
  QuireError,
  afterCommit,
  type PlannedStatement,
  type WriteUnit,
} from '@quire/common';
import { type JobState } from '../intake/intake-port';
import { JOB_NUMBER_COUNTER, JobCounterEntity } from './job-counter.entity';
import { JobEventEntity } from './job-event.entity';
import { JobEntity } from './job.entity';

/** Which jobs to list, newest first. */
export interface JobQuery {
  owner?: string;
  queueId?: string;
  queueName?: string;
  states?: readonly JobState[];
  /** Submitted at or after. */
  since?: Date;
  limit: number;
  offset?: number;
}

function whereOf(query: Omit<JobQuery, 'limit' | 'offset'>): FindOptionsWhere<JobEntity> {
  const where: FindOptionsWhere<JobEntity> = {};
  if (query.owner !== undefined) where.owner = query.owner;
  if (query.queueId !== undefined) where.queueId = query.queueId;
  if (query.queueName !== undefined) where.queueName = query.queueName;
  if (query.states !== undefined) where.state = In([...query.states]);
  if (query.since !== undefined) where.submittedAt = MoreThanOrEqual(query.since);
  return where;
}

/** Repository of `jobs`, `job_events` and `job_counters`. */
export class JobRepository {
  private statements: {
    jobs: EntityStatements<JobEntity>;
    events: EntityStatements<JobEventEntity>;
    counters: EntityStatements<JobCounterEntity>;
  } | null = null;

  constructor(private readonly dataSource: DataSource) {}

  /** Statement builders, made on first use (the entity metadata exists only once the DataSource is open). */
  private get sql() {
    this.statements ??= {
      jobs: new EntityStatements(this.dataSource, JobEntity),
      events: new EntityStatements(this.dataSource, JobEventEntity),
      counters: new EntityStatements(this.dataSource, JobCounterEntity),
    };
    return this.statements;
  }

  private jobs(manager?: EntityManager): Repository<JobEntity> {
    return (manager ?? this.dataSource.manager).getRepository(JobEntity);
  }

  private events(manager?: EntityManager): Repository<JobEventEntity> {
    return (manager ?? this.dataSource.manager).getRepository(JobEventEntity);
  }

  /** The INSERT of a new job row. */
  insertStatement(job: JobEntity): PlannedStatement {
    return this.sql.jobs.insert(job);
  }

  /** The INSERT of one job event row. */
  insertEventStatement(event: JobEventEntity): PlannedStatement {
    return this.sql.events.insert(event);
  }

  /** Run `callback` once `manager`'s transaction has committed (at once without one). */
  afterCommit(manager: EntityManager | undefined, callback: () => void): void {
    afterCommit(this.dataSource, manager, callback);
  }

  /** One job by id, or null. */
  findById(id: string, manager?: EntityManager): Promise<JobEntity | null> {
    return this.jobs(manager).findOneBy({ id });
  }

  /** One job by its site-unique number, or null. */
  findByNumber(number: number, manager?: EntityManager): Promise<JobEntity | null> {
    return this.jobs(manager).findOneBy({ number });
  }

  /** Jobs matching `query`, newest first. */
  list(query: JobQuery, manager?: EntityManager): Promise<JobEntity[]> {
    return this.jobs(manager).find({
      where: whereOf(query),
      order: { submittedAt: 'DESC', id: 'DESC' },
      take: query.limit,
      skip: query.offset ?? 0,
    });
  }

  /** How many jobs match `query` (its limit and offset are ignored): one indexed COUNT. */
  count(query: Omit<JobQuery, 'limit' | 'offset'>, manager?: EntityManager): Promise<number> {
    return this.jobs(manager).count({ where: whereOf(query) });
  }

  /** Every job in one of `states`, oldest first. */
  findInStates(states: readonly JobState[], manager?: EntityManager): Promise<JobEntity[]> {
    return this.jobs(manager).find({ where: { state: In([...states]) }, order: { submittedAt: 'ASC' } });
  }

  /** The jobs of these owners in one of `states`, oldest first (a terminal's list). */
  findOfOwners(
    owners: readonly string[],
    states: readonly JobState[],
    manager?: EntityManager,
  ): Promise<JobEntity[]> {
    if (owners.length === 0) return Promise.resolve([]);
    return this.jobs(manager).find({
      where: { owner: In([...owners]), state: In([...states]) },
      order: { submittedAt: 'ASC', id: 'ASC' },
    });
  }

  /** Up to `limit` jobs in one of `states` submitted before `before`, favourites excluded, oldest first. */
  findExpired(
    before: Date,
    states: readonly JobState[],
    limit: number,
    manager?: EntityManager,
  ): Promise<JobEntity[]> {
    return this.jobs(manager).find({
      where: { submittedAt: LessThan(before), state: In([...states]), favourite: false },
      order: { submittedAt: 'ASC' },
      take: limit,
    });
  }

  /** Up to `limit` jobs in one of `states` whose spool file is not yet removed. */
  findWithDocument(
    states: readonly JobState[],
    limit: number,
    manager?: EntityManager,
  ): Promise<JobEntity[]> {
    return this.jobs(manager).find({
      where: { state: In([...states]), documentRemovedAt: IsNull() },
      take: limit,
    });
  }

  /** Set columns that are no part of the state machine (favourite, document_removed_at). */
  async setColumns(
    id: string,
    columns: Partial<Pick<JobEntity, 'favourite' | 'documentRemovedAt'>>,
    manager?: EntityManager,
  ): Promise<void> {
    await this.jobs(manager).update({ id }, columns);
  }

  /** The spool paths of those of `ids` that have a row. */
  async spoolPathsOf(ids: readonly string[], manager?: EntityManager): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.jobs(manager).find({
      select: { id: true, spoolPath: true },
      where: { id: In([...ids]) },
    });
    return new Map(rows.map((row) => [row.id, row.spoolPath]));
  }

  /**
   * The UPDATE applying `patch` to the job only if it is still in state `expected`; it expects one changed row, so
   * a unit holding it is not applied when someone else moved the job first. This conditional UPDATE is what makes
   * concurrent transitions safe on both drivers.
   */
  updateStateIfStatement(
    id: string,
    expected: JobState,
    patch: Partial<JobEntity>,
    alsoExpected: Partial<JobEntity> = {},
  ): PlannedStatement {
    return this.sql.jobs.update(patch, { ...alsoExpected, id, state: expected }, 1);
  }

  /**
   * The UPDATE recording (or withdrawing) a hold request on a job still in `processing`, so routing sends it to
   * `paused` (or `ready`); it expects one changed row, so it is not applied once the job has left processing or
   * already has that request.
   */
  holdRequestStatement(id: string, holdRequested: boolean): PlannedStatement {
    return this.sql.jobs.update(
      { holdRequested },
      { id, state: 'processing', holdRequested: !holdRequested },
      1,
    );
  }

  /** The events of one job, in the order they happened. */
  eventsOf(jobId: string, manager?: EntityManager): Promise<JobEventEntity[]> {
    return this.events(manager).find({ where: { jobId }, order: { at: 'ASC', id: 'ASC' } });
  }

  /**
   * The unit reserving `count` consecutive job numbers: its last statement returns the last one, and the range is
   * `last - count + 1 … last`. The increment and the read run in one transaction, under the database's single
   * writer, so no two callers get overlapping ranges.
   */
  reserveNumbersUnit(count: number): WriteUnit {
    const where = { id: JOB_NUMBER_COUNTER };
    return {
      statements: [
        this.sql.counters.increment('lastValue', Math.trunc(count), where, 1),
        this.sql.counters.select(['lastValue'], where),
      ],
    };
  }

  /** Reserve `count` numbers inside `manager`'s transaction (see {@link reserveNumbersUnit}); returns the last. */
  async reserveNumbers(count: number, manager: EntityManager): Promise<number> {
    return this.reservedUpTo(await executeUnit(manager, this.reserveNumbersUnit(count)));
  }

  /** The last reserved number, from the outputs of an applied {@link reserveNumbersUnit}. */
  reservedUpTo(outputs: ReadonlyArray<{ rows?: Array<Record<string, unknown>> }>): number {
    const value = Number(outputs[1]?.rows?.[0]?.lastValue);
    if (!Number.isSafeInteger(value)) {
      throw new QuireError(ErrorCode.Internal, 'The job-number counter row is missing; run the migrations');
    }
    return value;
  }
}
