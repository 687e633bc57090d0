/**
 * Central's copy of what sites replicate up (jobs, job events, audit entries, printer counter snapshots and
 * printer event episodes), the outbox applier that writes it, the sites' reported outbox figures, and the jobs
 * view that reads it.
 */
export { buildReplication, type CentralReplication, type ReplicationOptions } from './build-replication';
export { centralJobsRouter, centralJobJson, type CentralJobsRouterDeps } from './central-jobs.routes';
export { OutboxApplier, OUTBOX_KINDS, type DecodedRows } from './outbox-applier';
export { OutboxRefusal, RecordCodec } from './record-codec';
export { ReplicatedJobsRepository, type ReplicatedJobQuery } from './replicated-jobs.repository';
export { ReplicatedJobsService, type CentralJob, type CentralJobFilters } from './replicated-jobs.service';
export { ReplicationStatus, type OutboxLag, type OutboxReport } from './replication-status';
export { SiteAuditEntity } from './site-audit.entity';
export { SiteJobEventEntity } from './site-job-event.entity';
export { SiteJobEntity } from './site-job.entity';
export { SitePrinterCounterEntity } from './site-printer-counter.entity';
export { SitePrinterEventEntity } from './site-printer-event.entity';
export { UpsertStatements, type ConflictRule, type UpsertTarget } from './upsert-statements';

/** The replicated tables' entities, for central's entity list. */
export { REPLICATED_ENTITIES } from './entities';
