/**
 * REST front-end of the directory on central: users (`/api/v1/users`), groups (`/api/v1/groups`), rights
 * (`/api/v1/rights`), the CSV import, the sync history, and the change feed sites follow
 * (`/api/v1/directory/changes`, `/snapshot`). Reading needs a signed-in caller with `manage-users` (the feed:
 * `administrator`); every write is audited in the transaction that makes it. PINs, cards and passwords never come
 * back out: a user's JSON says only whether they are set.
 */
import express, { Router, type Request } from 'express';
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
import { type DirectoryChangeFeed } from './change-feed';
import { csvImportOptionsSchema, DEFAULT_CSV_IMPORT_OPTIONS, parseUserCsv } from './csv-user-import';
import { type DirectoryGroupEntity } from './directory-group.entity';
import { type DirectoryGroupsService } from './directory-groups.service';
import { type DirectorySyncService } from './directory-sync.service';
import { type DirectoryUsersService, type UserDetails } from './directory-users.service';
import { RIGHTS, type RightsService } from './rights';
import { newUserSchema, userPatchSchema } from './user-input';

/** What the directory routes need. */
export interface DirectoryRouterDeps {
  users: DirectoryUsersService;
  groups: DirectoryGroupsService;
  rights: RightsService;
  feed: DirectoryChangeFeed;
  sync: DirectorySyncService;
  auth: AuthService;
  dataSource: DataSource;
}

const PAGE_MAX = 500;

const listSchema = z.strictObject({
  search: z.string().max(128).optional(),
  state: z.enum(['active', 'disabled', 'deleted']).optional(),
  source: z.string().max(80).optional(),
  limit: z.coerce.number().int().min(1).max(PAGE_MAX).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const groupSchema = z.strictObject({
  name: z.string().min(1).max(128),
  parentId: z.uuid().nullable().optional(),
});
const groupPatchSchema = groupSchema.partial();
const rightsSchema = z.strictObject({
  subjectKind: z.enum(['user', 'group']),
  subjectId: z.uuid(),
  rights: z.array(z.enum(RIGHTS)).max(RIGHTS.length),
});
const importQuerySchema = csvImportOptionsSchema.partial().extend({
  dryRun: z.enum(['true', 'false']).optional(),
  addNew: z.enum(['true', 'false']).optional(),
  disableMissing: z.enum(['true', 'false']).optional(),
  lowercaseUsernames: z.enum(['true', 'false']).optional(),
  pairByPersonalNumber: z.enum(['true', 'false']).optional(),
  delimiter: z.enum([';', ',', 'tab']).optional(),
});

/** The JSON of a user: never a PIN, card or password, only whether they are set. */
export function userJson(details: UserDetails) {
  const { user } = details;
  return {
    id: user.id,
    username: user.username,
    aliases: details.aliases,
    fullName: user.fullName,
    email: user.email,
    personalNumber: user.personalNumber,
    phone: user.phone,
    language: user.language,
    notes: user.notes,
    hasPin: user.pinKey !== null,
    hasPassword: user.passwordHash !== null,
    cards: details.cards.map((card) => ({ validUntil: card.validUntil?.toISOString() ?? null })),
    groups: details.groups,
    delegates: details.delegates,
    keepForReprint: user.keepForReprint,
    source: user.source,
    state: user.state,
    anonymised: user.anonymised,
    version: user.version,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

function groupJson(group: DirectoryGroupEntity) {
  return {
    id: group.id,
    name: group.name,
    parentId: group.parentId,
    source: group.source,
    version: group.version,
  };
}

function query(req: Request): Record<string, unknown> {
  return { ...(req.query as Record<string, unknown>) };
}

function id(req: Request): string {
  return String(req.params.id);
}

/** The directory router. */
export function directoryRouter(deps: DirectoryRouterDeps): Router {
  const router = Router();
  const manageUsers = deps.rights.require('manage-users');
  // Not the whole of /api/v1/directory: the PIN reset there is for users who cannot sign in.
  router.use(
    [
      '/api/v1/users',
      '/api/v1/groups',
      '/api/v1/rights',
      '/api/v1/directory/import',
      '/api/v1/directory/sync-runs',
      '/api/v1/directory/changes',
      '/api/v1/directory/snapshot',
    ],
    requireAuth(deps.auth),
  );
  router.use(['/api/v1/users', '/api/v1/groups', '/api/v1/rights', '/api/v1/directory/import'], manageUsers);
  router.use(
    ['/api/v1/directory/changes', '/api/v1/directory/snapshot'],
    deps.rights.require('administrator'),
  );

  router.get('/api/v1/users', async (req, res) => {
    const q = parseBody(listSchema, query(req));
    const { users, total } = await deps.users.list({ ...q, states: q.state ? [q.state] : undefined });
    const details = await Promise.all(users.map((user) => deps.users.details(user.id)));
    const next = q.offset + users.length;
    res.json({ users: details.map(userJson), total, nextOffset: next < total ? next : null });
  });

  router.post('/api/v1/users', async (req, res) => {
    const body = parseBody(newUserSchema, req.body);
    const user = await auditedWrite(
      req,
      { action: 'user.create', targetType: 'user', details: { username: body.username } },
      deps.dataSource,
      async (manager, scope) => {
        const created = await deps.users.create(body, 'manual', manager);
        scope.targetId = created.id;
        return created;
      },
    );
    res.status(201).json(userJson(await deps.users.details(user.id)));
  });

  router.get('/api/v1/users/:id', async (req, res) => {
    res.json(userJson(await deps.users.details(id(req))));
  });

  router.patch('/api/v1/users/:id', async (req, res) => {
    const patch = parseBody(userPatchSchema, req.body);
    const fields = Object.keys(patch);
    await auditedWrite(
      req,
      { action: 'user.update', targetType: 'user', targetId: id(req), details: { fields } },
      deps.dataSource,
      (m) => deps.users.update(id(req), patch, m),
    );
    res.json(userJson(await deps.users.details(id(req))));
  });

  for (const [verb, action] of [
    ['delete', 'remove'],
    ['undelete', 'undelete'],
    ['anonymise', 'anonymise'],
  ] as const) {
    const path = verb === 'delete' ? '/api/v1/users/:id' : `/api/v1/users/:id/${verb}`;
    const method = verb === 'delete' ? router.delete.bind(router) : router.post.bind(router);
    method(path, async (req, res) => {
      await auditedWrite(
        req,
        { action: `user.${verb}`, targetType: 'user', targetId: id(req) },
        deps.dataSource,
        (m) => deps.users[action](id(req), m),
      );
      res.json(userJson(await deps.users.details(id(req))));
    });
  }

  router.get('/api/v1/groups', async (_req, res) => {
    res.json({ groups: (await deps.groups.list()).map(groupJson) });
  });

  router.post('/api/v1/groups', async (req, res) => {
    const body = parseBody(groupSchema, req.body);
    const group = await auditedWrite(
      req,
      { action: 'group.create', targetType: 'group', details: body },
      deps.dataSource,
      async (m, scope) => {
        const created = await deps.groups.create(body.name, body.parentId ?? null, 'manual', m);
        scope.targetId = created.id;
        return created;
      },
    );
    res.status(201).json(groupJson(group));
  });

  router.patch('/api/v1/groups/:id', async (req, res) => {
    const body = parseBody(groupPatchSchema, req.body);
    const group = await auditedWrite(
      req,
      { action: 'group.update', targetType: 'group', targetId: id(req), details: body },
      deps.dataSource,
      (m) => deps.groups.update(id(req), body, m),
    );
    res.json(groupJson(group));
  });

  router.delete('/api/v1/groups/:id', async (req, res) => {
    await auditedWrite(
      req,
      { action: 'group.delete', targetType: 'group', targetId: id(req) },
      deps.dataSource,
      (m) => deps.groups.remove(id(req), m),
    );
    res.status(204).end();
  });

  router.get('/api/v1/rights', async (_req, res) => {
    res.json({ rights: RIGHTS, grants: await deps.rights.list() });
  });

  router.put('/api/v1/rights', deps.rights.require('administrator'), async (req, res) => {
    const body = parseBody(rightsSchema, req.body);
    await auditedWrite(
      req,
      {
        action: 'rights.set',
        targetType: body.subjectKind,
        targetId: body.subjectId,
        details: { rights: body.rights },
      },
      deps.dataSource,
      (m) => deps.rights.set(body, m),
    );
    res.json(body);
  });

  router.post(
    '/api/v1/directory/import',
    express.raw({ type: () => true, limit: '50mb' }),
    async (req, res) => {
      const q = parseBody(importQuerySchema, query(req));
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
        throw new QuireError(ErrorCode.ValidationFailed, 'Send the CSV file as the request body (text/csv)');
      }
      const started = new Date();
      let read: ReturnType<typeof parseUserCsv>;
      try {
        read = parseUserCsv(req.body, { delimiter: q.delimiter === 'tab' ? '\t' : q.delimiter });
      } catch (err) {
        // A file that cannot be read applies nothing, but the attempt is in the history like any run.
        await deps.sync.recordFailure('csv', q.dryRun === 'true', err, started);
        throw err;
      }
      const flag = (value: 'true' | 'false' | undefined, fallback: boolean) =>
        value === undefined ? fallback : value === 'true';
      const report = await deps.sync.run(
        read,
        {
          source: 'csv',
          addNew: flag(q.addNew, true),
          disableMissing: flag(q.disableMissing, false),
          lowercaseUsernames: flag(q.lowercaseUsernames, false),
          pairByPersonalNumber: flag(q.pairByPersonalNumber, false),
          merge: {
            cards: q.cards ?? DEFAULT_CSV_IMPORT_OPTIONS.cards,
            pin: q.pin ?? DEFAULT_CSV_IMPORT_OPTIONS.pin,
            groups: q.groups ?? DEFAULT_CSV_IMPORT_OPTIONS.groups,
            delegates: q.delegates ?? DEFAULT_CSV_IMPORT_OPTIONS.delegates,
          },
        },
        flag(q.dryRun, false),
      );
      await deps.auth.audit.record({
        ...auditContextOf(req),
        action: 'directory.import',
        targetType: 'directory',
        targetId: report.runId,
        details: { dryRun: report.dryRun, status: report.status, counts: report.counts },
        outcome: report.status === 'failed' ? 'failed' : 'ok',
      });
      res.status(report.status === 'failed' ? 500 : 200).json(report);
    },
  );

  router.get('/api/v1/directory/sync-runs', manageUsers, async (req, res) => {
    const q = parseBody(
      z.strictObject({
        source: z.string().max(80).optional(),
        limit: z.coerce.number().int().min(1).max(500).default(50),
      }),
      query(req),
    );
    const runs = await deps.sync.history(q.source, q.limit);
    res.json({
      runs: runs.map((run) => ({
        id: run.id,
        source: run.source,
        dryRun: run.dryRun,
        status: run.status,
        startedAt: run.startedAt.toISOString(),
        durationMs: run.durationMs,
        counts: JSON.parse(run.counts) as unknown,
        errors: JSON.parse(run.errors) as unknown,
      })),
    });
  });

  router.get('/api/v1/directory/changes', async (req, res) => {
    const q = parseBody(
      z.strictObject({
        since: z.coerce.number().int().min(0),
        limit: z.coerce.number().int().min(1).max(5000).default(1000),
      }),
      query(req),
    );
    res.json(await deps.feed.changesSince(q.since, q.limit));
  });

  router.get('/api/v1/directory/snapshot', async (_req, res) => {
    res.json(await deps.feed.snapshot());
  });

  return router;
}
