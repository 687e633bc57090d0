/**
 * REST front-end for jobs: `/api/v1/jobs`. Any signed-in user may call it; the jobs service applies the
 * visibility rules (admins see every job, a user only their own). Deleting is a soft delete through the job
 * state machine, audited as `job.delete` in the same transaction, whether an admin or the owner does it.
 */
import { Router, type Request } from 'express';
import { type DataSource } from 'typeorm';
import { auditedWrite, ErrorCode, isUuid, QuireError, requireAuth, type AuthService } from '@quire/common';
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

function invalid(parameter: string, problem: string): QuireError {
  return new QuireError(ErrorCode.ValidationFailed, `Query parameter ${parameter} ${problem}`, {
    details: { fields: [{ field: parameter, problem }] },
  });
}

/** A query parameter given at most once, as a string. */
function queryValue(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, 'must be given once, as plain text');
  return value;
}

function integerParam(req: Request, name: string, min: number, max: number, fallback: number): number {
  const raw = queryValue(req, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw invalid(name, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function statesParam(req: Request): JobState[] | undefined {
  const raw = queryValue(req, 'state');
  if (raw === undefined) return undefined;
  const states = raw.split(',').map((state) => state.trim());
  const unknown = states.find((state) => !JOB_STATES.includes(state as JobState));
  if (unknown !== undefined) {
    throw invalid('state', `has an unknown state "${unknown}"; use one or more of ${JOB_STATES.join(', ')}`);
  }
  return states as JobState[];
}

function sinceParam(req: Request): Date | undefined {
  const raw = queryValue(req, 'since');
  if (raw === undefined) return undefined;
  const since = new Date(raw);
  if (Number.isNaN(since.getTime())) {
    throw invalid('since', 'must be an ISO 8601 date or date-time, e.g. 2025-01-31T12:00:00Z');
  }
  return since;
}

/** The list query of `GET /api/v1/jobs`; `queue` is a queue id or name. */
function listQuery(req: Request): JobQuery {
  const queue = queryValue(req, 'queue');
  return {
    owner: queryValue(req, 'owner'),
    ...(queue === undefined ? {} : isUuid(queue) ? { queueId: queue } : { queueName: queue }),
    states: statesParam(req),
    since: sinceParam(req),
    limit: integerParam(req, 'limit', 1, JOBS_PAGE_MAX, JOBS_PAGE_DEFAULT),
    offset: integerParam(req, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
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
