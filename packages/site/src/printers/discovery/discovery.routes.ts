/**
 * REST front-end for printer discovery, admins only: `POST /api/v1/discoveries` runs one now (and answers when
 * it is done, with every device that answered), `/api/v1/discovery-settings` keeps saved ones and runs them.
 * Changes to saved discoveries are audited in their own transaction; a run writes one `printer.discover` row
 * per printer it changes (in that printer's transaction) and one `discovery.run` row for the run as a whole.
 */
import { Router, type Request } from 'express';
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
import { countOutcomes, type DiscoveryReport, type DiscoveryService } from './discovery.service';
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
 * Run `run` and write its `discovery.run` audit row: `ok` with the counts, or `failed` with the error code. The
 * run itself is not one transaction (it may take minutes), so this row sits beside the per-printer ones.
 */
async function auditedRun(
  req: Request,
  audit: AuditService,
  target: { id: string | null; details: Record<string, unknown> },
  run: () => Promise<DiscoveryReport>,
): Promise<DiscoveryReport> {
  const base = {
    ...auditContextOf(req),
    action: 'discovery.run',
    targetType: 'discovery',
    targetId: target.id,
  };
  try {
    const report = await run();
    const details = {
      ...target.details,
      scanned: report.scanned,
      dryRun: report.dryRun,
      ...countOutcomes(report.found),
    };
    await audit.record({ ...base, details, outcome: 'ok' });
    return report;
  } catch (err) {
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
  }
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
    const report = await auditedRun(req, deps.audit, { id: null, details }, () =>
      deps.discovery.run(body, { actor: auditContextOf(req) }),
    );
    res.json(report);
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
    const report = await auditedRun(req, deps.audit, { id, details: {} }, () =>
      deps.settings.run(id, { actor: auditContextOf(req), dryRun: body.dryRun }),
    );
    res.json(report);
  });

  return router;
}
