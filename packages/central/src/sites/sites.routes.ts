/**
 * REST front-end for sites: `/api/v1/sites`. Admin only; every write is audited in the same transaction.
 * It merges the stored site rows with the live session state kept by the federation server and the outbox
 * figures the sites report in their heartbeats. Revocation (`DELETE`) refuses the site's credential from then on
 * and ends its live session at once; the site's replicated history stays.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import { auditedWrite, parseBody, requireAdmin, type AuthService, requireAuth, idParam } from '@quire/common';
import { type SiteSessionRegistry } from '../federation';
import { type ReplicationStatus } from '../replication/replication-status';
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

/** What the sites router needs. */
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

/** A site's replication figures: central's applied outbox sequence, the site's reported lag, versions, error. */
function replicationJson(site: SiteEntity, replication: ReplicationStatus) {
  return {
    appliedSeq: site.appliedSeq,
    outboxLag: replication.lag(site.id, site.appliedSeq),
    directoryVersion: site.directoryVersion,
    templateVersion: site.templateVersion,
    lastError: site.lastError,
    lastErrorAt: site.lastErrorAt?.toISOString() ?? null,
  };
}

/** The JSON view of a site: stored facts, whether its session is open now, and its replication figures. */
export function siteJson(site: SiteEntity, sessions: SiteSessionRegistry, replication: ReplicationStatus) {
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
    revokedAt: site.revokedAt?.toISOString() ?? null,
    createdAt: site.createdAt.toISOString(),
    replication: replicationJson(site, replication),
  };
}

/** The `/api/v1/sites` router. */
export function sitesRouter(deps: SitesRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/sites', requireAuth(deps.auth), requireAdmin);

  router.get('/api/v1/sites', async (_req, res) => {
    const sites = await deps.sites.list();
    res.json({ sites: sites.map((site) => siteJson(site, deps.sessions, deps.sites.replication)) });
  });

  router.get('/api/v1/sites/:id', async (req, res) => {
    res.json(siteJson(await deps.sites.get(idParam(req)), deps.sessions, deps.sites.replication));
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

  router.delete('/api/v1/sites/:id', async (req, res) => {
    const id = idParam(req);
    await auditedWrite(
      req,
      { action: 'site.revoke', targetType: 'site', targetId: id },
      deps.dataSource,
      (manager) => deps.sites.revoke(id, manager),
    );
    // After the commit: a session ended earlier could reconnect with a credential that still worked.
    deps.sessions.disconnect(id, 'the site was revoked at central', 'revoked');
    res.status(204).end();
  });

  return router;
}
