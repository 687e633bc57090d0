/**
 * Child side, the directory going down: Quire's central directory on the benchmark's database, filled through
 * the sync engine's own bulk path (DirectorySyncService.runFeed with a generated feed: every user with a PIN, a
 * card and two group memberships, in about 1,000 groups), published by the real directory publisher in a
 * FederationServer. On request it also starts the anchor: a bare grpc-js Session server that streams the same
 * snapshot's JSON bytes, encoded once, in the publisher's batch size and window, to whoever connects.
 */
import * as grpc from '@grpc/grpc-js';
import { loadConfig, openDatabase, commonEntities, commonMigrations } from '@quire/common';
import {
  encodeJson,
  federationServiceDefinition,
  int64ToNumber,
  type CentralMessage,
  type FederationHandlers,
  type SiteMessage__Output,
} from '@quire/shared-proto';
import { type SourceUser } from '@quire/central/dist/src/directory';
import { directoryPublisher, DirectorySource, FederationServer } from '@quire/central/dist/src/federation';
import { centralMigrations } from '@quire/central/dist/src/migrations';
import { buildDirectory, centralEntities } from '@quire/central/dist/src/server';
import { SiteRepository } from '@quire/central/dist/src/sites/site.repository';
import { SitesService } from '@quire/central/dist/src/sites/sites.service';
import { Registry } from 'prom-client';
import { type ChildConfig } from './child-protocol';
import { BENCH_HEARTBEAT, childLogger, closeGrpcServer, type ChildService } from './central-up';

const LOOKUP_KEY = 'replication-bench-lookup-key-0123456789abcdef';
const FEED_PAGE = 1000;
const TEAMS = 1000;
const DEPARTMENTS = 20;
const ROLES = 5;
/** The publisher's defaults (versioned-publisher.ts), which the anchor copies. */
const BATCH_SIZE = 1000;
const WINDOW = 4;

/** Generated user `i`: a unique PIN and card, a team (nested in a department) and a role group. */
function sourceUser(i: number): SourceUser {
  const team = i % TEAMS;
  return {
    username: `user${i}`,
    aliases: [],
    fullName: `User Number ${i}`,
    email: `user${i}@branch.example.test`,
    personalNumber: `P${100_000 + i}`,
    phone: null,
    language: i % 3 === 0 ? 'de' : 'en',
    pins: [String(10_000_000 + i)],
    cards: [`CARD${(5_000_000 + i).toString(16).toUpperCase()}`],
    groups: [
      ['Staff', `Department ${team % DEPARTMENTS}`, `Team ${team}`],
      ['Roles', `Role ${i % ROLES}`],
    ],
    managedGroups: [],
    delegates: [],
    origin: `generated ${i}`,
  };
}

/** Stream `batches` to one anchor session after its hello, at most WINDOW unacknowledged. */
function bareDirectorySession(
  call: grpc.ServerDuplexStream<SiteMessage__Output, CentralMessage>,
  batches: Buffer[],
  version: number,
): void {
  let next = 0;
  let acked = 0;
  const pump = () => {
    while (next < batches.length && next - acked < WINDOW) {
      const index = next++;
      call.write({
        directory: {
          batch: index + 1,
          snapshotId: 1,
          first: index === 0,
          last: index === batches.length - 1,
          fromVersion: 0,
          toVersion: version,
          changes: batches[index],
        },
      });
    }
  };
  call.on('data', (message: SiteMessage__Output) => {
    if (message.payload === 'hello') pump();
    else if (message.payload === 'directoryAck') {
      acked = Math.max(acked, int64ToNumber(message.directoryAck?.batch) ?? 0);
      pump();
    }
  });
  call.on('end', () => call.end());
  call.on('error', () => undefined);
}

/** Quire's central directory and its publisher; see the file comment. */
export async function startDirectoryCentral(config: ChildConfig): Promise<ChildService> {
  const logger = childLogger(config.dataDir);
  const { dataSource } = await openDatabase({
    url: config.dbUrl,
    entities: [...commonEntities, ...centralEntities],
    migrations: [...commonMigrations, ...centralMigrations],
  });
  const quireConfig = loadConfig({
    role: 'central',
    env: {
      QUIRE_DB_URL: config.dbUrl,
      QUIRE_DATA_DIR: config.dataDir,
      QUIRE_DIRECTORY_LOOKUP_KEY: LOOKUP_KEY,
    },
  });
  const directory = await buildDirectory(quireConfig, logger, dataSource);
  const sites = new SitesService({
    sites: new SiteRepository(dataSource),
    logger,
    enrolmentTokenTtlHours: 1,
  });
  const publisher = directoryPublisher({
    dataSource,
    feed: directory.feed,
    repository: directory.repository,
    logger,
    recordApplied: (siteId, version) => sites.recordDirectoryVersion(siteId, version),
    recordError: (siteId, error) => void sites.recordError(siteId, error).catch(() => undefined),
  });
  const federation = new FederationServer({
    authority: sites,
    logger,
    metrics: new Registry(),
    ...BENCH_HEARTBEAT,
    centralVersion: 'bench',
    participants: [publisher.participant],
  });
  const port = await federation.start('127.0.0.1', config.port);
  let bare: grpc.Server | null = null;
  return {
    port,
    handlers: {
      'create-site': async (args) => (await sites.create(String(args.name))).enrolmentToken,
      /** Sync `users` generated users into the directory; answers the counts, the time and the version. */
      fill: async (args) => {
        const users = Number(args.users);
        const started = Date.now();
        const report = await directory.sync.runFeed(
          async (emit) => {
            for (let from = 0; from < users; from += FEED_PAGE) {
              const page: SourceUser[] = [];
              for (let i = from; i < Math.min(users, from + FEED_PAGE); i += 1) page.push(sourceUser(i));
              emit(page);
            }
            return [];
          },
          {
            source: 'csv',
            addNew: true,
            disableMissing: false,
            lowercaseUsernames: false,
            pairByPersonalNumber: false,
            merge: { cards: 'full', pin: 'full', groups: 'full', delegates: 'full' },
          },
          false,
        );
        if (report.status !== 'ok')
          throw new Error(`the directory fill failed: ${report.error ?? report.status}`);
        const groups = Number((await dataSource.query('SELECT COUNT(*) AS n FROM directory_groups'))[0].n);
        return {
          added: report.counts.added,
          groups,
          seconds: (Date.now() - started) / 1000,
          version: await directory.repository.currentVersion(dataSource.manager),
        };
      },
      /** Build the snapshot afresh (timed), encode its batches once, and serve them on a bare server. */
      'start-bare-directory': async () => {
        const source = new DirectorySource({
          dataSource,
          feed: directory.feed,
          repository: directory.repository,
          logger,
        });
        const started = Date.now();
        const snapshot = await source.snapshot();
        const snapshotSeconds = (Date.now() - started) / 1000;
        source.close();
        const batches: Buffer[] = [];
        for (let i = 0; i < snapshot.changes.length; i += BATCH_SIZE) {
          batches.push(encodeJson(snapshot.changes.slice(i, i + BATCH_SIZE)));
        }
        const server = new grpc.Server();
        const handlers: Partial<FederationHandlers> = {
          Session: (call) => bareDirectorySession(call, batches, snapshot.version),
        };
        server.addService(federationServiceDefinition(), handlers as FederationHandlers);
        const barePort = await new Promise<number>((resolve, reject) =>
          server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
            err ? reject(err) : resolve(bound),
          ),
        );
        bare = server;
        return {
          port: barePort,
          batches: batches.length,
          changes: snapshot.changes.length,
          bytes: batches.reduce((sum, batch) => sum + batch.length, 0),
          snapshotSeconds,
        };
      },
    },
    async close() {
      if (bare) await closeGrpcServer(bare);
      await federation.stop(1000);
      publisher.close();
      await dataSource.destroy();
    },
  };
}
