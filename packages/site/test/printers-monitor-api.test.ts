/**
 * Integration tests of the monitored state in the REST API over real HTTP on 127.0.0.1, on SQLite and MariaDB:
 * `/api/v1/printers` and `/api/v1/printers/{id}` carry status, reasons, supplies, counters and alerts (the list
 * in one status query whatever the number of printers), `/status`, `/supplies`, `/counters` with its query
 * checks, and the admin-only, audited `POST /poll`. The printers are read by a fake probe.
 */
import { expect } from 'chai';
import { AuditLogEntity, createSilentLogger, ErrorCode, QuireError, type ServerCore } from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { PrinterMonitor, type PrinterMonitorOptions, type PrinterReading } from '../src/printers/monitoring';
import { type PrinterEntity } from '../src/printers/printer.entity';
import { PrinterRepository } from '../src/printers/printer.repository';
import { PrinterService } from '../src/printers/printer.service';
import { printersRouter } from '../src/printers/printers.routes';
import {
  deriveForTests,
  FakeProbe,
  readingOf,
  siteMonitorEntities,
  siteMonitorMigrations,
} from './printers-monitor-fixtures';
import { startSiteApiServer, type SiteApiServer } from './site-api-server';

const ADMIN_PASSWORD = 'monitor-admin-password';
const USER_PASSWORD = 'monitor-user-password';
const MINUTE = 60_000;
const T0 = Date.parse('2025-03-03T08:00:00.000Z');

type Body = Record<string, unknown> & { error?: { code: string; message: string } };
type Json = Record<string, unknown>;

function colourReading(): PrinterReading {
  const toner = (index: string, colorant: string, percent: number) => ({
    index,
    description: `${colorant} toner`,
    type: 'toner',
    colorant,
    level: percent,
    max: 100,
    levelPercent: percent,
  });
  return readingOf({
    model: 'HP Color LaserJet M555',
    colorCapable: true,
    counters: { total: 5000, mono: 3000, color: 2000 },
    supplies: [
      toner('1.1', 'black', 80),
      toner('1.2', 'cyan', 7),
      toner('1.3', 'magenta', 55),
      toner('1.4', 'yellow', 60),
    ],
    alerts: [
      {
        index: '3',
        severity: 'warning',
        trainingLevel: 4,
        group: 11,
        groupIndex: 2,
        location: 0,
        code: 1101,
        codeName: 'markerTonerAlmostEmpty',
        description: 'Cyan cartridge low',
      },
    ],
  });
}

forEachDriver('printer monitoring REST API', (_driver, getUrl) => {
  let server: SiteApiServer;
  let core: ServerCore;
  let base: string;
  let adminToken: string;
  let userToken: string;
  let printers: PrinterService;
  let monitor: PrinterMonitor;
  const probe = new FakeProbe();
  let clock = T0;
  let statusQueries = 0;
  let colour: PrinterEntity;
  let mono: PrinterEntity;
  let silent: PrinterEntity;
  let fresh: PrinterEntity;

  function monitorOptions(): PrinterMonitorOptions {
    return {
      dataSource: core.dataSource,
      printers,
      probe,
      derive: deriveForTests,
      observers: [],
      outbox: null,
      intervalSeconds: 60,
      concurrency: 4,
      counterSnapshotMinutes: 15,
      logger: createSilentLogger(),
      now: () => new Date(clock),
    };
  }

  async function api(method: string, route: string, token?: string) {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Body };
  }

  before(async () => {
    server = await startSiteApiServer({
      dbUrl: await getUrl(),
      name: 'monitor',
      adminPassword: ADMIN_PASSWORD,
      clerkPassword: USER_PASSWORD,
      entities: siteMonitorEntities,
      migrations: siteMonitorMigrations,
      compose: (serverCore, logger) => {
        core = serverCore;
        const queryLogger = core.dataSource.logger;
        const logQuery = queryLogger.logQuery.bind(queryLogger);
        queryLogger.logQuery = (query, parameters, runner) => {
          if (/printer_status/.test(query)) statusQueries += 1;
          return logQuery(query, parameters, runner);
        };
        printers = new PrinterService({ printers: new PrinterRepository(core.dataSource), logger });
        monitor = new PrinterMonitor(monitorOptions());
        return (express) =>
          express.use(printersRouter({ printers, auth: core.auth, dataSource: core.dataSource, monitor }));
      },
    });
    ({ base, adminToken, clerkToken: userToken } = server);

    colour = await printers.create({ name: 'colour', uri: 'ipp://127.0.0.2:631/ipp/print', serial: 'CNB1' });
    mono = await printers.create({ name: 'mono', uri: 'socket://127.0.0.3:9100' });
    silent = await printers.create({ name: 'silent', uri: 'socket://127.0.0.4:9100' });
    fresh = await printers.create({ name: 'fresh', uri: 'socket://127.0.0.5:9100', snmpEnabled: false });
    for (const [minutes, total] of [
      [0, 5000],
      [20, 5100],
      [40, 5200],
    ]) {
      clock = T0 + minutes * MINUTE;
      probe.answers.set(colour.id, {
        ...colourReading(),
        counters: { total, mono: total - 2000, color: 2000 },
      });
      await monitor.pollNow(colour.id);
    }
    probe.answers.set(mono.id, readingOf());
    probe.answers.set(silent.id, readingOf());
    await monitor.pollNow(mono.id);
    await monitor.pollNow(silent.id);
    clock = T0 + 41 * MINUTE;
    probe.answers.delete(silent.id);
    await monitor.pollNow(silent.id);
  });

  after(async () => {
    await server?.close();
  });

  it('lists printers with their monitored state, reading the states not in memory in one query', async () => {
    statusQueries = 0;
    const listed = await api('GET', '/api/v1/printers', userToken);
    expect(listed.status).to.equal(200);
    expect(statusQueries).to.equal(1);
    const byName = new Map((listed.body.printers as Json[]).map((p) => [p.name, p]));

    const c = byName.get('colour')!;
    expect(c).to.deep.include({
      status: 'warning',
      statusReasons: ['toner-low'],
      statusError: null,
      polledAt: new Date(T0 + 40 * MINUTE).toISOString(),
      counters: { total: 5200, mono: 3200, color: 2000 },
    });
    expect(c.supplies).to.have.length(4);
    expect((c.supplies as Json[])[1]).to.deep.include({
      description: 'cyan toner',
      colorant: 'cyan',
      levelPercent: 7,
      type: 'toner',
    });
    expect((c.alerts as Json[])[0]).to.deep.include({ code: 1101, severity: 'warning' });
    expect(byName.get('mono')).to.deep.include({ status: 'idle', counters: { total: 1000 } });
    expect(byName.get('silent')).to.deep.include({
      status: 'offline',
      statusReasons: ['offline'],
      statusError: 'No answer from silent after 1 retry',
      answeredAt: new Date(T0 + 40 * MINUTE).toISOString(),
      statusSince: new Date(T0 + 41 * MINUTE).toISOString(),
    });
    expect((byName.get('silent')!.supplies as Json[])[0].levelPercent, 'last known').to.equal(40);
    expect(byName.get('fresh')).to.deep.include({
      status: null,
      statusReasons: [],
      polledAt: null,
      supplies: [],
      counters: { total: null },
    });

    // After a restart nothing is in memory: still one query for every printer.
    const restarted = new PrinterMonitor({ ...monitorOptions(), probe: new FakeProbe() });
    statusQueries = 0;
    const states = await restarted.states([colour.id, mono.id, silent.id, fresh.id]);
    expect(statusQueries).to.equal(1);
    expect([...states.keys()].sort()).to.deep.equal([colour.id, mono.id, silent.id].sort());

    statusQueries = 0;
    const one = await api('GET', `/api/v1/printers/${colour.id}`, userToken);
    expect(one.status).to.equal(200);
    expect(one.body).to.deep.include({ id: colour.id, status: 'warning', serial: 'CNB1' });
    expect(statusQueries, 'polled since start: from memory').to.equal(0);
    expect(one.body.trays).to.deep.equal([
      { index: '1.2', name: 'Tray 2', media: 'iso_a4_210x297mm', levelPercent: 50, level: 250, max: 500 },
    ]);
  });

  it('answers /status and /supplies of a printer, and 404 for an unknown one', async () => {
    const status = await api('GET', `/api/v1/printers/${colour.id}/status`, userToken);
    expect(status.status).to.equal(200);
    expect(status.body).to.deep.include({ printerId: colour.id, status: 'warning', reasons: ['toner-low'] });
    expect(status.body.device).to.deep.include({ model: 'HP Color LaserJet M555', colorCapable: true });
    expect(status.body.statusSince).to.equal(new Date(T0).toISOString());

    const supplies = await api('GET', `/api/v1/printers/${colour.id}/supplies`, userToken);
    expect((supplies.body.supplies as Json[]).map((s) => [s.colorant, s.levelPercent])).to.deep.equal([
      ['black', 80],
      ['cyan', 7],
      ['magenta', 55],
      ['yellow', 60],
    ]);
    expect(supplies.body.trays).to.have.length(1);

    const never = await api('GET', `/api/v1/printers/${fresh.id}/status`, userToken);
    expect(never.body).to.deep.include({ status: null, device: null, polledAt: null });

    const unknown = await api(
      'GET',
      '/api/v1/printers/00000000-0000-7000-8000-000000000000/status',
      userToken,
    );
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error?.code).to.equal(ErrorCode.PrinterNotFound);
    expect((await api('GET', `/api/v1/printers/${colour.id}/status`)).status).to.equal(401);
  });

  it('answers /counters with the snapshot history, newest first, within from, to and limit', async () => {
    const all = await api('GET', `/api/v1/printers/${colour.id}/counters`, userToken);
    expect(all.status).to.equal(200);
    expect(all.body.current).to.deep.equal({ total: 5200, mono: 3200, color: 2000 });
    expect((all.body.snapshots as Json[]).map((s) => s.total)).to.deep.equal([5200, 5100, 5000]);

    const from = new Date(T0 + 10 * MINUTE).toISOString();
    const to = new Date(T0 + 30 * MINUTE).toISOString();
    const ranged = await api(
      'GET',
      `/api/v1/printers/${colour.id}/counters?from=${from}&to=${to}`,
      userToken,
    );
    expect((ranged.body.snapshots as Json[]).map((s) => [s.takenAt, s.total])).to.deep.equal([
      [new Date(T0 + 20 * MINUTE).toISOString(), 5100],
    ]);
    const limited = await api('GET', `/api/v1/printers/${colour.id}/counters?limit=1`, userToken);
    expect((limited.body.snapshots as Json[]).map((s) => s.total)).to.deep.equal([5200]);

    for (const query of ['from=yesterday', `from=${to}&to=${from}`, 'limit=0', 'limit=many']) {
      const bad = await api('GET', `/api/v1/printers/${colour.id}/counters?${query}`, userToken);
      expect(bad.status, query).to.equal(400);
      expect(bad.body.error?.code).to.equal(ErrorCode.ValidationFailed);
    }
  });

  it('polls a printer now for an admin, audits it, and refuses other users', async () => {
    const refused = await api('POST', `/api/v1/printers/${silent.id}/poll`, userToken);
    expect(refused.status).to.equal(403);

    clock = T0 + 50 * MINUTE;
    probe.answers.set(silent.id, readingOf());
    const polled = await api('POST', `/api/v1/printers/${silent.id}/poll`, adminToken);
    expect(polled.status).to.equal(200);
    expect(polled.body).to.deep.include({
      printerId: silent.id,
      status: 'idle',
      error: null,
      polledAt: new Date(T0 + 50 * MINUTE).toISOString(),
    });
    const audit = await core.dataSource.getRepository(AuditLogEntity).findBy({ action: 'printer.poll' });
    expect(audit.map((row) => [row.targetId, row.outcome])).to.deep.equal([[silent.id, 'ok']]);

    const missing = await api(
      'POST',
      '/api/v1/printers/00000000-0000-7000-8000-000000000000/poll',
      adminToken,
    );
    expect(missing.status).to.equal(404);

    probe.answers.set(silent.id, new QuireError(ErrorCode.SnmpFailed, 'authentication failed'));
    const failed = await api('POST', `/api/v1/printers/${silent.id}/poll`, adminToken);
    expect(failed.body).to.deep.include({ status: 'offline', error: 'authentication failed' });
  });
});
