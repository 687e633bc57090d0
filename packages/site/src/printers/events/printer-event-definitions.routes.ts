/**
 * REST front-end of event definitions: `/api/v1/printer-event-definitions`. Admins only (definitions decide
 * what reaches people's mailboxes); every write is audited in its own transaction.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { auditedWrite, parseBody, requireAdmin, requireAuth, type AuthService, idParam } from '@quire/common';
import { definitionPatchSchema, newDefinitionSchema } from './event-definition-input';
import { eventDefinitionJson } from './printer-event-json';
import { type PrinterEventDefinitionService } from './printer-event-definition.service';

/** What the definition routes need. */
export interface PrinterEventDefinitionsRouterDeps {
  definitions: PrinterEventDefinitionService;
  auth: AuthService;
  dataSource: DataSource;
}

const BASE = '/api/v1/printer-event-definitions';

/** The `/api/v1/printer-event-definitions` router. */
export function printerEventDefinitionsRouter(deps: PrinterEventDefinitionsRouterDeps): Router {
  const router = Router();
  router.use(BASE, requireAuth(deps.auth), requireAdmin);

  router.get(BASE, async (_req, res) => {
    res.json({ definitions: (await deps.definitions.list()).map(eventDefinitionJson) });
  });

  router.get(`${BASE}/:id`, async (req, res) => {
    res.json(eventDefinitionJson(await deps.definitions.get(idParam(req))));
  });

  router.post(BASE, async (req, res) => {
    const body = parseBody(newDefinitionSchema, req.body);
    const definition = await auditedWrite(
      req,
      {
        action: 'printer-event-definition.create',
        targetType: 'printer-event-definition',
        details: { settings: body },
      },
      deps.dataSource,
      async (manager, scope) => {
        const created = await deps.definitions.create(body, manager);
        scope.targetId = created.id;
        return created;
      },
    );
    res.status(201).json(eventDefinitionJson(definition));
  });

  router.patch(`${BASE}/:id`, async (req, res) => {
    const id = idParam(req);
    const patch = parseBody(definitionPatchSchema, req.body);
    const definition = await auditedWrite(
      req,
      {
        action: 'printer-event-definition.update',
        targetType: 'printer-event-definition',
        targetId: id,
        details: { changes: patch },
      },
      deps.dataSource,
      (manager) => deps.definitions.update(id, patch, manager),
    );
    res.json(eventDefinitionJson(definition));
  });

  router.delete(`${BASE}/:id`, async (req, res) => {
    const id = idParam(req);
    await auditedWrite(
      req,
      { action: 'printer-event-definition.delete', targetType: 'printer-event-definition', targetId: id },
      deps.dataSource,
      (manager) => deps.definitions.remove(id, manager),
    );
    res.status(204).end();
  });

  return router;
}
