/**
 * Composition root of the site server: opens the database, prepares the spool directory, starts the link to
 * central (never waiting for it: a site prints whether or not central answers), mounts the REST API, and returns
 * a handle that stops everything in reverse order.
 */
import { readFile } from 'node:fs/promises';
import { type DataSource } from 'typeorm';
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
import { loadLookupKeys } from '@quire/common';
import { directoryRouter } from './directory';
import {
  buildTemplateApplier,
  CentralLink,
  DirectorySink,
  directoryApplier,
  LookupKeyAdopter,
  OutboxSender,
  registerReplicationMetrics,
  type LinkParticipant,
} from './federation';
import { startIntakeListeners, type IntakeListeners } from './intake/intake-listeners';
import { buildJobCore, siteEntities, type JobCore } from './job-core';
import { jobsRouter } from './jobs';
import { siteMigrations } from './migrations';
import { buildPrinterSubsystem } from './printers/printer-subsystem';
import { queuesRouter } from './queues';
import { releaseRouter } from './release/release.routes';
import { RetentionTask } from './release/retention';
import { siteStatusRouter } from './site-status.routes';
import { checkSpoolHealth, ensureSpoolDirectory } from './spool/spool-health';
import { TerminalAuthService } from './terminal/terminal-auth.service';
import { terminalRouter } from './terminal/terminal.routes';
import { TerminalService } from './terminal/terminal.service';
import { terminalPageRouter } from './terminal/web/terminal-page.routes';
import { siteVersion } from './version';

export interface StartSiteOptions {
  config: QuireConfig;
  logger: Logger;
  /** Shows the generated admin password once (the CLI writes it to standard error). */
  printOnce: (text: string) => void;
}

export interface SiteServer {
  httpPort: number;
  intakePorts: IntakeListeners['ports'];
  centralLink: CentralLink | null;
  stop(): Promise<void>;
}

/** Apply the site's pending migrations (`quire-site db migrate`). */
export function migrateSiteDatabase(config: QuireConfig): Promise<string[]> {
  return migrateDatabase(config, siteEntities, siteMigrations);
}

async function createCentralLink(
  config: QuireConfig,
  logger: Logger,
  metrics: CentralLinkMetrics,
  participants: LinkParticipant[],
) {
  if (!config.central.address) return null;
  return new CentralLink({
    address: config.central.address,
    tls: {
      enabled: config.central.tls,
      caPem: config.central.caFile ? await readFile(config.central.caFile) : undefined,
      clientCertificate: config.central.clientCertificate,
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
    participants,
  });
}
type CentralLinkMetrics = ConstructorParameters<typeof CentralLink>[0]['metrics'];

/**
 * The parts of the site that replicate with central (none on a standalone site): the outbox sender, the
 * lookup-key adopter, and the directory and template appliers, whose versions also go into `/metrics`.
 */
function replicationParticipants(
  config: QuireConfig,
  logger: Logger,
  core: { dataSource: DataSource; metrics: CentralLinkMetrics },
  jobCore: JobCore,
): LinkParticipant[] {
  if (!config.central.address || !jobCore.outbox) return [];
  const directorySink = new DirectorySink({ dataSource: core.dataSource });
  const directory = {
    sink: directorySink,
    applier: directoryApplier({
      sink: directorySink,
      logger: logger.child({ component: 'directory-replication' }),
    }),
  };
  const templates = buildTemplateApplier({ dataSource: core.dataSource, queues: jobCore.queues, logger });
  registerReplicationMetrics(core.metrics, [
    { name: 'directory', ...directory },
    { name: 'templates', ...templates },
  ]);
  return [
    new OutboxSender({ outbox: jobCore.outbox, logger: logger.child({ component: 'outbox' }) }),
    new LookupKeyAdopter({
      lookupKeys: jobCore.directory.lookupKeys,
      dataDir: config.data.dir,
      configured: Boolean(config.terminal.lookupKey),
      logger: logger.child({ component: 'central-link' }),
    }),
    directory.applier,
    templates.applier,
  ];
}

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

/**
 * Start the site: recover the spool (analysing and routing the jobs a crash left in `processing`), open the
 * print-intake listeners, the REST API on `http.port`, and the link to central when `central.address` is set.
 * Recovery runs before any listener opens, because an upload in flight looks exactly like a crash leftover.
 */
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
  const stops: Array<() => Promise<void>> = [() => core.close()];
  const stopAll = async () => {
    for (const stop of [...stops].reverse()) await stop();
  };
  try {
    const jobCore = buildJobCore(core.dataSource, {
      spoolDir: config.spool.dir,
      maxJobSizeMb: config.jobs.maxSizeMb,
      logger,
      analysis: config.analysis,
      lookupKeys: await loadLookupKeys(config.terminal.lookupKey, config.data.dir),
      outputTimeouts: {
        connectMs: config.release.connectTimeoutSeconds * 1000,
        idleMs: config.release.idleTimeoutSeconds * 1000,
        totalMs: config.release.totalTimeoutMinutes * 60_000,
      },
      hostName: config.site.name,
      replication: config.central.address ? { metrics: core.metrics } : undefined,
    });
    jobCore.outbox?.recordAuditLog();
    // Stopped after the listeners (no new jobs) and before the database (analyses in progress are stored).
    stops.push(() => jobCore.close());
    await jobCore.queues.ensureDefaultQueues();
    await jobCore.release.recoverAtStartup();
    await jobCore.intake.recoverAtStartup();
    const retention = new RetentionTask({
      dataSource: core.dataSource,
      repository: jobCore.repository,
      stateMachine: jobCore.stateMachine,
      spool: jobCore.spool,
      retentionDays: config.jobs.retentionDays,
      schedule: config.jobs.retentionSchedule,
      logger: logger.child({ component: 'retention' }),
    });
    retention.start();
    stops.push(() => retention.stop());
    const terminalAuth = new TerminalAuthService({
      dataSource: core.dataSource,
      directory: jobCore.directory,
      printers: jobCore.printers,
      audit: core.audit,
      sessionIdleSeconds: config.terminal.sessionIdleSeconds,
    });
    const terminal = new TerminalService({
      repository: jobCore.repository,
      jobs: jobCore.jobs,
      queues: jobCore.queues,
      directory: jobCore.directory,
      release: jobCore.release,
    });
    const listeners = await startIntakeListeners({
      config,
      logger,
      intake: jobCore.intake,
      queues: jobCore.queues,
      metrics: core.metrics,
      version: siteVersion,
    });
    stops.push(() => listeners.stop());
    const printerSubsystem = buildPrinterSubsystem({
      config,
      logger,
      dataSource: core.dataSource,
      auth: core.auth,
      audit: core.audit,
      metrics: core.metrics,
      printers: jobCore.printers,
      queues: jobCore.queues,
      outbox: jobCore.outbox,
    });
    await printerSubsystem.start();
    stops.push(() => printerSubsystem.stop());
    const participants = replicationParticipants(config, logger, core, jobCore);
    const link = await createCentralLink(config, logger, core.metrics, participants);
    link?.start();
    if (link) stops.push(() => link.stop());
    const spoolCheck: ReadinessCheck = {
      name: 'spool',
      check: () => checkSpoolHealth(config.spool.dir, config.spool.minFreeMb),
    };
    const app = createHttpApp({
      logger,
      metrics: core.metrics,
      readinessChecks: [core.databaseCheck, spoolCheck, listeners.readinessCheck, centralLinkCheck(link)],
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
        app.use(queuesRouter({ queues: jobCore.queues, auth: core.auth, dataSource: core.dataSource }));
        app.use(releaseRouter({ release: jobCore.release, auth: core.auth, audit: core.audit }));
        app.use(
          directoryRouter({ directory: jobCore.directory, auth: core.auth, dataSource: core.dataSource }),
        );
        app.use(jobsRouter({ jobs: jobCore.jobs, auth: core.auth, dataSource: core.dataSource }));
        for (const router of printerSubsystem.routers) app.use(router);
        app.use(
          terminalRouter({ auth: terminalAuth, terminal, printAllOnLogin: config.terminal.printAllOnLogin }),
        );
        app.use(terminalPageRouter());
      },
    });
    const http = new HttpServer();
    const httpPort = await http.listen(app, config.http.host, config.http.port);
    stops.push(() => http.close(config.http.shutdownTimeoutSeconds * 1000));
    logger.info('site started', {
      httpPort,
      intake: listeners.ports,
      site: config.site.name,
      central: config.central.address || null,
      version: siteVersion,
    });
    return {
      httpPort,
      intakePorts: listeners.ports,
      centralLink: link,
      async stop() {
        await stopAll();
        logger.info('site stopped');
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
