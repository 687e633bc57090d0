/**
 * Child side, up-replication: Quire's central as server.ts composes it for sites' outboxes (the DB-backed sites
 * service as the authority, buildReplication's inbox in a FederationServer), on the database the benchmark
 * names; and the anchor, a bare grpc-js Session server that acknowledges each batch as it arrives without
 * storing anything. Both report acknowledgements to an AppliedWatcher, which the parent queries.
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { commonEntities, commonMigrations, createLogger, openDatabase, type Logger } from '@quire/common';
import {
  federationServiceDefinition,
  PROTOCOL_VERSION,
  type CentralMessage,
  type FederationHandlers,
  type SiteMessage__Output,
} from '@quire/shared-proto';
import { FederationServer } from '@quire/central/dist/src/federation';
import { centralMigrations } from '@quire/central/dist/src/migrations';
import { buildReplication, REPLICATED_ENTITIES } from '@quire/central/dist/src/replication';
import { centralEntities } from '@quire/central/dist/src/server';
import { SiteRepository } from '@quire/central/dist/src/sites/site.repository';
import { SitesService } from '@quire/central/dist/src/sites/sites.service';
import { Registry } from 'prom-client';
import { AppliedWatcher, watchedParticipant } from './applied-watcher';
import { type ChildConfig, type CommandHandler } from './child-protocol';

/** A started child service: its port, its commands, and how to close it. */
export interface ChildService {
  port: number;
  handlers: Record<string, CommandHandler>;
  close(): Promise<void>;
}

/** Heartbeats far apart: a long benchmark batch must never look like a dead site. */
export const BENCH_HEARTBEAT = { heartbeatSeconds: 5, heartbeatTimeoutSeconds: 60 };

/** The child's logger: warnings and errors to `central.log` in its data dir, never to the report. */
export function childLogger(dataDir: string): Logger {
  return createLogger({ level: 'warn', stream: createWriteStream(path.join(dataDir, 'central.log')) });
}

/** The commands both up-replication children answer from their watcher. */
function watcherCommands(watcher: AppliedWatcher): Record<string, CommandHandler> {
  return {
    /** Resolves with the wall-clock ms at which `seq` was acknowledged. */
    'await-applied': async (args) => watcher.reached(Number(args.seq)),
    /** Lag percentiles of `fromSeq .. toSeq`, once `toSeq` is acknowledged. */
    lags: async (args) => {
      await watcher.reached(Number(args.toSeq));
      return watcher.lags(Number(args.fromSeq), Number(args.toSeq));
    },
    applied: async () => watcher.applied,
  };
}

/** Quire's central for up-replication on `config.dbUrl`; see the file comment. */
export async function startUpCentral(config: ChildConfig): Promise<ChildService> {
  const logger = childLogger(config.dataDir);
  const { dataSource } = await openDatabase({
    url: config.dbUrl,
    entities: [...new Set([...commonEntities, ...centralEntities, ...REPLICATED_ENTITIES])],
    migrations: [...commonMigrations, ...centralMigrations],
  });
  const sites = new SitesService({
    sites: new SiteRepository(dataSource),
    logger,
    enrolmentTokenTtlHours: 1,
  });
  const replication = buildReplication({ dataSource, sites, logger });
  const watcher = new AppliedWatcher();
  const federation = new FederationServer({
    authority: sites,
    logger,
    metrics: new Registry(),
    ...BENCH_HEARTBEAT,
    centralVersion: 'bench',
    participants: [watchedParticipant(replication.inbox, watcher)],
  });
  const port = await federation.start('127.0.0.1', config.port);
  return {
    port,
    handlers: {
      ...watcherCommands(watcher),
      /** Create a site; answers its one-time enrolment token. */
      'create-site': async (args) => (await sites.create(String(args.name))).enrolmentToken,
      /** Rows central holds for all sites: jobs, events, and the highest applied sequence stored. */
      stored: async () => {
        const value = async (sql: string) => Number((await dataSource.query(sql))[0].n);
        return {
          jobs: await value('SELECT COUNT(*) AS n FROM site_jobs'),
          events: await value('SELECT COUNT(*) AS n FROM site_job_events'),
          appliedSeq: await value('SELECT MAX(applied_seq) AS n FROM sites'),
        };
      },
    },
    async close() {
      await federation.stop(1000);
      await replication.close();
      await dataSource.destroy();
    },
  };
}

/** Answer one anchor session: welcome after hello, then an ack of each batch's last seq as it arrives. */
function bareSession(
  call: grpc.ServerDuplexStream<SiteMessage__Output, CentralMessage>,
  watcher: AppliedWatcher,
): void {
  call.on('data', (message: SiteMessage__Output) => {
    if (message.payload === 'hello') {
      call.write({
        welcome: {
          centralVersion: 'bare',
          protocolVersion: PROTOCOL_VERSION,
          heartbeatSeconds: BENCH_HEARTBEAT.heartbeatSeconds,
          serverTimeMs: Date.now(),
          appliedSeq: watcher.applied,
        },
      });
    } else if (message.payload === 'outbox' && message.outbox) {
      const records = message.outbox.records;
      if (records.length === 0) return;
      watcher.received(records);
      const last = Number(records[records.length - 1].seq);
      call.write({ outboxAck: { appliedSeq: last } });
      watcher.acknowledged(last);
    }
  });
  call.on('end', () => call.end());
  call.on('error', () => undefined);
}

/** The anchor: a bare Session server that acknowledges without storing; see the file comment. */
export async function startBareUpServer(config: ChildConfig): Promise<ChildService> {
  const watcher = new AppliedWatcher();
  const server = new grpc.Server();
  const handlers: Partial<FederationHandlers> = { Session: (call) => bareSession(call, watcher) };
  server.addService(federationServiceDefinition(), handlers as FederationHandlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${config.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    port,
    handlers: watcherCommands(watcher),
    close: () => closeGrpcServer(server),
  };
}

/** Close a bare grpc-js server: gracefully for a second, then by force. */
export function closeGrpcServer(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 1000);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
