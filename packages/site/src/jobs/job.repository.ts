/**
 * DB access for jobs, their events and the job-number counter. Every method takes an optional EntityManager so
 * a service can run it inside its own transaction; the ones that only make sense inside one say so.
 */
import {
  In,
  MoreThanOrEqual,
  type DataSource,
  type EntityManager,
  type FindOptionsWhere,
  type Repository,
} from 'typeorm';
import { ErrorCode, QuireError } from '@quire/common';
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
  constructor(private readonly dataSource: DataSource) {}

  private jobs(manager?: EntityManager): Repository<JobEntity> {
    return (manager ?? this.dataSource.manager).getRepository(JobEntity);
  }

  private events(manager?: EntityManager): Repository<JobEventEntity> {
    return (manager ?? this.dataSource.manager).getRepository(JobEventEntity);
  }

  /** Insert a new job row. */
  async insert(job: JobEntity, manager?: EntityManager): Promise<void> {
    await this.jobs(manager).insert(job);
  }

  /** Insert one job event row. */
  async insertEvent(event: JobEventEntity, manager?: EntityManager): Promise<void> {
    await this.events(manager).insert(event);
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
   * Apply `patch` to the job only if it is still in state `expected`; false when it is not (someone else moved
   * it first). This conditional UPDATE is what makes concurrent transitions safe on both drivers.
   */
  async updateStateIf(
    id: string,
    expected: JobState,
    patch: Partial<JobEntity>,
    manager?: EntityManager,
  ): Promise<boolean> {
    const result = await this.jobs(manager).update({ id, state: expected }, patch);
    return result.affected === 1;
  }

  /** The events of one job, in the order they happened. */
  eventsOf(jobId: string, manager?: EntityManager): Promise<JobEventEntity[]> {
    return this.events(manager).find({ where: { jobId }, order: { at: 'ASC', id: 'ASC' } });
  }

  /**
   * Reserve `count` consecutive job numbers and return the last; the range is `last - count + 1 … last`. Must run
   * in a transaction: the increment locks the counter row until commit (MySQL), or runs under the single SQLite
   * writer, so no two callers get overlapping ranges.
   */
  async reserveNumbers(count: number, manager: EntityManager): Promise<number> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new QuireError(ErrorCode.Internal, 'Job numbers are reserved inside a transaction');
    }
    const result = await manager
      .createQueryBuilder()
      .update(JobCounterEntity)
      .set({ lastValue: () => `last_value + ${Math.trunc(count)}` })
      .where('id = :id', { id: JOB_NUMBER_COUNTER })
      .execute();
    if (result.affected !== 1) {
      throw new QuireError(ErrorCode.Internal, 'The job-number counter row is missing; run the migrations');
    }
    const counter = await manager.getRepository(JobCounterEntity).findOneByOrFail({ id: JOB_NUMBER_COUNTER });
    return counter.lastValue;
  }
}
