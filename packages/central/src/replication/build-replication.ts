/**
 * Composes central's replication on an open DataSource: the inbox that applies sites' outbox batches (a
 * FederationServer participant), the jobs view over what they replicated, and the per-site gauges on /metrics.
 * The composition root (server.ts) calls it once and closes it on shutdown, after the federation server.
 */
import { createUnitWriter, type Logger, type UnitWriter } from '@quire/common';
import { type Registry } from 'prom-client';
import { type DataSource } from 'typeorm';
import { replicationInbox } from '../federation/replication-inbox';
import { type SessionParticipantFactory } from '../federation/session-participant';
import { type SiteSessionRegistry } from '../federation/session-registry';
import { registerSiteMetrics } from '../sites/site-metrics';
import { type SitesService } from '../sites/sites.service';
import { OutboxApplier } from './outbox-applier';
import { ReplicatedJobsRepository } from './replicated-jobs.repository';
import { ReplicatedJobsService } from './replicated-jobs.service';

/** What central's replication is built from. */
export interface ReplicationOptions {
  dataSource: DataSource;
  sites: SitesService;
  logger: Logger;
  /** Where the batches are written; a writer of its own (closed with the replication) when not given. */
  writer?: UnitWriter;
}

/** Central's replication parts. */
export interface CentralReplication {
  /** For FederationServer's `participants`. */
  inbox: SessionParticipantFactory;
  /** For the `/api/v1/jobs` router. */
  jobs: ReplicatedJobsService;
  /** Register the per-site gauges on central's /metrics registry. */
  registerMetrics(registry: Registry, sessions: Pick<SiteSessionRegistry, 'status'>): void;
  /** Apply what was submitted and release the writer (when the replication made it). */
  close(): Promise<void>;
}

/** Build central's replication; see the file comment. */
export function buildReplication(options: ReplicationOptions): CentralReplication {
  const writer = options.writer ?? createUnitWriter(options.dataSource);
  const logger = options.logger.child({ component: 'replication' });
  return {
    inbox: replicationInbox({
      applier: new OutboxApplier(options.dataSource, writer),
      sites: options.sites,
      logger,
    }),
    jobs: new ReplicatedJobsService(new ReplicatedJobsRepository(options.dataSource), options.sites),
    registerMetrics: (registry, sessions) =>
      registerSiteMetrics({ registry, sites: options.sites, sessions, logger }),
    close: async () => {
      if (!options.writer) await writer.close();
    },
  };
}
