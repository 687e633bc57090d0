/**
 * REST front-end for jobs: `/api/v1/jobs`. Any signed-in user may call it; the jobs service applies the
 * visibility rules (admins see every job, a user only their own). Deleting is a soft delete through the job
 * state machine, audited as `job.delete` in the same transaction, whether an admin or the owner does it.
 */
import { Router, type Request } from 'express';
import { type DataSource } from 'typeorm';
import {
  auditedWrite,
  choiceListQuery,
  dateQuery,
  ErrorCode,
  integerQuery,
  isUuid,
  queryValue,
  QuireError,
  requireAuth,
  type AuthService,
} from '@quire/common';
import { type JobState, type Requester } from '../intake/intake-port';
import { type JobQuery } from './job.repository';
import { JOB_TRANSITIONS } from './job-state-machine';
import { jobJson, toJobView } from './job-view';
import { type JobsService } from './jobs.service';

/** Page size of `GET /api/v1/jobs` when the caller gives no `limit`. */
export const JOBS_PAGE_DEFAULT = 50;
/** Largest `limit` `GET /api/v1/jobs` accepts. */
export const JOBS_PAGE_MAX = 500;

/** What the jobs router needs. */
export interface JobsRouterDeps {
  jobs: JobsService;
  auth: AuthService;
  /** For the audited delete's transaction. */
  dataSource: DataSource;
}

const JOB_STATES = Object.keys(JOB_TRANSITIONS) as JobState[];

/** The list query of `GET /api/v1/jobs`; `queue` is a queue id or name. */
function listQuery(req: Request): JobQuery {
  const queue = queryValue(req, 'queue');
  return {
    owner: queryValue(req, 'owner'),
    ...(queue === undefined ? {} : isUuid(queue) ? { queueId: queue } : { queueName: queue }),
    states: choiceListQuery(req, 'state', JOB_STATES),
    since: dateQuery(req, 'since'),
    limit: integerQuery(req, 'limit', 1, JOBS_PAGE_MAX, JOBS_PAGE_DEFAULT),
    offset: integerQuery(req, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
  };
}

function requesterOf(req: Request): Requester {
  // requireAuth runs first on every route here, so the principal is set.
  const principal = req.principal as NonNullable<Request['principal']>;
  return { user: principal.username, isAdmin: principal.isAdmin };
}

/** A job id from the path; anything that is not a UUID cannot name a job. */
function jobIdParam(req: Request): string {
  const id = String(req.params.id);
  if (!isUuid(id)) throw new QuireError(ErrorCode.JobNotFound, `No job with id ${id}`);
  return id;
}

/** The `/api/v1/jobs` router. */
export function jobsRouter(deps: JobsRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/jobs', requireAuth(deps.auth));

  router.get('/api/v1/jobs', async (req, res) => {
    const query = listQuery(req);
    // One row more than the page tells whether there is a next page without counting the whole table.
    const rows = await deps.jobs.listFor(requesterOf(req), { ...query, limit: query.limit + 1 });
    const offset = query.offset ?? 0;
    res.json({
      jobs: rows.slice(0, query.limit).map((job) => jobJson(toJobView(job))),
      limit: query.limit,
      offset,
      nextOffset: rows.length > query.limit ? offset + query.limit : null,
    });
  });

  router.get('/api/v1/jobs/:id', async (req, res) => {
    const job = await deps.jobs.getFor({ id: jobIdParam(req) }, requesterOf(req));
    res.json(jobJson(toJobView(job)));
  });

  router.delete('/api/v1/jobs/:id', async (req, res) => {
    const id = String(req.params.id);
    await auditedWrite(
      req,
      { action: 'job.delete', targetType: 'job', targetId: id },
      deps.dataSource,
      async (manager, scope) => {
        const job = await deps.jobs.cancel({ id: jobIdParam(req) }, requesterOf(req), manager);
        scope.details = { number: job.number, owner: job.owner };
      },
    );
    res.status(204).end();
  });

  return router;
}
