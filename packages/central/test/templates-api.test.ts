/**
 * Integration tests of `/api/v1/templates` on central, on SQLite and on MariaDB: the router mounted on the
 * server core (auth, migrations, audit log) as central mounts it, over real HTTP on 127.0.0.1. Covers creating,
 * reading, changing and deleting templates, the version each answer carries, VALIDATION_FAILED naming the field,
 * name conflicts (also under concurrent requests), and the audit rows with the SNMP community masked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  AuditLogEntity,
  authRouter,
  createHttpApp,
  createSilentLogger,
  ErrorCode,
  HttpServer,
  loadConfig,
  openServerCore,
  type ServerCore,
} from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { centralMigrations } from '../src/migrations';
import { templateEntities, templatesRouter, TemplateStore } from '../src/templates';

const PASSWORD = 'templates-test-password';

interface Answer {
  status: number;
  body: Record<string, unknown> & {
    error?: { code: string; message: string; details?: { fields?: unknown } };
  };
}

forEachDriver('central templates API', (_driver, getUrl) => {
  let core: ServerCore;
  let http: HttpServer;
  let base: string;
  let token: string;
  let dataDir: string;

  async function api(method: string, route: string, body?: unknown, auth = true): Promise<Answer> {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  }

  async function auditRows(action: string): Promise<AuditLogEntity[]> {
    return core.dataSource.getRepository(AuditLogEntity).find({ where: { action }, order: { at: 'ASC' } });
  }

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'quire-templates-api-'));
    const config = loadConfig({
      role: 'central',
      env: { QUIRE_DB_URL: await getUrl(), QUIRE_DATA_DIR: dataDir, QUIRE_ADMIN_PASSWORD: PASSWORD },
    });
    const logger = createSilentLogger();
    core = await openServerCore({
      config,
      logger,
      entities: templateEntities,
      migrations: centralMigrations,
      printOnce: () => undefined,
    });
    const templates = new TemplateStore({ dataSource: core.dataSource });
    const app = createHttpApp({
      logger,
      metrics: core.metrics,
      mount: (app) => {
        app.use(authRouter(core.auth));
        app.use(templatesRouter({ templates, auth: core.auth, dataSource: core.dataSource }));
      },
    });
    http = new HttpServer();
    base = `http://127.0.0.1:${await http.listen(app, '127.0.0.1', 0)}`;
    const login = await api('POST', '/api/v1/auth/login', { username: 'admin', password: PASSWORD }, false);
    token = login.body.token as string;
  });

  after(async () => {
    await http?.close(1000);
    await core?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses anonymous callers', async () => {
    const res = await api('GET', '/api/v1/templates', undefined, false);
    expect(res.status).to.equal(401);
    expect(res.body.error?.code).to.equal(ErrorCode.AuthRequired);
  });

  it('creates, reads, changes and deletes a queue template, each answer with its version, all audited', async () => {
    const created = await api('POST', '/api/v1/templates', {
      type: 'queue',
      name: 'Finance',
      settings: { type: 'pull', priority: 5, printers: ['HQ-Colour'] },
      overridable: ['priority'],
    });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ type: 'queue', name: 'Finance', deletedAt: null });
    const id = created.body.id as string;
    const v1 = created.body.version as number;
    expect(v1).to.be.a('number').greaterThan(0);

    const read = await api('GET', `/api/v1/templates/${id}`);
    expect(read.body).to.deep.equal(created.body);

    const changed = await api('PUT', `/api/v1/templates/${id}`, { settings: { type: 'pull', priority: 7 } });
    expect(changed.status).to.equal(200);
    expect(changed.body.version).to.equal(v1 + 1);
    expect(changed.body.settings).to.deep.equal({ type: 'pull', priority: 7 });
    expect(changed.body.overridable).to.deep.equal(['priority']);

    const listed = await api('GET', '/api/v1/templates?type=queue');
    expect(listed.body.version).to.equal(v1 + 1);
    expect((listed.body.templates as Array<{ id: string }>).map((t) => t.id)).to.include(id);

    const deleted = await api('DELETE', `/api/v1/templates/${id}`);
    expect(deleted.status).to.equal(200);
    expect(deleted.body.version).to.equal(v1 + 2);
    expect(deleted.body.deletedAt).to.be.a('string');
    expect((await api('GET', `/api/v1/templates/${id}`)).status).to.equal(404);
    expect((await api('DELETE', `/api/v1/templates/${id}`)).status).to.equal(404);

    for (const action of ['template.create', 'template.update', 'template.delete']) {
      const rows = (await auditRows(action)).filter((row) => row.targetId === id && row.outcome === 'ok');
      expect(rows, action).to.have.length(1);
      expect(rows[0].actorName).to.equal('admin');
    }
    const createDetails = JSON.parse((await auditRows('template.create'))[0].details) as Record<
      string,
      unknown
    >;
    expect(createDetails).to.include({ type: 'queue', name: 'Finance', version: v1 });
  });

  it('answers VALIDATION_FAILED naming the field, checked against the stored type on change', async () => {
    const bad = await api('POST', '/api/v1/templates', {
      type: 'queue',
      name: 'Bad',
      settings: { type: 'pull', rawPort: 0 },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error?.code).to.equal(ErrorCode.ValidationFailed);
    expect(bad.body.error?.details?.fields).to.deep.equal([
      { field: 'settings.rawPort', problem: 'Too small: expected number to be >=1' },
    ]);

    const policy = await api('POST', '/api/v1/templates', { type: 'policy', name: 'Mono', settings: {} });
    const wrongType = await api('PUT', `/api/v1/templates/${policy.body.id as string}`, {
      settings: { type: 'pull' },
    });
    expect(wrongType.status).to.equal(400);
    expect(wrongType.body.error?.message).to.match(/^policy template is invalid: settings/);
    expect((await api('GET', '/api/v1/templates?type=watermark')).status).to.equal(400);
  });

  it('refuses a name taken for the type, also when requests race, and audits the refusal', async () => {
    const body = {
      type: 'price-list',
      name: 'Standard',
      settings: { currency: 'EUR', mono: 0.05, colour: 0.2 },
    };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => api('POST', '/api/v1/templates', body)),
    );
    expect(answers.map((a) => a.status).sort()).to.deep.equal([201, 409, 409, 409, 409]);
    const taken = await api('POST', '/api/v1/templates', { ...body, name: 'STANDARD' });
    expect(taken.status).to.equal(409);
    expect(taken.body.error?.code).to.equal(ErrorCode.Conflict);
    const failed = (await auditRows('template.create')).filter((row) => row.outcome === 'failed');
    expect(failed.length).to.be.at.least(5);

    const listed = await api('GET', '/api/v1/templates?type=price-list');
    expect((listed.body.templates as unknown[]).length).to.equal(1);
  });

  it('gives concurrent writes distinct versions and masks the SNMP community in audit rows', async () => {
    const profiles = await Promise.all(
      ['A', 'B', 'C', 'D'].map((name) =>
        api('POST', '/api/v1/templates', {
          type: 'printer-profile',
          name: `MFP-${name}`,
          settings: {
            snmpCommunity: 'branch-secret',
            colour: true,
            duplex: true,
            media: ['iso_a4_210x297mm'],
          },
        }),
      ),
    );
    const versions = profiles.map((p) => p.body.version as number);
    expect(new Set(versions).size).to.equal(4);
    expect(profiles[0].body.settings).to.include({ snmpCommunity: 'branch-secret' });
    const rows = (await auditRows('template.create')).filter((row) => row.details.includes('MFP-'));
    expect(rows).to.have.length(4);
    for (const row of rows) expect(row.details).to.not.contain('branch-secret');
  });
});
