/** Reads of the replicated jobs and their events, for central's jobs view. */
import { And, In, LessThan, MoreThanOrEqual, type DataSource, type FindOptionsWhere } from 'typeorm';
import { SiteJobEventEntity } from './site-job-event.entity';
import { SiteJobEntity } from './site-job.entity';

/** Filters and paging of the jobs view; every filter is optional. */
export interface ReplicatedJobQuery {
  siteId?: string;
  owner?: string;
  states?: string[];
  queueId?: string;
  queueName?: string;
  /** Submitted at or after. */
  from?: Date;
  /** Submitted before. */
  to?: Date;
  limit: number;
  offset: number;
}

function submittedWithin(from: Date | undefined, to: Date | undefined) {
  if (from && to) return And(MoreThanOrEqual(from), LessThan(to));
  if (from) return MoreThanOrEqual(from);
  return to ? LessThan(to) : undefined;
}

/** DB access for `site_jobs` and `site_job_events`. */
export class ReplicatedJobsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A page of jobs matching `query`, newest first (ties in a fixed order, so pages never overlap). */
  list(query: ReplicatedJobQuery): Promise<SiteJobEntity[]> {
    const where: FindOptionsWhere<SiteJobEntity> = {};
    if (query.siteId !== undefined) where.siteId = query.siteId;
    if (query.owner !== undefined) where.owner = query.owner;
    if (query.states !== undefined) where.state = In(query.states);
    if (query.queueId !== undefined) where.queueId = query.queueId;
    if (query.queueName !== undefined) where.queueName = query.queueName;
    const submitted = submittedWithin(query.from, query.to);
    if (submitted) where.submittedAt = submitted;
    return this.dataSource.getRepository(SiteJobEntity).find({
      where,
      order: { submittedAt: 'DESC', siteId: 'ASC', id: 'DESC' },
      take: query.limit,
      skip: query.offset,
    });
  }

  /** One job of one site, or null. */
  get(siteId: string, jobId: string): Promise<SiteJobEntity | null> {
    return this.dataSource.getRepository(SiteJobEntity).findOneBy({ siteId, id: jobId });
  }

  /** The events of one job, in the order they happened. */
  events(siteId: string, jobId: string): Promise<SiteJobEventEntity[]> {
    return this.dataSource.getRepository(SiteJobEventEntity).find({
      where: { siteId, jobId },
      order: { at: 'ASC', id: 'ASC' },
    });
  }
}
