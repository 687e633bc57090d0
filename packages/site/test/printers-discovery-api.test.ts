/**
 * `/api/v1/discoveries` and `/api/v1/discovery-settings` over real HTTP on 127.0.0.1, on SQLite and MariaDB,
 * with the server core as production opens it and fake SNMP devices: admins only, a run's JSON shape, a dry run
 * that writes nothing, errors naming what is wrong, saved discoveries CRUD and run, background runs followed
 * and cancelled, and the audit rows.
 */
import { expect } from 'chai';
import { AuditLogEntity, ErrorCode, type ServerCore } from '@quire/common';
import { forEachDriver, jsonRequest } from '@quire/testkit';
import { discoveryRouter } from '../src/printers/discovery';
import {
  composeDiscovery,
  deviceIdentity,
  siteDiscoveryEntities,
  siteDiscoveryMigrations,
  type DiscoveryRig,
} from './printers-discovery-fixture';
import { startSiteApiServer, type SiteApiServer } from './site-api-server';

const ADMIN_PASSWORD = 'discovery-admin-password';
const USER_PASSWORD = 'discovery-user-password';

type Body = Record<string, unknown> & { error?: { code: string; message: string } };

forEachDriver('printer discovery REST API', (_driver, getUrl) => {
  let server: SiteApiServer;
  let core: ServerCore;
  let rig: DiscoveryRig;
  let base: string;
  let adminToken: string;
  let userToken: string;

  function api(
    method: string,
    route: string,
    token?: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) {
    return jsonRequest<Body>(base, method, route, token, body, headers);
  }

  function startInBackground(route: string, body: unknown) {
    return api('POST', route, adminToken, body, { prefer: 'respond-async' });
  }

  /** The run at `route` once `until` holds for it (at most 20 s). */
  async function runWhen(route: string, until: (run: Body) => boolean): Promise<Body> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const run = (await api('GET', route, adminToken)).body;
      if (until(run)) return run;
      if (Date.now() > deadline) throw new Error(`run ${route} is still ${JSON.stringify(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const progressOf = (run: Body) => run.progress as { done: number; total: number; found: number };

  function auditRows(action: string) {
    return core.dataSource.getRepository(AuditLogEntity).find({ where: { action }, order: { at: 'ASC' } });
  }

  before(async () => {
    server = await startSiteApiServer({
      dbUrl: await getUrl(),
      name: 'discovery',
      adminPassword: ADMIN_PASSWORD,
      clerkPassword: USER_PASSWORD,
      entities: siteDiscoveryEntities,
      migrations: siteDiscoveryMigrations,
      compose: (serverCore, logger) => {
        rig = composeDiscovery(serverCore.dataSource, { logger });
        rig.devices.set('127.0.0.3', deviceIdentity());
        return (express) =>
          express.use(
            discoveryRouter({
              discovery: rig.discovery,
              settings: rig.settings,
              auth: serverCore.auth,
              audit: serverCore.audit,
              dataSource: serverCore.dataSource,
            }),
          );
      },
    });
    ({ core, base, adminToken, clerkToken: userToken } = server);
  });

  after(async () => {
    await server?.close();
  });

  it('is for admins only', async () => {
    expect((await api('POST', '/api/v1/discoveries', undefined, { ranges: ['127.0.0.3'] })).status).to.equal(
      401,
    );
    const clerk = await api('POST', '/api/v1/discoveries', userToken, { ranges: ['127.0.0.3'] });
    expect(clerk.status).to.equal(403);
    expect((await api('GET', '/api/v1/discovery-settings', userToken)).status).to.equal(403);
    expect(rig.asked).to.deep.equal([]);
  });

  it('runs a dry run that writes nothing, then a discovery that adds the printer, each audited', async () => {
    const dry = await api('POST', '/api/v1/discoveries', adminToken, {
      ranges: ['127.0.0.2-4'],
      dryRun: true,
    });
    expect(dry.status).to.equal(200);
    expect(dry.body).to.include({ scanned: 3, dryRun: true });
    expect(await rig.printers.list()).to.deep.equal([]);

    const res = await api('POST', '/api/v1/discoveries', adminToken, {
      ranges: ['127.0.0.2-127.0.0.4'],
      exclude: ['127.0.0.4'],
      timeoutMs: 500,
      actions: { addToGroup: 'lobby' },
    });
    expect(res.status).to.equal(200);
    expect(res.body.scanned).to.equal(2);
    expect(res.body.durationMs).to.be.a('number');
    const found = res.body.found as Array<Record<string, unknown>>;
    expect(found).to.have.length(1);
    expect(found[0]).to.include({
      address: '127.0.0.3',
      model: 'HP LaserJet Enterprise M507',
      serial: 'PHBQB00001',
      mac: '00:1b:a9:00:00:01',
      sysName: 'NPI1A2B3C',
      colorCapable: false,
      outcome: 'added',
      name: 'HP-LaserJet-Enterprise-M507-3',
    });
    const printer = await rig.printers.get(found[0].printerId as string);
    expect(printer).to.include({ group: 'lobby', enabled: false });

    const discovered = await auditRows('printer.discover');
    expect(discovered).to.have.length(1);
    expect(discovered[0]).to.include({ actorName: 'admin', targetId: printer.id, outcome: 'ok' });
    const runs = await auditRows('discovery.run');
    expect(runs.map((row) => [row.outcome, JSON.parse(row.details).added])).to.deep.equal([
      ['ok', 1],
      ['ok', 1],
    ]);
  });

  it('names what is wrong with a request', async () => {
    const range = await api('POST', '/api/v1/discoveries', adminToken, { ranges: ['127.0.0.0/8'] });
    expect(range.status).to.equal(400);
    expect(range.body.error?.code).to.equal(ErrorCode.DiscoveryRangeInvalid);
    expect(range.body.error?.message).to.contain('16777214 addresses');
    const field = await api('POST', '/api/v1/discoveries', adminToken, {
      ranges: ['127.0.0.3'],
      actions: { activte: true },
    });
    expect(field.status).to.equal(400);
    expect(field.body.error?.code).to.equal(ErrorCode.ValidationFailed);
    expect(field.body.error?.message).to.contain('activte');
    const failed = await auditRows('discovery.run');
    expect(failed.filter((row) => row.outcome === 'failed')).to.have.length(1);
  });

  it('keeps saved discoveries, runs them, and audits every change', async () => {
    const created = await api('POST', '/api/v1/discovery-settings', adminToken, {
      name: 'Ground floor',
      ranges: ['127.0.0.2-127.0.0.5'],
      schedule: '30 2 * * *',
      nameTemplate: '%snmpHostname%',
    });
    expect(created.status).to.equal(201);
    const id = created.body.id as string;
    expect(created.body).to.include({
      name: 'Ground floor',
      enabled: true,
      schedule: '30 2 * * *',
      lastRunAt: null,
    });

    const patched = await api('PATCH', `/api/v1/discovery-settings/${id}`, adminToken, { enabled: false });
    expect(patched.body).to.include({ enabled: false });
    const listed = await api('GET', '/api/v1/discovery-settings', adminToken);
    expect((listed.body.discoveries as Array<{ id: string }>).map((d) => d.id)).to.deep.equal([id]);

    const run = await api('POST', `/api/v1/discovery-settings/${id}/run`, adminToken, {});
    expect(run.status).to.equal(200);
    expect((run.body.found as Array<{ outcome: string }>).map((d) => d.outcome)).to.deep.equal(['unchanged']);
    const read = await api('GET', `/api/v1/discovery-settings/${id}`, adminToken);
    expect(read.body.lastRunAt).to.be.a('string');
    expect(read.body.lastResult).to.deep.include({
      scanned: 4,
      counts: { added: 0, updated: 0, unchanged: 1, skipped: 0 },
    });

    expect((await api('DELETE', `/api/v1/discovery-settings/${id}`, adminToken)).status).to.equal(204);
    const gone = await api('POST', `/api/v1/discovery-settings/${id}/run`, adminToken, {});
    expect(gone.status).to.equal(404);
    expect(gone.body.error?.code).to.equal(ErrorCode.DiscoveryNotFound);
    const actions = (
      await core.dataSource.getRepository(AuditLogEntity).find({ where: { targetId: id } })
    ).map((row) => `${row.action}:${row.outcome}`);
    expect(actions.sort()).to.deep.equal([
      'discovery.create:ok',
      'discovery.delete:ok',
      'discovery.run:failed',
      'discovery.run:ok',
      'discovery.update:ok',
    ]);
  });

  it('runs in the background when asked, shows its progress, and keeps its report', async () => {
    const res = await startInBackground('/api/v1/discoveries', {
      ranges: ['127.0.0.2-127.0.0.4'],
      dryRun: true,
    });
    expect(res.status).to.equal(202);
    const id = res.body.id as string;
    expect(res.headers.get('location')).to.equal(`/api/v1/discoveries/${id}`);
    expect(res.headers.get('preference-applied')).to.equal('respond-async');
    expect(res.body).to.include({ state: 'running', dryRun: true, startedBy: 'admin', discovery: null });
    expect(progressOf(res.body).total).to.equal(3);

    const ended = await runWhen(`/api/v1/discoveries/${id}`, (run) => run.state !== 'running');
    expect(ended).to.include({ state: 'completed', error: null, cancelledBy: null });
    expect(ended.endedAt).to.be.a('string');
    expect(progressOf(ended)).to.deep.include({ done: 3, total: 3, found: 1 });
    const report = ended.report as { scanned: number; found: Array<{ address: string }> };
    expect(report.scanned).to.equal(3);
    expect(report.found.map((device) => device.address)).to.deep.equal(['127.0.0.3']);

    const listed = (await api('GET', '/api/v1/discoveries', adminToken)).body.runs as Body[];
    expect(listed[0]).to.include({ id, state: 'completed' });
    expect(listed[0]).to.not.have.property('report');
    const audited = (await auditRows('discovery.run')).map((row) => JSON.parse(row.details) as Body);
    expect(audited.filter((details) => details.run === id)).to.have.length(1);
  });

  it('cancels a background run: probing stops, and the run says who cancelled it', async () => {
    const res = await startInBackground('/api/v1/discoveries', { ranges: ['127.1.0.0/16'] });
    expect(res.status).to.equal(202);
    const route = `/api/v1/discoveries/${res.body.id as string}`;
    await runWhen(route, (run) => progressOf(run).done > 0);

    const cancelled = await api('POST', `${route}/cancel`, adminToken);
    expect(cancelled.status).to.equal(200);
    expect(cancelled.body).to.include({ state: 'cancelled', cancelledBy: 'admin' });
    expect(cancelled.body.error).to.deep.include({ code: ErrorCode.DiscoveryCancelled });
    expect(progressOf(cancelled.body).done).to.be.below(progressOf(cancelled.body).total);
    const askedAtCancel = rig.asked.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rig.asked.length, 'no probe after the cancel answered').to.equal(askedAtCancel);

    const again = await api('POST', `${route}/cancel`, adminToken);
    expect(again.status).to.equal(409);
    expect(again.body.error?.code).to.equal(ErrorCode.Conflict);
    expect((await auditRows('discovery.cancel')).map((row) => row.actorName)).to.deep.equal(['admin']);
    const failed = (await auditRows('discovery.run')).map((row) => JSON.parse(row.details) as Body);
    expect(failed.map((details) => details.errorCode)).to.include(ErrorCode.DiscoveryCancelled);
  });

  it('answers a waiting client with DISCOVERY_CANCELLED when its run is cancelled', async () => {
    const waiting = api('POST', '/api/v1/discoveries', adminToken, { ranges: ['127.2.0.0/16'] });
    const runs = await runWhen('/api/v1/discoveries', (body) =>
      (body.runs as Body[]).some((run) => run.state === 'running'),
    );
    const running = (runs.runs as Body[]).find((run) => run.state === 'running') as Body;
    expect(
      (await api('POST', `/api/v1/discoveries/${running.id as string}/cancel`, adminToken)).status,
    ).to.equal(200);
    const answer = await waiting;
    expect(answer.status).to.equal(409);
    expect(answer.body.error?.code).to.equal(ErrorCode.DiscoveryCancelled);
  });

  it('runs a saved discovery in the background, once at a time, and keeps a cancel as its last result', async () => {
    const created = await api('POST', '/api/v1/discovery-settings', adminToken, {
      name: 'Whole campus',
      ranges: ['127.3.0.0/16'],
    });
    const id = created.body.id as string;
    const started = await startInBackground(`/api/v1/discovery-settings/${id}/run`, {});
    expect(started.status).to.equal(202);
    expect(started.body.discovery).to.deep.equal({ id, name: 'Whole campus' });
    const second = await startInBackground(`/api/v1/discovery-settings/${id}/run`, {});
    expect(second.status).to.equal(409);
    expect(second.body.error?.code).to.equal(ErrorCode.Conflict);

    const route = `/api/v1/discoveries/${started.body.id as string}`;
    expect((await api('POST', `${route}/cancel`, adminToken)).body.state).to.equal('cancelled');
    const saved = await runWhen(`/api/v1/discovery-settings/${id}`, (body) => body.lastResult !== null);
    expect((saved.lastResult as Body).error).to.contain('cancelled');
  });

  it('names an unknown run, and shows runs to admins only', async () => {
    const unknown = await api('GET', '/api/v1/discoveries/0190d2c4-0000-7000-8000-000000000000', adminToken);
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error?.code).to.equal(ErrorCode.DiscoveryNotFound);
    expect((await api('GET', '/api/v1/discoveries', userToken)).status).to.equal(403);
  });
});
