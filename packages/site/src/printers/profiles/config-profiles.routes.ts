/**
 * REST front-end for printer configuration profiles: `/api/v1/config-profiles`. Any signed-in user may list and
 * read them (the admin password only shows as `adminPasswordSet`); writes are for admins, each audited in its
 * own transaction without the password.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { auditedWrite, parseBody, requireAdmin, requireAuth, type AuthService, idParam } from '@quire/common';
import { configProfilePatchSchema, newConfigProfileSchema } from './config-profile-input';
import { type ConfigProfileEntity } from './config-profile.entity';
import { type ConfigProfileService } from './config-profile.service';

/** What the configuration profiles router needs. */
export interface ConfigProfilesRouterDeps {
  configProfiles: ConfigProfileService;
  auth: AuthService;
  dataSource: DataSource;
}

/** The JSON view of a configuration profile. */
export function configProfileJson(profile: ConfigProfileEntity) {
  return {
    id: profile.id,
    name: profile.name,
    snmpProfileId: profile.snmpProfileId,
    priceListId: profile.priceListId,
    adminUser: profile.adminUser,
    adminPasswordSet: profile.adminPassword !== null,
    faxModule: profile.faxModule,
    createdAt: profile.createdAt.toISOString(),
    updatedAt: profile.updatedAt.toISOString(),
  };
}

function redacted(input: Record<string, unknown>): Record<string, unknown> {
  return 'adminPassword' in input
    ? { ...input, adminPassword: input.adminPassword === null ? null : '(set)' }
    : input;
}

/** The `/api/v1/config-profiles` router. */
export function configProfilesRouter(deps: ConfigProfilesRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/config-profiles', requireAuth(deps.auth));

  router.get('/api/v1/config-profiles', async (_req, res) => {
    res.json({ profiles: (await deps.configProfiles.list()).map(configProfileJson) });
  });

  router.get('/api/v1/config-profiles/:id', async (req, res) => {
    res.json(configProfileJson(await deps.configProfiles.get(idParam(req))));
  });

  router.post('/api/v1/config-profiles', requireAdmin, async (req, res) => {
    const body = parseBody(newConfigProfileSchema, req.body);
    const profile = await auditedWrite(
      req,
      {
        action: 'config-profile.create',
        targetType: 'config-profile',
        details: { settings: redacted(body) },
      },
      deps.dataSource,
      async (manager, scope) => {
        const created = await deps.configProfiles.create(body, manager);
        scope.targetId = created.id;
        return created;
      },
    );
    res.status(201).json(configProfileJson(profile));
  });

  router.patch('/api/v1/config-profiles/:id', requireAdmin, async (req, res) => {
    const id = idParam(req);
    const patch = parseBody(configProfilePatchSchema, req.body);
    const profile = await auditedWrite(
      req,
      {
        action: 'config-profile.update',
        targetType: 'config-profile',
        targetId: id,
        details: { changes: redacted(patch) },
      },
      deps.dataSource,
      (manager) => deps.configProfiles.update(id, patch, manager),
    );
    res.json(configProfileJson(profile));
  });

  router.delete('/api/v1/config-profiles/:id', requireAdmin, async (req, res) => {
    const id = idParam(req);
    await auditedWrite(
      req,
      { action: 'config-profile.delete', targetType: 'config-profile', targetId: id },
      deps.dataSource,
      (manager) => deps.configProfiles.remove(id, manager),
    );
    res.status(204).end();
  });

  return router;
}
