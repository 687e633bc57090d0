/**
 * Set-up of the replication integration tests: central's sites service, replication and federation server
 * composed on a migrated database as server.ts composes them, with the sites and jobs REST routers on a real
 * HTTP port; and a site played by a raw gRPC client (enrolled through the real sites service) that sends
 * outbox batches and waits for their acks.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import {
  authRouter,
  createHttpApp,
  createSilentLogger,
  HttpServer,
  loadConfig,
  newId,
  openServerCore,
  type ServerCore,
} from '@quire/common';
import {
  createFederationClient,
  encodeJson,
  PROTOCOL_VERSION,
  siteSessionMetadata,
  type AuditRecord,
  type CentralMessage__Output,
  type JobEventRecord,
  type JobRecord,
  type OutboxAck__Output,
  type OutboxRecord,
  type SiteMessage,
} from '@quire/shared-proto';
import { FederationServer } from '../src/federation';
import { centralMigrations } from '../src/migrations';
import {
  buildReplication,
  centralJobsRouter,
  REPLICATED_ENTITIES,
  type CentralReplication,
} from '../src/replication';
import { buildDirectory, centralEntities } from '../src/server';
import { SiteRepository } from '../src/sites/site.repository';
import { sitesRouter } from '../src/sites/sites.routes';
import { SitesService } from '../src/sites/sites.service';

export const ADMIN_PASSWORD = 'replication-test-password';

/** Central's replication on loopback ports, with what the tests look into. */
export interface Central {
  core: ServerCore;
  sites: SitesService;
  replication: CentralReplication;
  federation: FederationServer;
  directory: Awaited<ReturnType<typeof buildDirectory>>;
  base: string;
  grpcPort: number;
  adminToken: string;
  stop(): Promise<void>;
}

/** A REST call; the parsed JSON body (null when empty) and the status. */
export async function api(base: string, method: string, route: string, token?: string, body?: unknown) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions walk arbitrary JSON answers
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Record<string, any> };
}

/** Start central's replication parts on the database at `url`. */
export async function startCentral(url: string): Promise<Central> {
  const logger = createSilentLogger();
  const config = loadConfig({
    role: 'central',
    env: {
      QUIRE_DB_URL: url,
      QUIRE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'quire-replication-')),
      QUIRE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      QUIRE_DIRECTORY_LOOKUP_KEY: 'replication-test-lookup-key-0123456789',
    },
  });
  const core = await openServerCore({
    config,
    logger,
    // server.ts's list may already hold the replicated entities once the replication is wired there.
    entities: [...new Set([...centralEntities, ...REPLICATED_ENTITIES])],
    migrations: centralMigrations,
    printOnce: () => undefined,
  });
  const sites = new SitesService({
    sites: new SiteRepository(core.dataSource),
    logger,
    enrolmentTokenTtlHours: 1,
  });
  const replication = buildReplication({ dataSource: core.dataSource, sites, logger });
  const federation = new FederationServer({
    authority: sites,
    logger,
    metrics: core.metrics,
    heartbeatSeconds: 10,
    heartbeatTimeoutSeconds: 60,
    centralVersion: 'test',
    participants: [replication.inbox],
  });
  replication.registerMetrics(core.metrics, federation.sessions);
  const directory = await buildDirectory(config, logger, core.dataSource);
  const app = createHttpApp({
    logger,
    metrics: core.metrics,
    mount: (app) => {
      app.use(authRouter(core.auth));
      app.use(
        sitesRouter({ sites, sessions: federation.sessions, auth: core.auth, dataSource: core.dataSource }),
      );
      app.use(centralJobsRouter({ jobs: replication.jobs, auth: core.auth, rights: directory.rights }));
    },
  });
  const http = new HttpServer();
  const base = `http://127.0.0.1:${await http.listen(app, '127.0.0.1', 0)}`;
  const grpcPort = await federation.start('127.0.0.1', 0);
  const login = await api(base, 'POST', '/api/v1/auth/login', undefined, {
    username: 'admin',
    password: ADMIN_PASSWORD,
  });
  return {
    core,
    sites,
    replication,
    federation,
    directory,
    base,
    grpcPort,
    adminToken: login.body.token as string,
    async stop() {
      await http.close(1000);
      await federation.stop(500);
      await replication.close();
      await core.close();
    },
  };
}

/** A site played by a raw gRPC client: enrolment, one Session, outbox batches and their acks. */
export class SiteClient {
  readonly received: CentralMessage__Output[] = [];
  status: Promise<grpc.StatusObject> | null = null;
  private call: grpc.ClientDuplexStream<SiteMessage, CentralMessage__Output> | null = null;
  private ackWaiters: Array<(ack: OutboxAck__Output) => void> = [];
  private readonly client;

  private constructor(
    grpcPort: number,
    readonly name: string,
    readonly siteId: string,
    readonly credential: string,
  ) {
    this.client = createFederationClient(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  }

  /** Create the site at central and enrol it with its one-time token over gRPC. */
  static async enrol(central: Central, name: string): Promise<SiteClient> {
    const ticket = await central.sites.create(name);
    const client = createFederationClient(`127.0.0.1:${central.grpcPort}`, grpc.credentials.createInsecure());
    const enrolled = await new Promise<{ siteId: string; credential: string }>((resolve, reject) =>
      client.Enrol(
        { token: ticket.enrolmentToken, siteName: name, siteVersion: '0.1.0' },
        (err, response) => {
          client.close();
          if (err || !response) reject(err ?? new Error('no enrolment response'));
          else resolve(response);
        },
      ),
    );
    return new SiteClient(central.grpcPort, name, enrolled.siteId, enrolled.credential);
  }

  /** Open a Session with `credential` (the site's own by default), say hello, and wait for the first answer. */
  async open(metadataSiteId = this.siteId, credential = this.credential): Promise<CentralMessage__Output> {
    const call = this.client.Session(siteSessionMetadata(metadataSiteId, credential));
    this.call = call;
    const seen = this.received.length;
    call.on('data', (message: CentralMessage__Output) => {
      this.received.push(message);
      if (message.outboxAck) this.ackWaiters.shift()?.(message.outboxAck);
    });
    call.on('error', () => undefined);
    this.status = new Promise((resolve) => call.on('status', resolve));
    call.write({
      hello: {
        siteId: metadataSiteId,
        siteName: this.name,
        siteVersion: '0.1.0',
        protocolVersion: PROTOCOL_VERSION,
        startedAtMs: Date.now(),
      },
    });
    const first = await Promise.race([
      new Promise<CentralMessage__Output>((resolve) => {
        const poll = setInterval(() => {
          if (this.received.length > seen) {
            clearInterval(poll);
            resolve(this.received[seen]);
          }
        }, 5);
        void this.status?.then(() => clearInterval(poll));
      }),
      this.status.then((status) =>
        Promise.reject(new Error(`session ended: ${status.code} ${status.details}`)),
      ),
    ]);
    return first;
  }

  /** Send `records` as one OutboxBatch; resolves with central's ack to it. */
  send(records: OutboxRecord[]): Promise<OutboxAck__Output> {
    const ack = new Promise<OutboxAck__Output>((resolve) => this.ackWaiters.push(resolve));
    this.call!.write({ outbox: { records } });
    return ack;
  }

  /** Send a heartbeat with outbox figures. */
  heartbeat(figures: { pending: number; oldestMs: number; lastSeq: number }): void {
    this.call!.write({
      heartbeat: {
        sentAtMs: Date.now(),
        outboxPending: figures.pending,
        outboxOldestMs: figures.oldestMs,
        outboxLastSeq: figures.lastSeq,
      },
    });
  }

  /** End the session from the site's side and close the client. */
  close(): void {
    this.call?.end();
    this.client.close();
  }
}

/** A complete JobRecord; `id` fixed, the rest overridable. */
export function jobRecord(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id,
    number: 1,
    name: `doc-${id.slice(-4)}.pdf`,
    owner: 'alice',
    ownerMethod: 'sender',
    queueId: '0190a1b2-c3d4-7e5f-8a9b-000000000001',
    queueName: 'secure',
    state: 'processing',
    stateReason: null,
    protocol: 'ipp',
    clientAddress: '10.0.0.7',
    senderHost: null,
    submittedAt: '2025-03-01T10:00:00.000Z',
    processedAt: null,
    completedAt: null,
    sizeBytes: 2048,
    documentFormat: 'application/pdf',
    pdl: 'pdf',
    copies: 1,
    pages: 2,
    colorPages: 0,
    monoPages: 2,
    duplex: null,
    paper: null,
    impressions: 2,
    sheets: 2,
    favourite: false,
    printerId: null,
    printAttempts: 0,
    releasedBy: null,
    documentRemovedAt: null,
    ...overrides,
  };
}

/** A job event record. */
export function eventRecord(jobId: string, toState: string, fromState: string | null = null): JobEventRecord {
  return {
    id: newId(),
    jobId,
    at: new Date().toISOString(),
    fromState,
    toState,
    reason: null,
    actor: 'intake',
  };
}

/** An audit record. */
export function auditRecord(action: string): AuditRecord {
  return {
    id: newId(),
    at: new Date().toISOString(),
    actorId: null,
    actorName: 'admin',
    action,
    targetType: 'queue',
    targetId: null,
    details: '{}',
    outcome: 'ok',
    remoteAddr: '127.0.0.1',
    requestId: 'r1',
  };
}

/** An OutboxRecord carrying `body` (anything with an id) as JSON. */
export function outboxRecord(seq: number, kind: string, body: { id: string }): OutboxRecord {
  return { seq, kind, key: body.id, atMs: Date.now(), body: encodeJson(body) };
}

/** Row counts of the replicated tables for one site. */
export async function rowCounts(central: Central, siteId: string) {
  const count = async (table: string) => {
    const rows = await central.core.dataSource.query(`SELECT COUNT(*) AS n FROM ${table} WHERE site_id = ?`, [
      siteId,
    ]);
    return Number((rows as Array<{ n: number | string }>)[0].n);
  };
  return {
    jobs: await count('site_jobs'),
    events: await count('site_job_events'),
    audits: await count('site_audit_log'),
  };
}

/** Resolve once `condition` holds; fail after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
