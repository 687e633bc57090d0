/**
 * The site's job core, composed once for the server and for the tests that drive it: queues, jobs and their
 * state machine, the spool, and the intake service every print front-end talks to.
 */
import { type DataSource } from 'typeorm';
import { commonEntities, commonMigrations, createSilentLogger, type Logger } from '@quire/common';
import { JobIntakeService } from './intake/job-intake.service';
import { JobRepository, JobStateMachine, JobsService, jobEntities } from './jobs';
import { siteMigrations } from './migrations';
import { QueueEntity, QueueRepository, QueueService } from './queues';
import { SpoolStore } from './spool';

/** The site's own entities (common ones are added by the server core). */
export const siteEntities = [QueueEntity, ...jobEntities];

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
  intake: JobIntakeService;
}

export interface JobCoreOptions {
  spoolDir: string;
  maxJobSizeMb?: number;
  logger?: Logger;
}

/** Compose the job core on an open, migrated DataSource. */
export function buildJobCore(dataSource: DataSource, options: JobCoreOptions): JobCore {
  const logger = options.logger ?? createSilentLogger();
  const queues = new QueueService({
    queues: new QueueRepository(dataSource),
    logger: logger.child({ component: 'queues' }),
  });
  const repository = new JobRepository(dataSource);
  const stateMachine = new JobStateMachine({ jobs: repository });
  const jobs = new JobsService({
    dataSource,
    jobs: repository,
    stateMachine,
    logger: logger.child({ component: 'jobs' }),
  });
  const spool = new SpoolStore(options.spoolDir);
  const intake = new JobIntakeService({
    queues,
    jobs,
    spool,
    maxJobSizeMb: options.maxJobSizeMb ?? 600,
    logger: logger.child({ component: 'intake' }),
  });
  return { dataSource, queues, repository, stateMachine, jobs, spool, intake };
}
