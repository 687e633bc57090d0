/**
 * REST front-end of directory sources: `GET/POST /api/v1/directory/sources`, `DELETE .../{name}` and
 * `POST .../{name}/sync?dryRun=true|false`, which answers the run's report (200 when it applied, 502 when the
 * source could not be read or the apply failed: nothing was changed then). Bind passwords never come back out.
 * All need `manage-users`; writes and syncs are audited.
 */
import { Router } from 'express';
import { z } from 'zod';
import { auditContextOf, parseBody, requireAuth, type AuthService } from '@quire/common';
import { type DirectorySourcesService } from './directory-sources.service';
import { redactLdapSourceConfig } from './ldap-source-config';
import { type RightsService } from './rights';

/** What the source routes need. */
export interface SourcesRouterDeps {
  sources: DirectorySourcesService;
  rights: RightsService;
  auth: AuthService;
}

/** The directory sources router. */
export function sourcesRouter(deps: SourcesRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/directory/sources', requireAuth(deps.auth), deps.rights.require('manage-users'));
  const audit = (
    req: Parameters<typeof auditContextOf>[0],
    action: string,
    name: string,
    details: object,
    ok = true,
  ) =>
    deps.auth.audit.record({
      ...auditContextOf(req),
      action,
      targetType: 'directory-source',
      targetId: name,
      details: { ...details },
      outcome: ok ? 'ok' : 'failed',
    });

  router.get('/api/v1/directory/sources', async (_req, res) => {
    const sources = await deps.sources.list();
    res.json({
      sources: sources.map((s) => ({ ...redactLdapSourceConfig(s.config), fromFile: s.fromFile })),
    });
  });

  router.post('/api/v1/directory/sources', async (req, res) => {
    const config = await deps.sources.save(req.body);
    await audit(req, 'directory.source.save', config.name, { urls: config.urls, baseDns: config.baseDns });
    res.status(201).json(redactLdapSourceConfig(config));
  });

  router.delete('/api/v1/directory/sources/:name', async (req, res) => {
    await deps.sources.remove(String(req.params.name));
    await audit(req, 'directory.source.delete', String(req.params.name), {});
    res.status(204).end();
  });

  router.post('/api/v1/directory/sources/:name/sync', async (req, res) => {
    const { dryRun } = parseBody(z.strictObject({ dryRun: z.enum(['true', 'false']).default('false') }), {
      ...(req.query as Record<string, unknown>),
    });
    const name = String(req.params.name);
    const report = await deps.sources.sync(name, { dryRun: dryRun === 'true' });
    await audit(
      req,
      'directory.sync',
      name,
      { dryRun: report.dryRun, status: report.status, counts: report.counts },
      report.status !== 'failed',
    );
    res.status(report.status === 'failed' ? 502 : 200).json(report);
  });

  return router;
}
