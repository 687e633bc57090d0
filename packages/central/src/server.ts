/**
 * Composition root of the central server: opens the database, bootstraps the admin, wires the sites domain to
 * the federation gRPC server and the REST API, and returns a handle that stops everything in reverse order.
 */
import {
  type Logger,
  type QuireConfig,
  authRouter,
  openServerCore,
  migrateDatabase,
  HttpServer,
  createHttpApp,
  loadLookupKeys,
  describeError,
} from '@quire/common';
import { type DataSource } from 'typeorm';
import {
  DirectoryCardEntity,
  DirectoryChangeEntity,
  DirectoryChangeFeed,
  DirectoryDelegateEntity,
  DirectoryGroupEntity,
  DirectoryGroupsService,
  DirectoryMembershipEntity,
  DirectoryNameEntity,
  DirectoryRepository,
  DirectoryRightEntity,
  DirectorySourceEntity,
  DirectorySyncRunEntity,
  DirectorySyncService,
  DirectoryUserEntity,
  DirectoryUsersService,
  DirectoryVersionEntity,
  directoryRouter,
  RightsService,
} from './directory';
import { DirectoryCodesService } from './directory/directory-codes.service';
import { directoryLogin } from './directory/directory-login';
import { DirectorySourcesService, loadSourcesFile } from './directory/directory-sources.service';
import { PinResetService, DirectoryPinResetEntity } from './directory/pin-reset.service';
import { sourcesRouter } from './directory/sources.routes';
import { DirectorySettingEntity, DirectorySettings } from './directory/directory-settings';
import { ErrorEventNotifier } from './directory/error-event-notifier';
import { notificationsRouter } from './directory/notifications.routes';
import { PrinterReportsRepository, PrinterReportsService, printerReportsRouter } from './printer-reports';
import { directoryPublisher, FederationServer, type SessionParticipantFactory } from './federation';
import { setUpFederationTls } from './federation/federation-ca-tls';
import { centralMigrations } from './migrations';
import { SiteEntity } from './sites/site.entity';
import { SiteRepository } from './sites/site.repository';
import { sitesRouter } from './sites/sites.routes';
import { SitesService } from './sites/sites.service';
import { buildTemplates, templateEntities, templatesRouter } from './templates';
import {
  buildReplication,
  centralJobsRouter,
  REPLICATED_ENTITIES,
  type CentralReplication,
} from './replication';
import { centralVersion } from './version';

/** Central's own entities (common ones are added by the server core). */
export const centralEntities = [
  SiteEntity,
  ...REPLICATED_ENTITIES,
  ...templateEntities,
  DirectoryUserEntity,
  DirectoryNameEntity,
  DirectoryCardEntity,
  DirectoryGroupEntity,
  DirectoryMembershipEntity,
  DirectoryDelegateEntity,
  DirectoryRightEntity,
  DirectoryChangeEntity,
  DirectoryVersionEntity,
  DirectorySyncRunEntity,
  DirectorySourceEntity,
  DirectorySettingEntity,
  DirectoryPinResetEntity,
];

/** The directory's services, composed on an open DataSource. */
export async function buildDirectory(config: QuireConfig, logger: Logger, dataSource: DataSource) {
  const repository = new DirectoryRepository();
  const lookupKeys = await loadLookupKeys(config.directory.lookupKey, config.data.dir);
  const groups = new DirectoryGroupsService({ dataSource, repository });
  const settings = new DirectorySettings(dataSource);
  const sync = new DirectorySyncService({
    dataSource,
    lookupKeys,
    logger: logger.child({ component: 'directory-sync' }),
  });
  const sources = new DirectorySourcesService({
    dataSource,
    repository,
    sync,
    logger: logger.child({ component: 'directory-sources' }),
    fileSources: await loadSourcesFile(config.directory.sourcesFile),
  });
  return {
    lookupKeys,
    repository,
    sources,
    pinReset: new PinResetService({
      dataSource,
      repository,
      settings,
      lookupKeys,
      pinMinLength: config.directory.pinMinLength,
      logger: logger.child({ component: 'pin-reset' }),
    }),
    settings,
    codes: new DirectoryCodesService({
      dataSource,
      repository,
      groups,
      settings,
      lookupKeys,
      pinMinLength: config.directory.pinMinLength,
      logger: logger.child({ component: 'directory-codes' }),
    }),
    users: new DirectoryUsersService({
      dataSource,
      repository,
      lookupKeys,
      pinMinLength: config.directory.pinMinLength,
    }),
    groups,
    rights: new RightsService(dataSource, repository, groups),
    feed: new DirectoryChangeFeed(dataSource, repository),
    sync,
  };
}

export interface StartCentralOptions {
  config: QuireConfig;
  logger: Logger;
  /** Shows the generated admin password once (the CLI writes it to standard error). */
  printOnce: (text: string) => void;
}

export interface CentralServer {
  httpPort: number;
  grpcPort: number;
  stop(): Promise<void>;
}

/** Apply central's pending migrations (`quire-central db migrate`). */
export function migrateCentralDatabase(config: QuireConfig): Promise<string[]> {
  return migrateDatabase(config, centralEntities, centralMigrations);
}

/** Start central: the REST API on `http.port` and the federation server on `grpc.port`. */
export async function startCentral(options: StartCentralOptions): Promise<CentralServer> {
  const { config, logger } = options;
  const core = await openServerCore({
    config,
    logger,
    entities: centralEntities,
    migrations: centralMigrations,
    printOnce: options.printOnce,
  });
  let errorEvents: ErrorEventNotifier | undefined;
  let replication: CentralReplication | undefined;
  try {
    const sites = new SitesService({
      sites: new SiteRepository(core.dataSource),
      logger: logger.child({ component: 'sites' }),
      enrolmentTokenTtlHours: config.federation.enrolmentTokenTtlHours,
    });
    const recordError = (siteId: string, error: string | null) => {
      sites
        .recordError(siteId, error)
        .catch((err: unknown) =>
          logger.warn('could not record a site replication error', { siteId, error: describeError(err) }),
        );
    };
    const templates = buildTemplates({
      dataSource: core.dataSource,
      logger,
      recordApplied: (siteId, version) => sites.recordTemplateVersion(siteId, version),
      recordError,
    });
    const directory = await buildDirectory(config, logger, core.dataSource);
    const replicated = buildReplication({ dataSource: core.dataSource, sites, logger });
    replication = replicated;
    const directoryFeed = directoryPublisher({
      dataSource: core.dataSource,
      feed: directory.feed,
      repository: directory.repository,
      logger: logger.child({ component: 'directory-publisher' }),
      recordApplied: (siteId, version) => sites.recordDirectoryVersion(siteId, version),
      recordError,
    });
    const participants: SessionParticipantFactory[] = [
      replicated.inbox,
      templates.publisher,
      directoryFeed.participant,
      // Sites compute the same PIN and card lookup keys as central: they get its secret on every welcome.
      () => ({ welcome: async () => ({ lookupKey: directory.lookupKeys.secret }) }),
    ];
    const federationTls = await setUpFederationTls(config, logger.child({ component: 'federation' }));
    const federation = new FederationServer({
      participants,
      authority: sites,
      logger: logger.child({ component: 'federation' }),
      metrics: core.metrics,
      heartbeatSeconds: config.federation.heartbeatSeconds,
      heartbeatTimeoutSeconds: config.federation.heartbeatTimeoutSeconds,
      centralVersion,
      tls: federationTls.tls,
      siteCertificates: federationTls.siteCertificates,
    });
    replicated.registerMetrics(core.metrics, federation.sessions);
    errorEvents = new ErrorEventNotifier({
      settings: directory.settings,
      logger: logger.child({ component: 'error-events' }),
    });
    await errorEvents.start(logger);
    core.auth.setExternalLogin(directoryLogin(core.dataSource, directory.repository, directory.sources));
    await directory.sources.start();
    const grpcPort = await federation.start(config.grpc.host, config.grpc.port);
    const app = createHttpApp({
      logger,
      metrics: core.metrics,
      readinessChecks: [core.databaseCheck],
      mount: (app) => {
        app.use(authRouter(core.auth));
        app.use(
          sitesRouter({ sites, sessions: federation.sessions, auth: core.auth, dataSource: core.dataSource }),
        );
        app.use(directoryRouter({ ...directory, auth: core.auth, dataSource: core.dataSource }));
        app.use(
          notificationsRouter({ ...directory, errorEvents, auth: core.auth, dataSource: core.dataSource }),
        );
        app.use(sourcesRouter({ ...directory, auth: core.auth }));
        app.use(centralJobsRouter({ jobs: replicated.jobs, auth: core.auth, rights: directory.rights }));
        app.use(
          templatesRouter({ templates: templates.store, auth: core.auth, dataSource: core.dataSource }),
        );
        app.use(
          printerReportsRouter({
            reports: new PrinterReportsService(new PrinterReportsRepository(core.dataSource), sites),
            auth: core.auth,
            rights: directory.rights,
          }),
        );
      },
    });
    const http = new HttpServer();
    const httpPort = await http.listen(app, config.http.host, config.http.port);
    logger.info('central started', { httpPort, grpcPort, version: centralVersion });
    return {
      httpPort,
      grpcPort,
      async stop() {
        await http.close(config.http.shutdownTimeoutSeconds * 1000);
        await directory.sources.stop();
        await federation.stop(2000);
        directoryFeed.close();
        await replication?.close();
        await errorEvents?.stop();
        await core.close();
        logger.info('central stopped');
      },
    };
  } catch (err) {
    await replication?.close();
    await errorEvents?.stop();
    await core.close();
    throw err;
  }
}
