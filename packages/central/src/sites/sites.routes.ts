/**
 * REST front-end for sites: `/api/v1/sites`. Admin only; every write is audited in the same transaction.
 * It merges the stored site rows with the live session state kept by the federation server.
 */
import { Router, type Request } from 'express';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import { auditedWrite, parseBody, requireAdmin, type AuthService, requireAuth } from '@quire/common';
import { type SiteSessionRegistry } from '../federation';
import { type SiteEntity } from './site.entity';
import { type EnrolmentTicket, type SitesService } from './sites.service';

const createSiteBody = z.object({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
      '1–64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    ),
});

export interface SitesRouterDeps {
  sites: SitesService;
  sessions: SiteSessionRegistry;
  auth: AuthService;
  dataSource: DataSource;
}

function ticketJson(ticket: EnrolmentTicket) {
  return {
    id: ticket.siteId,
    name: ticket.siteName,
    enrolmentToken: ticket.enrolmentToken,
    enrolmentTokenExpiresAt: ticket.expiresAt.toISOString(),
  };
}

function laterOf(a: Date | null, b: Date | null): Date | null {
  if (!a) return b;
  if (!b) return a;
  return a > b ? a : b;
}

/** The JSON view of a site: stored facts plus whether its session is open now. */
export function siteJson(site: SiteEntity, sessions: SiteSessionRegistry) {
  const live = sessions.status(site.id);
  return {
    id: site.id,
    name: site.name,
    connected: live.connected,
    lastSeenAt: laterOf(site.lastSeenAt, live.lastSeenAt)?.toISOString() ?? null,
    version: live.siteVersion ?? site.siteVersion,
    enrolled: site.enrolledAt !== null,
    enrolledAt: site.enrolledAt?.toISOString() ?? null,
    revoked: site.revokedAt !== null,
    createdAt: site.createdAt.toISOString(),
  };
}

function idParam(req: Request): string {
  return String(req.params.id);
}

/** The `/api/v1/sites` router. */
export function sitesRouter(deps: SitesRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/sites', requireAuth(deps.auth), requireAdmin);

  router.get('/api/v1/sites', async (_req, res) => {
    const sites = await deps.sites.list();
    res.json({ sites: sites.map((site) => siteJson(site, deps.sessions)) });
  });

  router.get('/api/v1/sites/:id', async (req, res) => {
    res.json(siteJson(await deps.sites.get(idParam(req)), deps.sessions));
  });

  router.post('/api/v1/sites', async (req, res) => {
    const body = parseBody(createSiteBody, req.body);
    const ticket = await auditedWrite(
      req,
      { action: 'site.create', targetType: 'site', details: { name: body.name } },
      deps.dataSource,
      async (manager, scope) => {
        const created = await deps.sites.create(body.name, manager);
        scope.targetId = created.siteId;
        return created;
      },
    );
    res.status(201).json(ticketJson(ticket));
  });

  router.post('/api/v1/sites/:id/enrolment-token', async (req, res) => {
    const id = idParam(req);
    const ticket = await auditedWrite(
      req,
      { action: 'site.enrolment-token', targetType: 'site', targetId: id },
      deps.dataSource,
      (manager) => deps.sites.issueEnrolmentToken(id, manager),
    );
    res.status(201).json(ticketJson(ticket));
  });

  return router;
}
