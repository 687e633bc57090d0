/**
 * `GET /api/v1/site`: this site's name, version and the state of its link to central, for the console and for
 * operators checking a branch.
 */
import { Router } from 'express';
import { requireAuth, type AuthService } from '@quire/common';
import { type CentralLink } from './federation';
import { siteVersion } from './version';

export interface SiteStatusDeps {
  auth: AuthService;
  link: CentralLink | null;
  siteName: string;
  centralAddress: string;
}

/** The JSON view of the link to central. */
export function centralLinkJson(link: CentralLink | null, address: string) {
  if (!link) return { configured: false, address: null, state: 'disabled' };
  const status = link.status();
  return {
    configured: true,
    address,
    state: status.state,
    siteId: status.siteId,
    since: status.since.toISOString(),
    connectedAt: status.connectedAt?.toISOString() ?? null,
    lastError: status.lastError,
  };
}

/** The `/api/v1/site` router. */
export function siteStatusRouter(deps: SiteStatusDeps): Router {
  const router = Router();
  router.get('/api/v1/site', requireAuth(deps.auth), (_req, res) => {
    res.json({
      name: deps.siteName,
      version: siteVersion,
      central: centralLinkJson(deps.link, deps.centralAddress),
    });
  });
  return router;
}
