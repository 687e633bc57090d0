/**
 * The jobs capability: job rows and their events, the job state machine, the jobs service and its REST API.
 */
import { JobCounterEntity } from './job-counter.entity';
import { JobEventEntity } from './job-event.entity';
import { JobEntity } from './job.entity';

export * from './job.entity';
export * from './job-event.entity';
export * from './job-counter.entity';
export * from './job.repository';
export * from './job-state-machine';
export * from './job-view';
export * from './jobs.service';
export * from './jobs.routes';

/** The entities of the jobs capability, for the site's DataSource. */
export const jobEntities = [JobEntity, JobEventEntity, JobCounterEntity];
