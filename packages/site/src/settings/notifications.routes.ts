/**
 * REST front-end of the site's mail settings, in the shapes central uses: `GET/PUT /api/v1/notifications/smtp`
 * (the password is never returned, only whether one is set) and `POST /api/v1/notifications/smtp/test {to}`,
 * which sends a test mail and answers with what the server said or an error naming what to fix. Admins only;
 * every change and every test is audited.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import {
  auditContextOf,
  auditedWrite,
  describeError,
  ErrorCode,
  Mailer,
  parseBody,
  QuireError,
  redactedSmtpSettings,
  requireAdmin,
  requireAuth,
  type AuthService,
  type Logger,
} from '@quire/common';
import { type SiteSettings } from './site-settings';

/** What the notification routes need. */
export interface SiteNotificationsRouterDeps {
  settings: SiteSettings;
  auth: AuthService;
  dataSource: DataSource;
  logger?: Logger;
}

const BASE = '/api/v1/notifications';

/** The site's `/api/v1/notifications` router. */
export function siteNotificationsRouter(deps: SiteNotificationsRouterDeps): Router {
  const router = Router();
  router.use(BASE, requireAuth(deps.auth), requireAdmin);

  router.get(`${BASE}/smtp`, async (_req, res) => {
    const smtp = await deps.settings.smtp();
    res.json({ smtp: smtp ? redactedSmtpSettings(smtp) : null });
  });

  router.put(`${BASE}/smtp`, async (req, res) => {
    const smtp = await auditedWrite(
      req,
      { action: 'notifications.smtp', targetType: 'settings', targetId: 'smtp' },
      deps.dataSource,
      (manager) => deps.settings.setSmtp(req.body, manager),
    );
    res.json({ smtp: redactedSmtpSettings(smtp) });
  });

  router.post(`${BASE}/smtp/test`, async (req, res) => {
    const { to } = parseBody(z.strictObject({ to: z.email() }), req.body);
    const smtp = await deps.settings.smtp();
    if (!smtp) throw new QuireError(ErrorCode.ValidationFailed, 'Set the SMTP server first');
    const audit = {
      ...auditContextOf(req),
      action: 'notifications.smtp-test',
      targetType: 'settings',
      targetId: 'smtp',
    };
    const mailer = new Mailer(smtp, { logger: deps.logger });
    try {
      const sent = await mailer.sendTest(to);
      await deps.auth.audit.record({ ...audit, details: { to }, outcome: 'ok' });
      res.json({ sent: true, to: sent.to });
    } catch (err) {
      await deps.auth.audit.record({
        ...audit,
        details: { to, error: describeError(err) },
        outcome: 'failed',
      });
      throw err;
    } finally {
      await mailer.close();
    }
  });

  return router;
}
