/**
 * Composition root of the site server: opens the database, prepares the spool directory, starts the link to
 * central (never waiting for it: a site prints whether or not central answers), mounts the REST API, and returns
 * a handle that stops everything in reverse order.
 */
import { readFile } from 'node:fs/promises';
import {
  type Logger,
  type QuireConfig,
  type ReadinessCheck,
  authRouter,
  createHttpApp,
  HttpServer,
  migrateDatabase,
  openServerCore,
} from '@quire/common';
import { CentralLink } from './federation';
import { siteStatusRouter } from './site-status.routes';
import { checkSpoolHealth, ensureSpoolDirectory } from './spool/spool-health';
import { siteVersion } from './version';

const siteEntities: never[] = [];
const siteMigrations: never[] = [];

export interface StartSiteOptions {
  config: QuireConfig;
  logger: Logger;
  /** Shows the generated admin password once (the CLI writes it to standard error). */
  printOnce: (text: string) => void;
}

export interface SiteServer {
  httpPort: number;
  centralLink: CentralLink | null;
  stop(): Promise<void>;
}

/** Apply the site's pending migrations (`quire-site db migrate`). */
export function migrateSiteDatabase(config: QuireConfig): Promise<string[]> {
  return migrateDatabase(config, siteEntities, siteMigrations);
}

async function createCentralLink(config: QuireConfig, logger: Logger, metrics: CentralLinkMetrics) {
  if (!config.central.address) return null;
  return new CentralLink({
    address: config.central.address,
    tls: {
      enabled: config.central.tls,
      caPem: config.central.caFile ? await readFile(config.central.caFile) : undefined,
    },
    enrolmentToken: config.enrolment.token,
    siteName: config.site.name,
    siteVersion,
    dataDir: config.data.dir,
    heartbeatSeconds: config.federation.heartbeatSeconds,
    heartbeatTimeoutSeconds: config.federation.heartbeatTimeoutSeconds,
    reconnectMinMs: config.federation.reconnectMinMs,
    reconnectMaxMs: config.federation.reconnectMaxMs,
    logger: logger.child({ component: 'central-link' }),
    metrics,
  });
}
type CentralLinkMetrics = ConstructorParameters<typeof CentralLink>[0]['metrics'];

function centralLinkCheck(link: CentralLink | null): ReadinessCheck {
  return {
    name: 'central',
    // Reported, never failing: the site keeps printing while central is away.
    async check() {
      if (!link) return { ok: true, detail: 'standalone (QUIRE_CENTRAL_ADDRESS not set)' };
      const status = link.status();
      const error = status.lastError ? `: ${status.lastError}` : '';
      return { ok: true, detail: `${status.state} since ${status.since.toISOString()}${error}` };
    },
  };
}

/** Start the site: the REST API on `http.port`, and the link to central when `central.address` is set. */
export async function startSite(options: StartSiteOptions): Promise<SiteServer> {
  const { config, logger } = options;
  await ensureSpoolDirectory(config.spool.dir);
  const core = await openServerCore({
    config,
    logger,
    entities: siteEntities,
    migrations: siteMigrations,
    printOnce: options.printOnce,
  });
  const link = await createCentralLink(config, logger, core.metrics).catch(async (err: unknown) => {
    await core.close();
    throw err;
  });
  link?.start();
  const spoolCheck: ReadinessCheck = {
    name: 'spool',
    check: () => checkSpoolHealth(config.spool.dir, config.spool.minFreeMb),
  };
  const app = createHttpApp({
    logger,
    metrics: core.metrics,
    readinessChecks: [core.databaseCheck, spoolCheck, centralLinkCheck(link)],
    mount: (app) => {
      app.use(authRouter(core.auth));
      app.use(
        siteStatusRouter({
          auth: core.auth,
          link,
          siteName: config.site.name,
          centralAddress: config.central.address,
        }),
      );
    },
  });
  const http = new HttpServer();
  let httpPort: number;
  try {
    httpPort = await http.listen(app, config.http.host, config.http.port);
  } catch (err) {
    await link?.stop();
    await core.close();
    throw err;
  }
  logger.info('site started', {
    httpPort,
    site: config.site.name,
    central: config.central.address || null,
    version: siteVersion,
  });
  return {
    httpPort,
    centralLink: link,
    async stop() {
      await http.close(config.http.shutdownTimeoutSeconds * 1000);
      await link?.stop();
      await core.close();
      logger.info('site stopped');
    },
  };
}
