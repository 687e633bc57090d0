/**
 * REST front-end of the configuration templates on central: `/api/v1/templates`. Admin only; every write is
 * audited in the transaction that makes it, with secret settings (an SNMP community) masked in the audit row.
 * Each answer carries the template's version, the one sites report once they have applied it.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import {
  auditedWrite,
  checkInput,
  parseBody,
  requireAdmin,
  requireAuth,
  type AuthService,
  idParam,
} from '@quire/common';
import { type ConfigTemplateEntity } from './config-template.entity';
import { newTemplateSchema, redactSettings, TEMPLATE_TYPES, templateChangesShape } from './template-settings';
import { type TemplateStore } from './template.store';

/** What the templates router needs. */
export interface TemplatesRouterDeps {
  templates: TemplateStore;
  auth: AuthService;
  dataSource: DataSource;
}

const listQuery = z.strictObject({ type: z.enum(TEMPLATE_TYPES).optional() });

/** The JSON view of a template (a deleted one shows when it was deleted). */
export function templateJson(template: ConfigTemplateEntity) {
  return {
    id: template.id,
    type: template.type,
    name: template.name,
    settings: template.settings,
    overridable: template.overridable,
    version: template.version,
    createdAt: template.createdAt.toISOString(),
    updatedAt: template.updatedAt.toISOString(),
    deletedAt: template.deletedAt?.toISOString() ?? null,
  };
}

/** The `/api/v1/templates` router. */
export function templatesRouter(deps: TemplatesRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/templates', requireAuth(deps.auth), requireAdmin);

  router.get('/api/v1/templates', async (req, res) => {
    const query = checkInput(listQuery, req.query, 'Query is invalid', '(query)');
    const [version, templates] = await Promise.all([
      deps.templates.currentVersion(),
      deps.templates.list(query.type),
    ]);
    res.json({ version, templates: templates.map(templateJson) });
  });

  router.get('/api/v1/templates/:id', async (req, res) => {
    res.json(templateJson(await deps.templates.get(idParam(req))));
  });

  router.post('/api/v1/templates', async (req, res) => {
    const body = parseBody(newTemplateSchema, req.body);
    const details = { type: body.type, name: body.name, settings: redactSettings(body.settings) };
    const template = await auditedWrite(
      req,
      { action: 'template.create', targetType: 'template', details },
      deps.dataSource,
      async (manager, scope) => {
        const created = await deps.templates.create(body, manager);
        scope.targetId = created.id;
        scope.details.version = created.version;
        return created;
      },
    );
    res.status(201).json(templateJson(template));
  });

  router.put('/api/v1/templates/:id', async (req, res) => {
    const id = idParam(req);
    const body = parseBody(templateChangesShape, req.body);
    const changes = { ...body, ...(body.settings ? { settings: redactSettings(body.settings) } : {}) };
    const template = await auditedWrite(
      req,
      { action: 'template.update', targetType: 'template', targetId: id, details: { changes } },
      deps.dataSource,
      async (manager, scope) => {
        const updated = await deps.templates.update(id, body, manager);
        scope.details.version = updated.version;
        return updated;
      },
    );
    res.json(templateJson(template));
  });

  router.delete('/api/v1/templates/:id', async (req, res) => {
    const id = idParam(req);
    const template = await auditedWrite(
      req,
      { action: 'template.delete', targetType: 'template', targetId: id },
      deps.dataSource,
      async (manager, scope) => {
        const removed = await deps.templates.remove(id, manager);
        Object.assign(scope.details, { type: removed.type, name: removed.name, version: removed.version });
        return removed;
      },
    );
    res.json(templateJson(template));
  });

  return router;
}
