/**
 * A site REST API under test on 127.0.0.1, for the REST API tests: the server core as production opens it (with
 * the admin password set), a second user `clerk` who is not an admin, the test's routers mounted behind the
 * auth router, and both users signed in. The tests differ only in what they compose and mount.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Express } from 'express';
import {
  authRouter,
  createHttpApp,
  createSilentLogger,
  hashPassword,
  HttpServer,
  loadConfig,
  openServerCore,
  type Logger,
  type ServerCore,
} from '@quire/common';
import { jsonRequest } from '@quire/testkit';
import { siteEntities } from '../src/job-core';
import { siteMigrations } from '../src/migrations';

/** What to start. */
export interface SiteApiServerOptions {
  dbUrl: string;
  /** Names the temporary data directory (`quire-site-<name>-`). */
  name: string;
  adminPassword: string;
  clerkPassword: string;
  /** Default: the site's. */
  entities?: unknown[];
  /** Default: the site's. */
  migrations?: unknown[];
  /** Build what the routers need on the open core, and return how to mount them. */
  compose: (core: ServerCore, logger: Logger) => Promise<(app: Express) => void> | ((app: Express) => void);
}

/** A started site API. */
export interface SiteApiServer {
  core: ServerCore;
  /** `http://127.0.0.1:PORT`. */
  base: string;
  adminToken: string;
  clerkToken: string;
  close(): Promise<void>;
}

async function login(base: string, username: string, password: string): Promise<string> {
  const res = await jsonRequest(base, 'POST', '/api/v1/auth/login', undefined, { username, password });
  if (typeof res.body.token !== 'string') throw new Error(`${username} could not sign in: ${res.status}`);
  return res.body.token;
}

/** Open the core, add the clerk, mount what `compose` gives, listen, and sign both users in. */
export async function startSiteApiServer(options: SiteApiServerOptions): Promise<SiteApiServer> {
  const config = loadConfig({
    role: 'site',
    env: {
      QUIRE_DB_URL: options.dbUrl,
      QUIRE_DATA_DIR: mkdtempSync(path.join(tmpdir(), `quire-site-${options.name}-`)),
      QUIRE_ADMIN_PASSWORD: options.adminPassword,
    },
  });
  const logger = createSilentLogger();
  const core = await openServerCore({
    config,
    logger,
    entities: (options.entities ?? siteEntities) as never[],
    migrations: (options.migrations ?? siteMigrations) as never[],
    printOnce: () => undefined,
  });
  const http = new HttpServer();
  try {
    await core.users.create(
      {
        username: 'clerk',
        displayName: 'Clerk',
        passwordHash: await hashPassword(options.clerkPassword),
        isAdmin: false,
      },
      new Date(),
    );
    const mount = await options.compose(core, logger);
    const app = createHttpApp({
      logger,
      metrics: core.metrics,
      mount: (express) => {
        express.use(authRouter(core.auth));
        mount(express);
      },
    });
    const base = `http://127.0.0.1:${await http.listen(app, '127.0.0.1', 0)}`;
    return {
      core,
      base,
      adminToken: await login(base, 'admin', options.adminPassword),
      clerkToken: await login(base, 'clerk', options.clerkPassword),
      close: async () => {
        await http.close(1000);
        await core.close();
      },
    };
  } catch (err) {
    await http.close(1000).catch(() => undefined);
    await core.close();
    throw err;
  }
}
