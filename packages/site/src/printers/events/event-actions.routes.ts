/**
 * REST front-end of event actions: `/api/v1/event-actions`, admins only, every write audited in its own
 * transaction. `POST /api/v1/event-actions/{id}/test` sends a sample notification at once (on a named printer,
 * or a sample one) and answers with what it reached, or with the delivery's error; the attempt is audited too.
 * The webhook secret never leaves the server: the JSON says only whether one is set, and audit rows omit it.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import {
  auditContextOf,
  auditedWrite,
  describeError,
  parseBody,
  requireAdmin,
  requireAuth,
  type AuthService,
  idParam,
} from '@quire/common';
import { type PrinterService } from '../printer.service';
import { actionPatchSchema, actionSettingsSchema, type NewAction } from './event-action-input';
import { eventActionJson, type PrinterEventActionService } from './printer-event-action.service';
import { type PrinterEventDispatcher } from './printer-event-dispatcher';

/** What the action routes need. */
export interface EventActionsRouterDeps {
  actions: PrinterEventActionService;
  dispatcher: Pick<PrinterEventDispatcher, 'sendTest'>;
  printers: Pick<PrinterService, 'get'>;
  auth: AuthService;
  dataSource: DataSource;
}

const BASE = '/api/v1/event-actions';
const testSchema = z.strictObject({ printerId: z.string().min(1).max(36).optional() });

/** The settings as audit rows keep them: the secret replaced by whether one is given. */
function auditedSettings(body: Record<string, unknown>): Record<string, unknown> {
  if (!('secret' in body)) return body;
  const { secret, ...rest } = body;
  return { ...rest, secretSet: typeof secret === 'string' && secret !== '' };
}

/** The `/api/v1/event-actions` router. */
export function eventActionsRouter(deps: EventActionsRouterDeps): Router {
  const router = Router();
  router.use(BASE, requireAuth(deps.auth), requireAdmin);

  router.get(BASE, async (_req, res) => {
    res.json({ actions: (await deps.actions.list()).map(eventActionJson) });
  });

  router.get(`${BASE}/:id`, async (req, res) => {
    res.json(eventActionJson(await deps.actions.get(idParam(req))));
  });

  router.post(BASE, async (req, res) => {
    const body = parseBody(actionSettingsSchema, req.body) as NewAction;
    const action = await auditedWrite(
      req,
      {
        action: 'event-action.create',
        targetType: 'event-action',
        details: { settings: auditedSettings(body) },
      },
      deps.dataSource,
      async (manager, scope) => {
        const created = await deps.actions.create(body, manager);
        scope.targetId = created.id;
        return created;
      },
    );
    res.status(201).json(eventActionJson(action));
  });

  router.patch(`${BASE}/:id`, async (req, res) => {
    const id = idParam(req);
    const patch = parseBody(actionPatchSchema, req.body);
    const action = await auditedWrite(
      req,
      {
        action: 'event-action.update',
        targetType: 'event-action',
        targetId: id,
        details: { changes: auditedSettings(patch) },
      },
      deps.dataSource,
      (manager) => deps.actions.update(id, patch, manager),
    );
    res.json(eventActionJson(action));
  });

  router.delete(`${BASE}/:id`, async (req, res) => {
    const id = idParam(req);
    await auditedWrite(
      req,
      { action: 'event-action.delete', targetType: 'event-action', targetId: id },
      deps.dataSource,
      (manager) => deps.actions.remove(id, manager),
    );
    res.status(204).end();
  });

  router.post(`${BASE}/:id/test`, async (req, res) => {
    const id = idParam(req);
    const { printerId } = parseBody(testSchema, req.body ?? {});
    const printer = printerId ? await deps.printers.get(printerId) : undefined;
    const audit = {
      ...auditContextOf(req),
      action: 'event-action.test',
      targetType: 'event-action',
      targetId: id,
    };
    try {
      const report = await deps.dispatcher.sendTest(id, printer);
      await deps.auth.audit.record({ ...audit, details: { printerId: printerId ?? null }, outcome: 'ok' });
      res.json({ sent: true, ...report });
    } catch (err) {
      const details = { printerId: printerId ?? null, error: describeError(err) };
      await deps.auth.audit.record({ ...audit, details, outcome: 'failed' });
      throw err;
    }
  });

  return router;
}
