/**
 * Integration tests of `/api/v1/jobs` over real HTTP on 127.0.0.1, on SQLite and on MariaDB: the server core as
 * production opens it, the job core on its DataSource, and the auth and jobs routers on the shared HTTP scaffold.
 * Covers visibility (admins see every job, users only their own), filters and paging, the exact JSON fields,
 * 404/403/409, validation errors, and the audit rows of deletes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import {
  AuditLogEntity,
  authRouter,
  createHttpApp,
  createSilentLogger,
  ErrorCode,
  hashPassword,
  HttpServer,
  loadConfig,
  newId,
  openServerCore,
  type ServerCore,
} from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { type JobView } from '../src/intake/intake-port';
import { siteEntities } from '../src/job-core';
import { jobsRouter } from '../src/jobs';
import { siteMigrations } from '../src/migrations';
import { buildJobCore, type JobCore } from './fixtures/job-core';

const ADMIN_PASSWORD = 'jobs-admin-password';
const USER_PASSWORD = 'jobs-user-password';
const JOB_FIELDS = [
  'id',
  'name',
  'owner',
  'queue',
  'state',
  'stateReason',
  'submittedAt',
  'sizeBytes',
  'sha256',
  'protocol',
  'clientAddress',
  'pdl',
  'pages',
  'colorPages',
  'monoPages',
  'copies',
  'duplex',
  'paper',
  'impressions',
  'sheets',
  'analysis',
  'favourite',
  'printerId',
  'printAttempts',
  'documentKept',
];

type Body = Record<string, unknown> & { error?: { code: string; message: string } };
type JobJson = Record<string, unknown> & { id: string; owner: string; state: string };

forEachDriver('site jobs REST API', (_driver, getUrl) => {
  let server: ServerCore;
  let core: JobCore;
  let http: HttpServer;
  let base: string;
  let dataDir: string;
  const tokens: Record<string, string> = {};
  const jobs: Record<string, JobView[]> = { alice: [], bob: [] };

  async function api(method: string, route: string, who?: string) {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: who ? { authorization: `Bearer ${tokens[who]}` } : {},
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Body };
  }

  const list = async (query: string, who: string) => {
    const res = await api('GET', `/api/v1/jobs${query}`, who);
    return { ...res, jobs: (res.body.jobs ?? []) as JobJson[] };
  };

  async function login(username: string, password: string): Promise<string> {
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    return ((await res.json()) as { token: string }).token;
  }

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'quire-jobs-api-'));
    const config = loadConfig({
      role: 'site',
      env: { QUIRE_DB_URL: await getUrl(), QUIRE_DATA_DIR: dataDir, QUIRE_ADMIN_PASSWORD: ADMIN_PASSWORD },
    });
    const logger = createSilentLogger();
    server = await openServerCore({
      config,
      logger,
      entities: siteEntities,
      migrations: siteMigrations,
      printOnce: () => undefined,
    });
    core = buildJobCore(server.dataSource, { spoolDir: config.spool.dir, logger });
    await core.intake.recoverAtStartup();
    await core.queues.create({ name: 'Default', type: 'pull' });
    await core.queues.create({ name: 'Finance', type: 'pull' });
    for (const username of ['alice', 'bob']) {
      const passwordHash = await hashPassword(USER_PASSWORD);
      await server.users.create(
        { username, displayName: username, passwordHash, isAdmin: false },
        new Date(),
      );
    }
    const app = createHttpApp({
      logger,
      metrics: server.metrics,
      mount: (express) => {
        express.use(authRouter(server.auth));
        express.use(jobsRouter({ jobs: core.jobs, auth: server.auth, dataSource: server.dataSource }));
      },
    });
    http = new HttpServer();
    base = `http://127.0.0.1:${await http.listen(app, '127.0.0.1', 0)}`;
    tokens.admin = await login('admin', ADMIN_PASSWORD);
    tokens.alice = await login('alice', USER_PASSWORD);
    tokens.bob = await login('bob', USER_PASSWORD);
    for (const [owner, queueName, count] of [
      ['alice', 'Default', 3],
      ['alice', 'Finance', 1],
      ['bob', 'Default', 2],
    ] as const) {
      for (let i = 0; i < count; i++) {
        const view = await core.intake.submit(
          {
            queueName,
            protocol: 'lpd',
            clientAddress: '198.51.100.4',
            senderUser: owner,
            jobName: `${owner}-${queueName}-${i}`,
            copies: 1,
            documentFormat: null,
          },
          Readable.from([Buffer.from(`document ${owner} ${i}`)]),
        );
        jobs[owner].push(view);
      }
    }
    await core.analysis.drain();
  });

  after(async () => {
    await core?.close();
    await http?.close(1000);
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses anonymous callers', async () => {
    const res = await api('GET', '/api/v1/jobs');
    expect(res.status).to.equal(401);
    expect(res.body.error?.code).to.equal(ErrorCode.AuthRequired);
  });

  it('shows admins every job and users only their own, newest first, with exactly the documented fields', async () => {
    const all = await list('', 'admin');
    expect(all.status).to.equal(200);
    expect(all.jobs).to.have.length(6);
    expect(all.jobs.map((job) => job.id)).to.deep.equal(
      [...jobs.alice, ...jobs.bob].map((j) => j.id).reverse(),
    );
    expect(Object.keys(all.jobs[0])).to.have.members(JOB_FIELDS);
    const bobs = await list('', 'bob');
    expect(bobs.jobs.map((job) => job.owner)).to.deep.equal(['bob', 'bob']);
    const first = jobs.bob[0];
    expect(bobs.jobs[1]).to.deep.equal({
      id: first.id,
      name: 'bob-Default-0',
      owner: 'bob',
      queue: 'Default',
      state: 'ready',
      stateReason: null,
      submittedAt: first.submittedAt.toISOString(),
      sizeBytes: first.sizeBytes,
      sha256: first.sha256,
      protocol: 'lpd',
      clientAddress: '198.51.100.4',
      pdl: 'unknown',
      pages: 0,
      colorPages: 0,
      monoPages: 0,
      copies: 1,
      duplex: 'simplex',
      paper: null,
      impressions: 0,
      sheets: 0,
      analysis: {
        mode: 'standard',
        partial: true,
        copiesFrom: 'protocol',
        paper: {},
        warnings: ['The document language was not recognised: pages and colour are unknown'],
        pjl: {},
      },
      favourite: false,
      printerId: null,
      printAttempts: 0,
      documentKept: true,
    });
  });

  it("refuses a user asking for another owner's jobs, but lets admins filter by owner", async () => {
    const refused = await list('?owner=alice', 'bob');
    expect(refused.status).to.equal(403);
    expect(refused.body.error?.code).to.equal(ErrorCode.Forbidden);
    expect((await list('?owner=bob', 'bob')).jobs).to.have.length(2);
    expect((await list('?owner=alice', 'admin')).jobs).to.have.length(4);
  });

  it('filters by queue (name or id), state and since, and pages with limit and offset', async () => {
    expect((await list('?queue=Finance', 'admin')).jobs.map((job) => job.owner)).to.deep.equal(['alice']);
    const finance = await core.queues.findByName('Finance');
    expect((await list(`?queue=${finance?.id}`, 'alice')).jobs).to.have.length(1);
    expect((await list('?state=paused,printing', 'admin')).jobs).to.deep.equal([]);
    expect((await list('?state=ready', 'alice')).jobs).to.have.length(4);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await list(`?since=${encodeURIComponent(future)}`, 'admin')).jobs).to.deep.equal([]);
    expect((await list('?since=2000-01-01', 'admin')).jobs).to.have.length(6);

    const page1 = await list('?limit=4', 'admin');
    expect(page1.body).to.include({ limit: 4, offset: 0, nextOffset: 4 });
    const page2 = await list('?limit=4&offset=4', 'admin');
    expect(page2.body).to.include({ offset: 4, nextOffset: null });
    expect([...page1.jobs, ...page2.jobs].map((job) => job.id)).to.deep.equal(
      (await list('', 'admin')).jobs.map((job) => job.id),
    );
  });

  it('answers 400 naming the parameter for bad filters and paging', async () => {
    for (const [query, parameter] of [
      ['?limit=0', 'limit'],
      ['?limit=501', 'limit'],
      ['?offset=-1', 'offset'],
      ['?state=done', 'state'],
      ['?since=yesterday', 'since'],
      ['?owner=a&owner=b', 'owner'],
    ]) {
      const res = await list(query, 'admin');
      expect(res.status, query).to.equal(400);
      expect(res.body.error?.code, query).to.equal(ErrorCode.ValidationFailed);
      expect(res.body.error?.message, query).to.contain(parameter);
    }
  });

  it('gets one job: 200 for its owner and admins, 403 for other users, 404 for unknown ids', async () => {
    const job = jobs.alice[0];
    expect((await api('GET', `/api/v1/jobs/${job.id}`, 'alice')).body).to.include({
      id: job.id,
      owner: 'alice',
    });
    expect((await api('GET', `/api/v1/jobs/${job.id}`, 'admin')).status).to.equal(200);
    const other = await api('GET', `/api/v1/jobs/${job.id}`, 'bob');
    expect(other.status).to.equal(403);
    expect(other.body.error?.code).to.equal(ErrorCode.Forbidden);
    expect((await api('GET', `/api/v1/jobs/${newId()}`, 'admin')).status).to.equal(404);
    const garbage = await api('GET', '/api/v1/jobs/not-a-job', 'admin');
    expect(garbage.status).to.equal(404);
    expect(garbage.body.error?.code).to.equal(ErrorCode.JobNotFound);
  });

  it('soft-deletes through the state machine, audited, with 403 for others and 409 once final', async () => {
    const own = jobs.alice[1];
    const others = jobs.bob[0];
    const refused = await api('DELETE', `/api/v1/jobs/${others.id}`, 'alice');
    expect(refused.status).to.equal(403);
    expect((await api('DELETE', `/api/v1/jobs/${own.id}`, 'alice')).status).to.equal(204);
    expect((await api('DELETE', `/api/v1/jobs/${others.id}`, 'admin')).status).to.equal(204);
    const again = await api('DELETE', `/api/v1/jobs/${own.id}`, 'admin');
    expect(again.status).to.equal(409);
    expect(again.body.error?.code).to.equal(ErrorCode.JobStateConflict);
    const unknownId = newId();
    expect((await api('DELETE', `/api/v1/jobs/${unknownId}`, 'admin')).status).to.equal(404);

    expect((await api('GET', `/api/v1/jobs/${own.id}`, 'alice')).body).to.include({
      state: 'deleted',
      stateReason: 'cancelled by alice',
    });
    const rows = await server.dataSource
      .getRepository(AuditLogEntity)
      .find({ where: { action: 'job.delete' }, order: { at: 'ASC', id: 'ASC' } });
    expect(rows.map((row) => [row.actorName, row.targetId, row.outcome])).to.deep.equal([
      ['alice', others.id, 'failed'],
      ['alice', own.id, 'ok'],
      ['admin', others.id, 'ok'],
      ['admin', own.id, 'failed'],
      ['admin', unknownId, 'failed'],
    ]);
    expect(JSON.parse(rows[1].details)).to.deep.equal({ number: own.number, owner: 'alice' });
    expect(JSON.parse(rows[0].details)).to.include({ errorCode: ErrorCode.Forbidden });
  });
});
