/**
 * The site's job core, composed once for the server and for the tests that drive it: queues, jobs and their
 * state machine, the spool, PDL analysis (its worker pool and the service that routes analysed jobs), and the
 * intake service every print front-end talks to.
 */
import { availableParallelism } from 'node:os';
import { type Registry } from 'prom-client';
import { type DataSource } from 'typeorm';
import {
  commonEntities,
  commonMigrations,
  createSilentLogger,
  createUnitWriter,
  LookupKeys,
  randomToken,
  type Logger,
} from '@quire/common';
import {
  DirectoryDelegateEntity,
  DirectoryRepository,
  DirectoryService,
  DirectoryUserEntity,
} from './directory';
import { ReplicationOutbox } from './federation/replication-outbox';
import { outboxEntities } from './federation/replication-outbox.entity';
import { templateSinkEntities } from './federation/template-sink.entities';
import { JobIntakeService } from './intake/job-intake.service';
import { JobRepository, JobStateMachine, JobsService, jobEntities } from './jobs';
import { siteMigrations } from './migrations';
import { AnalysisPool, type AnalysisMode, JobAnalysisService } from './pdl/analysis';
import { PrinterEntity, PrinterRepository, PrinterService } from './printers';
import { DiscoveryEntity } from './printers/discovery';
import { printerEventEntities } from './printers/events';
import { printerMonitoringEntities } from './printers/monitoring';
import { profileEntities } from './printers/profiles';
import { QueueEntity, QueueRepository, QueueService } from './queues';
import { siteSettingsEntities } from './settings';
import { DEFAULT_OUTPUT_TIMEOUTS, type OutputTimeouts } from './release/output-driver';
import { createOutputDriver } from './release/output-drivers';
import { ReleaseSender } from './release/release-sender';
import { ReleaseService } from './release/release.service';
import { SpoolStore } from './spool';
import { TerminalLoginFailureEntity, TerminalSessionEntity } from './terminal/terminal-session.entity';

/** The site's own entities (common ones are added by the server core). */
export const siteEntities = [
  QueueEntity,
  ...jobEntities,
  PrinterEntity,
  DirectoryUserEntity,
  DirectoryDelegateEntity,
  TerminalSessionEntity,
  TerminalLoginFailureEntity,
  ...outboxEntities,
  ...templateSinkEntities,
  ...profileEntities,
  ...printerMonitoringEntities,
  ...printerEventEntities,
  ...siteSettingsEntities,
  DiscoveryEntity,
];

/** Every entity and migration of a site database, common ones included (for tests that open one directly). */
export const jobCoreEntities = [...commonEntities, ...siteEntities];
export const jobCoreMigrations = [...commonMigrations, ...siteMigrations];

export interface JobCore {
  dataSource: DataSource;
  queues: QueueService;
  repository: JobRepository;
  stateMachine: JobStateMachine;
  jobs: JobsService;
  spool: SpoolStore;
  analysis: JobAnalysisService;
  intake: JobIntakeService;
  printers: PrinterService;
  directory: DirectoryService;
  release: ReleaseService;
  /** The federation outbox every job change is queued in; null when the options asked for no replication. */
  outbox: ReplicationOutbox | null;
  /**
   * Stop the analysis workers (jobs still being analysed stay in `processing` for the next start), then the DB
   * writer once what it was given is committed.
   */
  close(): Promise<void>;
}

/** The `analysis.*` settings. */
export interface JobCoreAnalysisOptions {
  workers?: number;
  timeLimitSeconds?: number;
  mode?: AnalysisMode;
}

export interface JobCoreOptions {
  spoolDir: string;
  maxJobSizeMb?: number;
  logger?: Logger;
  /** Defaults: one worker per core, 60 s, standard mode. */
  analysis?: JobCoreAnalysisOptions;
  /** PIN and card lookup keys; default: under a random key (tests). */
  lookupKeys?: LookupKeys;
  /** Printer output timeouts; default DEFAULT_OUTPUT_TIMEOUTS. */
  outputTimeouts?: OutputTimeouts;
  /** The host name sent to printers (LPD `H` lines); default `quire-site`. */
  hostName?: string;
  /**
   * Queue every job creation and transition in the federation outbox (a site with a central to replicate to);
   * the outbox gauges go to `metrics` when given. Default: no outbox.
   */
  replication?: { metrics?: Registry };
}

/** Compose the job core on an open, migrated DataSource. */
export function buildJobCore(dataSource: DataSource, options: JobCoreOptions): JobCore {
  const logger = options.logger ?? createSilentLogger();
  const printerRepository = new PrinterRepository(dataSource);
  const queues = new QueueService({
    queues: new QueueRepository(dataSource),
    logger: logger.child({ component: 'queues' }),
    unknownPrinters: async (ids, manager) => {
      const found = new Set((await printerRepository.findByIds(ids, manager)).map((printer) => printer.id));
      return ids.filter((id) => !found.has(id));
    },
  });
  const printers = new PrinterService({
    printers: printerRepository,
    logger: logger.child({ component: 'printers' }),
    onRemoved: (printerId, manager) => queues.dropPrinter(printerId, manager),
  });
  const directory = new DirectoryService(
    new DirectoryRepository(dataSource),
    options.lookupKeys ?? new LookupKeys(randomToken(32)),
  );
  const repository = new JobRepository(dataSource);
  const unitWriter = createUnitWriter(dataSource);
  const outbox = options.replication
    ? new ReplicationOutbox({ dataSource, writer: unitWriter, metrics: options.replication.metrics })
    : null;
  const stateMachine = new JobStateMachine({
    jobs: repository,
    observers: outbox ? [outbox.jobObserver] : [],
  });
  const writer = outbox?.notifyingWriter() ?? unitWriter;
  const jobs = new JobsService({
    dataSource,
    jobs: repository,
    stateMachine,
    writer,
  });
  const spool = new SpoolStore(options.spoolDir);
  const analysisLogger = logger.child({ component: 'analysis' });
  const pool = new AnalysisPool({
    workers: options.analysis?.workers ?? availableParallelism(),
    timeLimitMs: (options.analysis?.timeLimitSeconds ?? 60) * 1000,
    mode: options.analysis?.mode ?? 'standard',
    logger: analysisLogger,
  });
  const analysis = new JobAnalysisService({ pool, jobs, spool, logger: analysisLogger });
  const intake = new JobIntakeService({
    queues,
    jobs,
    analysis,
    spool,
    maxJobSizeMb: options.maxJobSizeMb ?? 600,
    logger: logger.child({ component: 'intake' }),
  });
  const releaseLogger = logger.child({ component: 'release' });
  const release = new ReleaseService({
    dataSource,
    repository,
    stateMachine,
    queues,
    printers,
    directory,
    spool,
    sender: new ReleaseSender({
      printers,
      directory,
      spool,
      driverFor: createOutputDriver,
      timeouts: options.outputTimeouts ?? DEFAULT_OUTPUT_TIMEOUTS,
      hostName: options.hostName ?? 'quire-site',
      logger: releaseLogger,
    }),
    logger: releaseLogger,
  });
  jobs.onReady((job) => release.dispatchIfAutomatic(job));
  return {
    dataSource,
    printers,
    directory,
    release,
    queues,
    repository,
    stateMachine,
    jobs,
    spool,
    analysis,
    intake,
    outbox,
    close: async () => {
      await release.stop();
      await analysis.close();
      await writer.close();
      spool.close();
    },
  };
}
