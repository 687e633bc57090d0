/**
 * REST front-end of notifications and codes on central: the SMTP server (`/api/v1/notifications/smtp`, its
 * password never returned) with a "send test mail" action, the mail templates, the error-event notifications
 * (`/api/v1/notifications/events`), and bulk PIN / card / ID-code generation (`POST /api/v1/directory/codes`),
 * whose answer is the only place besides the users' mails where the clear codes ever appear. All need
 * `manage-settings` or `manage-users`, and every write is audited.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import {
  auditContextOf,
  auditedWrite,
  ErrorCode,
  parseBody,
  QuireError,
  requireAuth,
  type AuthService,
} from '@quire/common';
import { CODE_TARGETS } from './code-targets';
import { type DirectoryCodesService } from './directory-codes.service';
import { type DirectorySettings } from './directory-settings';
import { type ErrorEventNotifier } from './error-event-notifier';
import { type PinResetService } from './pin-reset.service';
import { mailTemplateSetSchema } from './mail-templates';
import { Mailer, redactedSmtpSettings } from '@quire/common';
import { type RightsService } from './rights';

/** What the notification routes need. */
export interface NotificationsRouterDeps {
  settings: DirectorySettings;
  codes: DirectoryCodesService;
  pinReset: PinResetService;
  rights: RightsService;
  auth: AuthService;
  dataSource: DataSource;
  /** Told when the error-event settings change, so it need not wait to read them again. */
  errorEvents?: Pick<ErrorEventNotifier, 'reloadSettings'>;
}

const codesSchema = z.strictObject({
  groupId: z.uuid().optional(),
  target: z.enum(CODE_TARGETS).default('pin'),
  onlyIfEmpty: z.boolean().default(true),
  length: z.number().int().min(4).max(16).optional(),
  notify: z.boolean().default(true),
  template: z.enum(['newPin', 'newIdCode']).default('newIdCode'),
});

/** The notifications router. */
export function notificationsRouter(deps: NotificationsRouterDeps): Router {
  const router = Router();
  router.use(['/api/v1/notifications', '/api/v1/directory/codes'], requireAuth(deps.auth));
  router.use('/api/v1/notifications', deps.rights.require('manage-settings'));

  router.get('/api/v1/notifications/smtp', async (_req, res) => {
    const smtp = await deps.settings.smtp();
    res.json({ smtp: smtp ? redactedSmtpSettings(smtp) : null });
  });

  router.put('/api/v1/notifications/smtp', async (req, res) => {
    const smtp = await auditedWrite(
      req,
      { action: 'notifications.smtp', targetType: 'settings', targetId: 'smtp' },
      deps.dataSource,
      (manager) => deps.settings.setSmtp(req.body, manager),
    );
    res.json({ smtp: redactedSmtpSettings(smtp) });
  });

  router.post('/api/v1/notifications/smtp/test', async (req, res) => {
    const { to } = parseBody(z.strictObject({ to: z.email() }), req.body);
    const smtp = await deps.settings.smtp();
    if (!smtp) throw new QuireError(ErrorCode.ValidationFailed, 'Set the SMTP server first');
    const mailer = new Mailer(smtp);
    try {
      const sent = await mailer.sendTest(to);
      res.json({ sent: true, to: sent.to });
    } finally {
      await mailer.close();
    }
  });

  router.get('/api/v1/notifications/templates', async (_req, res) => {
    res.json({ templates: await deps.settings.templates() });
  });

  router.put('/api/v1/notifications/templates', async (req, res) => {
    const templates = parseBody(mailTemplateSetSchema, req.body);
    await auditedWrite(
      req,
      { action: 'notifications.templates', targetType: 'settings', targetId: 'mail-templates' },
      deps.dataSource,
      (manager) => deps.settings.setTemplates(templates, manager),
    );
    res.json({ templates });
  });

  router.get('/api/v1/notifications/events', async (_req, res) => {
    res.json({ errorEvents: await deps.settings.errorEvents() });
  });

  router.put('/api/v1/notifications/events', async (req, res) => {
    const errorEvents = await auditedWrite(
      req,
      { action: 'notifications.events', targetType: 'settings', targetId: 'error-events' },
      deps.dataSource,
      (manager) => deps.settings.setErrorEvents(req.body, manager),
    );
    await deps.errorEvents?.reloadSettings();
    res.json({ errorEvents });
  });

  // Self-service PIN reset: no sign-in (the user forgot their PIN); the answers never tell whether a user exists.
  const resetSchema = z.strictObject({ username: z.string().min(1).max(128) });
  router.post('/api/v1/directory/pin-reset', async (req, res) => {
    const { username } = parseBody(resetSchema, req.body);
    await deps.pinReset.request(username);
    res.status(202).json({ message: 'If this user has an email address, a reset code is on its way' });
  });

  router.post('/api/v1/directory/pin-reset/confirm', async (req, res) => {
    const body = parseBody(
      resetSchema.extend({ code: z.string().regex(/^\d{8}$/, 'must be the 8-digit code') }),
      req.body,
    );
    await deps.pinReset.confirm(body.username, body.code);
    await deps.auth.audit.record({
      ...auditContextOf(req),
      actorName: body.username,
      action: 'directory.pin-reset',
      targetType: 'user',
      targetId: body.username,
      outcome: 'ok',
    });
    res.json({ message: 'A new PIN has been sent to your email address' });
  });

  router.post('/api/v1/directory/codes', deps.rights.require('manage-users'), async (req, res) => {
    const request = parseBody(codesSchema, req.body ?? {});
    const result = await deps.codes.generate(request);
    await deps.auth.audit.record({
      ...auditContextOf(req),
      action: 'directory.codes',
      targetType: request.groupId ? 'group' : 'directory',
      targetId: request.groupId ?? null,
      details: {
        target: result.target,
        users: result.codes.length,
        length: result.length,
        mailed: result.codes.filter((c) => c.mailed).length,
      },
      outcome: 'ok',
    });
    res.json(result);
  });

  return router;
}
