/**
 * REST front-end for printer discovery, admins only: `POST /api/v1/discoveries` runs one now (and answers when
 * it is done, with every device that answered), `/api/v1/discovery-settings` keeps saved ones and runs them.
 * Either run answers at once with 202 and the run when asked with `Prefer: respond-async` (RFC 7240), for
 * ranges that take minutes; `GET /api/v1/discoveries[/{runId}]` then follows runs and their progress, and
 * `POST /api/v1/discoveries/{runId}/cancel` stops one.
 * Changes to saved discoveries are audited in their own transaction; a run writes one `printer.discover` row
 * per printer it changes (in that printer's transaction) and one `discovery.run` row for the run as a whole,
 * when it ends.
 */
import { Router, type Request, type Response } from 'express';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import {
  auditContextOf,
  auditedWrite,
  describeError,
  isQuireError,
  parseBody,
  requireAdmin,
  requireAuth,
  type AuditService,
  type AuthService,
  idParam,
} from '@quire/common';
import { discoveryRunSchema, savedDiscoveryPatchSchema, savedDiscoverySchema } from './discovery-input';
import { type DiscoveryEntity } from './discovery.entity';
import { countOutcomes } from './discovery-runs';
import { type DiscoveryService, type StartedDiscovery } from './discovery.service';
import { type DiscoverySettingsService } from './discovery-settings.service';

/** Dependencies of the discovery router. */
export interface DiscoveryRouterDeps {
  discovery: DiscoveryService;
  settings: DiscoverySettingsService;
  auth: AuthService;
  audit: AuditService;
  dataSource: DataSource;
}

/** The JSON view of a saved discovery. */
export function discoveryJson(discovery: DiscoveryEntity) {
  return {
    id: discovery.id,
    name: discovery.name,
    enabled: discovery.enabled,
    schedule: discovery.schedule,
    ranges: discovery.ranges,
    exclude: discovery.exclude,
    snmpProfileId: discovery.snmpProfileId,
    timeoutMs: discovery.timeoutMs,
    nameTemplate: discovery.nameTemplate,
    renameExisting: discovery.renameExisting,
    actions: discovery.actions,
    rules: discovery.rules,
    lastRunAt: discovery.lastRunAt?.toISOString() ?? null,
    lastResult: discovery.lastResult,
    createdAt: discovery.createdAt.toISOString(),
    updatedAt: discovery.updatedAt.toISOString(),
  };
}

const savedRunSchema = z.strictObject({ dryRun: z.boolean().optional() });

/**
 * Start a run with `start` and write its `discovery.run` audit row when it ends: `ok` with the counts, or
 * `failed` with the error code (a request refused before it ran included). The run itself is not one
 * transaction (it may take minutes), so this row sits beside the per-printer ones. `done` settles after the
 * row is written.
 */
async function startAudited(
  req: Request,
  audit: AuditService,
  target: { id: string | null; details: Record<string, unknown> },
  start: () => Promise<StartedDiscovery>,
): Promise<StartedDiscovery> {
  const base = {
    ...auditContextOf(req),
    action: 'discovery.run',
    targetType: 'discovery',
    targetId: target.id,
  };
  const recordFailure = async (err: unknown): Promise<never> => {
    const failure = isQuireError(err)
      ? { errorCode: err.code, error: err.message }
      : { errorCode: 'INTERNAL' };
    await audit
      .record({ ...base, details: { ...target.details, ...failure }, outcome: 'failed' })
      .catch((auditErr: unknown) =>
        req.log?.error('could not write the audit row of a failed discovery', {
          error: describeError(auditErr),
        }),
      );
    throw err;
  };
  const started = await start().catch(recordFailure);
  const done = started.done.then(async (report) => {
    const details = {
      ...target.details,
      run: started.run.id,
      scanned: report.scanned,
      dryRun: report.dryRun,
      ...countOutcomes(report.found),
    };
    await audit.record({ ...base, details, outcome: 'ok' });
    return report;
  }, recordFailure);
  return { run: started.run, done };
}

/** Whether the client asked to be answered before the run ends (`Prefer: respond-async`, RFC 7240). */
function wantsAsync(req: Request): boolean {
  return /(^|[\s,;])respond-async($|[\s,;=])/i.test(req.get('prefer') ?? '');
}

/**
 * Answer for a started run: 202 with the run and its Location at once when the client prefers that (the run
 * goes on, and its failure is logged and audited), otherwise 200 with the report once it ends.
 */
async function answerRun(req: Request, res: Response, started: StartedDiscovery): Promise<void> {
  if (!wantsAsync(req)) {
    res.json(await started.done);
    return;
  }
  started.done.catch((err: unknown) =>
    req.log?.warn('background discovery ended without completing', {
      run: started.run.id,
      error: describeError(err),
    }),
  );
  res
    .status(202)
    .location(`/api/v1/discoveries/${started.run.id}`)
    .set('Preference-Applied', 'respond-async')
    .json(started.run);
}

/** The `/api/v1/discoveries` and `/api/v1/discovery-settings` router. */
export function discoveryRouter(deps: DiscoveryRouterDeps): Router {
  const router = Router();
  router.use(['/api/v1/discoveries', '/api/v1/discovery-settings'], requireAuth(deps.auth), requireAdmin);

  router.post('/api/v1/discoveries', async (req, res) => {
    const body = parseBody(discoveryRunSchema, req.body);
    const details = {
      ranges: body.ranges,
      exclude: body.exclude ?? [],
      snmpProfileId: body.snmpProfileId ?? null,
    };
    const started = await startAudited(req, deps.audit, { id: null, details }, () =>
      deps.discovery.start(body, { actor: auditContextOf(req) }),
    );
    await answerRun(req, res, started);
  });

  router.get('/api/v1/discoveries', (_req, res) => {
    res.json({ runs: deps.discovery.runs.list() });
  });

  router.get('/api/v1/discoveries/:id', (req, res) => {
    res.json(deps.discovery.runs.get(idParam(req)));
  });

  router.post('/api/v1/discoveries/:id/cancel', async (req, res) => {
    const id = idParam(req);
    const actor = auditContextOf(req);
    const run = await deps.discovery.runs.cancel(id, actor.actorName);
    await deps.audit.record({
      ...actor,
      action: 'discovery.cancel',
      targetType: 'discovery',
      targetId: run.discovery?.id ?? null,
      details: { run: id, progress: run.progress },
      outcome: 'ok',
    });
    res.json(run);
  });

  router.get('/api/v1/discovery-settings', async (_req, res) => {
    res.json({ discoveries: (await deps.settings.list()).map(discoveryJson) });
  });

  router.get('/api/v1/discovery-settings/:id', async (req, res) => {
    res.json(discoveryJson(await deps.settings.get(idParam(req))));
  });

  router.post('/api/v1/discovery-settings', async (req, res) => {
    const body = parseBody(savedDiscoverySchema, req.body);
    const created = await auditedWrite(
      req,
      { action: 'discovery.create', targetType: 'discovery', details: { settings: body } },
      deps.dataSource,
      async (manager, scope) => {
        const discovery = await deps.settings.create(body, manager);
        scope.targetId = discovery.id;
        return discovery;
      },
    );
    res.status(201).json(discoveryJson(created));
  });

  router.patch('/api/v1/discovery-settings/:id', async (req, res) => {
    const id = idParam(req);
    const patch = parseBody(savedDiscoveryPatchSchema, req.body);
    const updated = await auditedWrite(
      req,
      { action: 'discovery.update', targetType: 'discovery', targetId: id, details: { changes: patch } },
      deps.dataSource,
      (manager) => deps.settings.update(id, patch, manager),
    );
    res.json(discoveryJson(updated));
  });

  router.delete('/api/v1/discovery-settings/:id', async (req, res) => {
    const id = idParam(req);
    await auditedWrite(
      req,
      { action: 'discovery.delete', targetType: 'discovery', targetId: id },
      deps.dataSource,
      (manager) => deps.settings.remove(id, manager),
    );
    res.status(204).end();
  });

  router.post('/api/v1/discovery-settings/:id/run', async (req, res) => {
    const id = idParam(req);
    const body = parseBody(savedRunSchema, req.body ?? {});
    const started = await startAudited(req, deps.audit, { id, details: {} }, () =>
      deps.settings.start(id, { actor: auditContextOf(req), dryRun: body.dryRun }),
    );
    await answerRun(req, res, started);
  });

  return router;
}
