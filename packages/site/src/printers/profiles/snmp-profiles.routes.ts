/**
 * REST front-end for SNMP profiles: `/api/v1/snmp-profiles`. Any signed-in user may list and read them (without
 * secrets: a community or key only shows as `...Set: true`); creating, changing, deleting, choosing the default
 * and testing a profile against a device are for admins. Writes are audited in their own transaction, with the
 * secrets of the request left out of the audit row. A test is audited after it ran, outside any transaction,
 * because it waits on the network for up to the profile's timeout times its tries.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import {
  AuditLogRepository,
  AuditService,
  auditContextOf,
  auditedWrite,
  isQuireError,
  parseBody,
  requireAdmin,
  requireAuth,
  type AuthService,
  idParam,
} from '@quire/common';
import { hostSchema } from '../printer-input';
import { identifyPrinter, type PrinterIdentity } from '../snmp/printer-reader';
import { type SnmpTarget } from '../snmp/snmp-settings';
import { newSnmpProfileSchema, snmpProfilePatchSchema } from './snmp-profile-input';
import { type SnmpProfileEntity } from './snmp-profile.entity';
import { type SnmpProfileService } from './snmp-profile.service';

/** What the SNMP profiles router needs. */
export interface SnmpProfilesRouterDeps {
  snmpProfiles: SnmpProfileService;
  auth: AuthService;
  dataSource: DataSource;
  /** How a test identifies the device; default identifyPrinter. */
  identify?: (target: SnmpTarget) => Promise<PrinterIdentity>;
}

const testSchema = z.strictObject({
  host: hostSchema,
  profileId: z.string().min(1).max(36).nullable().optional(),
});

/** The JSON view of an SNMP profile: everything but the secrets, which only say whether they are set. */
export function snmpProfileJson(profile: SnmpProfileEntity) {
  return {
    id: profile.id,
    name: profile.name,
    version: profile.version,
    communitySet: profile.community !== '',
    writeCommunitySet: profile.writeCommunity !== null,
    port: profile.port,
    timeoutMs: profile.timeoutMs,
    retries: profile.retries,
    v3:
      profile.version === '3'
        ? {
            user: profile.v3User,
            authProtocol: profile.v3AuthProtocol,
            authKeySet: profile.v3AuthKey !== null,
            privProtocol: profile.v3PrivProtocol,
            privKeySet: profile.v3PrivKey !== null,
            context: profile.v3Context,
          }
        : null,
    isDefault: profile.isDefault,
    createdAt: profile.createdAt.toISOString(),
    updatedAt: profile.updatedAt.toISOString(),
  };
}

/** Profile settings as an audit row may hold them: secrets replaced by whether they were given. */
export function redactedSnmpProfileInput(input: Record<string, unknown>): Record<string, unknown> {
  const redacted: Record<string, unknown> = { ...input };
  for (const key of ['community', 'writeCommunity']) if (key in redacted) redacted[key] = '(set)';
  if (redacted.v3 && typeof redacted.v3 === 'object') {
    const v3: Record<string, unknown> = { ...(redacted.v3 as Record<string, unknown>) };
    for (const key of ['authKey', 'privKey']) if (key in v3) v3[key] = '(set)';
    redacted.v3 = v3;
  }
  return redacted;
}

/** The `/api/v1/snmp-profiles` router. */
export function snmpProfilesRouter(deps: SnmpProfilesRouterDeps): Router {
  const router = Router();
  const identify = deps.identify ?? identifyPrinter;
  const audit = new AuditService(new AuditLogRepository(deps.dataSource));
  router.use('/api/v1/snmp-profiles', requireAuth(deps.auth));

  router.get('/api/v1/snmp-profiles', async (_req, res) => {
    res.json({ profiles: (await deps.snmpProfiles.list()).map(snmpProfileJson) });
  });

  router.get('/api/v1/snmp-profiles/:id', async (req, res) => {
    res.json(snmpProfileJson(await deps.snmpProfiles.get(idParam(req))));
  });

  router.post('/api/v1/snmp-profiles/test', requireAdmin, async (req, res) => {
    const body = parseBody(testSchema, req.body);
    const base = { ...auditContextOf(req), action: 'snmp-profile.test', targetType: 'snmp-profile' };
    const details = { host: body.host, profileId: body.profileId ?? null };
    try {
      const profile = await deps.snmpProfiles.settingsById(body.profileId);
      const identity = await identify({ host: body.host, profile });
      await audit.record({ ...base, targetId: body.profileId ?? null, details, outcome: 'ok' });
      res.json({ host: body.host, profileId: body.profileId ?? null, identity });
    } catch (err) {
      const failure = isQuireError(err)
        ? { errorCode: err.code, error: err.message }
        : { errorCode: 'INTERNAL' };
      await audit.record({
        ...base,
        targetId: body.profileId ?? null,
        details: { ...details, ...failure },
        outcome: 'failed',
      });
      throw err;
    }
  });

  router.post('/api/v1/snmp-profiles', requireAdmin, async (req, res) => {
    const body = parseBody(newSnmpProfileSchema, req.body);
    const profile = await auditedWrite(
      req,
      {
        action: 'snmp-profile.create',
        targetType: 'snmp-profile',
        details: { settings: redactedSnmpProfileInput(body) },
      },
      deps.dataSource,
      async (manager, scope) => {
        const created = await deps.snmpProfiles.create(body, manager);
        scope.targetId = created.id;
        return created;
      },
    );
    res.status(201).json(snmpProfileJson(profile));
  });

  router.patch('/api/v1/snmp-profiles/:id', requireAdmin, async (req, res) => {
    const id = idParam(req);
    const patch = parseBody(snmpProfilePatchSchema, req.body);
    const profile = await auditedWrite(
      req,
      {
        action: 'snmp-profile.update',
        targetType: 'snmp-profile',
        targetId: id,
        details: { changes: redactedSnmpProfileInput(patch) },
      },
      deps.dataSource,
      (manager) => deps.snmpProfiles.update(id, patch, manager),
    );
    res.json(snmpProfileJson(profile));
  });

  router.post('/api/v1/snmp-profiles/:id/default', requireAdmin, async (req, res) => {
    const id = idParam(req);
    const profile = await auditedWrite(
      req,
      { action: 'snmp-profile.set-default', targetType: 'snmp-profile', targetId: id },
      deps.dataSource,
      (manager) => deps.snmpProfiles.setDefault(id, manager),
    );
    res.json(snmpProfileJson(profile));
  });

  router.delete('/api/v1/snmp-profiles/:id', requireAdmin, async (req, res) => {
    const id = idParam(req);
    await auditedWrite(
      req,
      { action: 'snmp-profile.delete', targetType: 'snmp-profile', targetId: id },
      deps.dataSource,
      (manager) => deps.snmpProfiles.remove(id, manager),
    );
    res.status(204).end();
  });

  return router;
}
