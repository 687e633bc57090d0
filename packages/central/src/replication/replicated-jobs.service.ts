/**
 * Central's jobs view: the jobs every site replicated up, read across sites or for one site, for auditors,
 * reports and the console. It only reads; the replication inbox is the one writer.
 */
import { ErrorCode, QuireError } from '@quire/common';
import { type SitesService } from '../sites/sites.service';
import { type ReplicatedJobQuery, type ReplicatedJobsRepository } from './replicated-jobs.repository';
import { type SiteJobEventEntity } from './site-job-event.entity';
import { type SiteJobEntity } from './site-job.entity';

/** A replicated job with the site it belongs to. */
export interface CentralJob {
  job: SiteJobEntity;
  siteName: string;
}

/** The list filters of the jobs view, with the site given by id or name. */
export type CentralJobFilters = Omit<ReplicatedJobQuery, 'siteId'> & { site?: string };

/** Reads the replicated jobs; see the file comment. */
export class ReplicatedJobsService {
  constructor(
    private readonly jobs: ReplicatedJobsRepository,
    private readonly sites: Pick<SitesService, 'list' | 'find'>,
  ) {}

  /** A page of jobs matching `filters`, newest first. NOT_FOUND when `site` names no site. */
  async list(filters: CentralJobFilters): Promise<CentralJob[]> {
    const { site, ...rest } = filters;
    const siteId = site === undefined ? undefined : (await this.sites.find(site)).id;
    const [rows, names] = await Promise.all([this.jobs.list({ ...rest, siteId }), this.siteNames()]);
    return rows.map((job) => ({ job, siteName: names.get(job.siteId) ?? '' }));
  }

  /** One job of the site named by id or name, with its events; NOT_FOUND or JOB_NOT_FOUND. */
  async get(siteIdOrName: string, jobId: string): Promise<CentralJob & { events: SiteJobEventEntity[] }> {
    const site = await this.sites.find(siteIdOrName);
    const job = await this.jobs.get(site.id, jobId);
    if (!job) throw new QuireError(ErrorCode.JobNotFound, `Site "${site.name}" has no job with id ${jobId}`);
    return { job, siteName: site.name, events: await this.jobs.events(site.id, jobId) };
  }

  private async siteNames(): Promise<Map<string, string>> {
    return new Map((await this.sites.list()).map((site) => [site.id, site.name]));
  }
}
