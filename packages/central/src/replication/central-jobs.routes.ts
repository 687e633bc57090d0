/**
 * REST front-end of central's jobs view: `GET /api/v1/jobs` across every site's replicated jobs, filtered and
 * paged, and `GET /api/v1/jobs/{site}/{jobId}` with the job's events. Reading other users' jobs is MyQ's
 * "read jobs" right, so callers need `read-jobs` (console administrators, and holders of `administrator`,
 * always pass).
 */
import { Router, type Request } from 'express';
import {
  choiceListQuery,
  dateQuery,
  integerQuery,
  isUuid,
  queryValue,
  requireAuth,
  type AuthService,
} from '@quire/common';
import { type RightsService } from '../directory/rights';
import {
  type CentralJob,
  type CentralJobFilters,
  type ReplicatedJobsService,
} from './replicated-jobs.service';
import { type SiteJobEventEntity } from './site-job-event.entity';

/** Page size of `GET /api/v1/jobs` when the caller gives no `limit`. */
export const CENTRAL_JOBS_PAGE_DEFAULT = 50;
/** Largest `limit` `GET /api/v1/jobs` accepts. */
export const CENTRAL_JOBS_PAGE_MAX = 500;

/** The job states of the site's state machine, which the `state` filter accepts. */
const JOB_STATES = ['processing', 'ready', 'paused', 'printing', 'printed', 'failed', 'deleted'];

/** What the central jobs router needs. */
export interface CentralJobsRouterDeps {
  jobs: ReplicatedJobsService;
  auth: AuthService;
  rights: Pick<RightsService, 'require'>;
}

function listFilters(req: Request): CentralJobFilters {
  const queue = queryValue(req, 'queue');
  return {
    site: queryValue(req, 'site'),
    owner: queryValue(req, 'owner'),
    ...(queue === undefined ? {} : isUuid(queue) ? { queueId: queue } : { queueName: queue }),
    states: choiceListQuery(req, 'state', JOB_STATES),
    from: dateQuery(req, 'from'),
    to: dateQuery(req, 'to'),
    limit: integerQuery(req, 'limit', 1, CENTRAL_JOBS_PAGE_MAX, CENTRAL_JOBS_PAGE_DEFAULT),
    offset: integerQuery(req, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
  };
}

const iso = (at: Date | null) => at?.toISOString() ?? null;

/** The JSON view of a replicated job: its site, then the site's JobRecord fields. */
export function centralJobJson({ job, siteName }: CentralJob) {
  const {
    siteId,
    lastSeq: _lastSeq,
    submittedAt,
    processedAt,
    completedAt,
    documentRemovedAt,
    ...fields
  } = job;
  return {
    siteId,
    siteName,
    ...fields,
    submittedAt: submittedAt.toISOString(),
    processedAt: iso(processedAt),
    completedAt: iso(completedAt),
    documentRemovedAt: iso(documentRemovedAt),
  };
}

function eventJson(event: SiteJobEventEntity) {
  const { id, at, fromState, toState, reason, actor } = event;
  return { id, at: at.toISOString(), fromState, toState, reason, actor };
}

/** The central `/api/v1/jobs` router. */
export function centralJobsRouter(deps: CentralJobsRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/jobs', requireAuth(deps.auth), deps.rights.require('read-jobs'));

  router.get('/api/v1/jobs', async (req, res) => {
    const filters = listFilters(req);
    // One row more than the page tells whether there is a next page without counting the whole table.
    const rows = await deps.jobs.list({ ...filters, limit: filters.limit + 1 });
    res.json({
      jobs: rows.slice(0, filters.limit).map(centralJobJson),
      limit: filters.limit,
      offset: filters.offset,
      nextOffset: rows.length > filters.limit ? filters.offset + filters.limit : null,
    });
  });

  router.get('/api/v1/jobs/:site/:jobId', async (req, res) => {
    const found = await deps.jobs.get(String(req.params.site), String(req.params.jobId));
    res.json({ ...centralJobJson(found), events: found.events.map(eventJson) });
  });

  return router;
}
