/**
 * Test harness for common's integration suites: opens a migrated database on a given URL and serves an app with
 * the auth routes, the guards, and an audited admin route on 127.0.0.1 (port 0).
 */
import { Router } from 'express';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  AuditLogRepository,
  AuditService,
  AuthService,
  AuthTokenRepository,
  ErrorCode,
  HttpServer,
  QuireError,
  Registry,
  UserRepository,
  auditedWrite,
  authRouter,
  commonEntities,
  commonMigrations,
  createHttpApp,
  createSilentLogger,
  hashPassword,
  openDatabase,
  parseBody,
  requireAdmin,
  requireAuth,
} from '../src';

/** A migrated database with common's repositories on it. */
export interface TestDb {
  dataSource: DataSource;
  users: UserRepository;
  tokens: AuthTokenRepository;
  auditRows: AuditLogRepository;
  audit: AuditService;
}

/** Open `url` and apply common's migrations. */
export async function openTestDb(url: string): Promise<TestDb> {
  const { dataSource } = await openDatabase({ url, entities: commonEntities, migrations: commonMigrations });
  const auditRows = new AuditLogRepository(dataSource);
  return {
    dataSource,
    users: new UserRepository(dataSource),
    tokens: new AuthTokenRepository(dataSource),
    auditRows,
    audit: new AuditService(auditRows),
  };
}

/** Insert a user with a local password. */
export async function addUser(db: TestDb, username: string, password: string, isAdmin: boolean) {
  const passwordHash = await hashPassword(password);
  return db.users.create({ username, displayName: username, passwordHash, isAdmin }, new Date());
}

const createUserBody = z.object({
  username: z.string().min(1).max(64),
  failAfterInsert: z.boolean().optional(),
});

/**
 * An admin write as real routes do it: the user insert and its audit row share a transaction; asking it to
 * fail after the insert shows the rollback.
 */
function adminUsersRouter(db: TestDb, auth: AuthService): Router {
  const router = Router();
  router.post('/api/v1/users', requireAuth(auth), requireAdmin, async (req, res) => {
    const body = parseBody(createUserBody, req.body);
    const user = await auditedWrite(
      req,
      { action: 'user.create', targetType: 'user', details: { username: body.username } },
      db.dataSource,
      async (manager, scope) => {
        const created = await db.users.create(
          { username: body.username, displayName: body.username, passwordHash: null, isAdmin: false },
          new Date(),
          manager,
        );
        scope.targetId = created.id;
        if (body.failAfterInsert)
          throw new QuireError(ErrorCode.Conflict, 'Refused after the insert, on request');
        return created;
      },
    );
    res.status(201).json({ id: user.id, username: user.username });
  });
  return router;
}

/** A served app and how to reach and stop it. */
export interface TestServer {
  base: string;
  auth: AuthService;
  close(): Promise<void>;
}

/** Serve the auth routes and the audited admin route for `db` on a loopback port. */
export async function serveAuthApp(db: TestDb): Promise<TestServer> {
  const auth = new AuthService({
    users: db.users,
    tokens: db.tokens,
    audit: db.audit,
    settings: { tokenTtlMinutes: 60, maxFailedLogins: 5, lockoutMinutes: 15 },
  });
  const app = createHttpApp({
    logger: createSilentLogger(),
    metrics: new Registry(),
    mount: (a) => {
      a.use(authRouter(auth));
      a.use(adminUsersRouter(db, auth));
    },
  });
  const server = new HttpServer();
  const port = await server.listen(app, '127.0.0.1', 0);
  return { base: `http://127.0.0.1:${port}`, auth, close: () => server.close(2000) };
}

/** POST JSON and return status and parsed body (null for an empty body). */
export async function postJson(url: string, body: unknown, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}
