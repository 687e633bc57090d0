/**
 * Integration tests of the printer event REST API over real HTTP on 127.0.0.1, on SQLite and MariaDB, with the
 * server core as production opens it: event definitions and actions (admins only, audited, the webhook secret
 * never shown), the history with its filters and CSV export, and the site's SMTP settings.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import {
  AuditLogEntity,
  authRouter,
  createHttpApp,
  createSilentLogger,
  ErrorCode,
  hashPassword,
  HttpServer,
  loadConfig,
  openServerCore,
  type ServerCore,
} from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { siteEntities } from '../src/job-core';
import { siteMigrations } from '../src/migrations';
import { PrinterEvents1763700930000 } from '../src/migrations/1763700930000-printer-events';
import {
  eventActionsRouter,
  printerEventDefinitionsRouter,
  printerEventEntities,
  printerEventsRouter,
} from '../src/printers/events';
import { PrinterRepository, PrinterService } from '../src/printers';
import { siteNotificationsRouter, siteSettingsEntities } from '../src/settings';
import {
  eventsHarness,
  insertPrinter,
  observationOf,
  readingOf,
  type EventsHarness,
} from './printers-events-fixtures';

const ADMIN_PASSWORD = 'events-admin-password';
const USER_PASSWORD = 'events-user-password';
const T0 = Date.parse('2025-03-01T10:00:00Z');

type Body = Record<string, unknown> & { error?: { code: string; message: string } };

const entities = [
  ...siteEntities,
  ...[...printerEventEntities, ...siteSettingsEntities].filter(
    (entity) => !(siteEntities as unknown[]).includes(entity),
  ),
] as typeof siteEntities;
const migrations = (siteMigrations as unknown[]).includes(PrinterEvents1763700930000)
  ? siteMigrations
  : ([...siteMigrations, PrinterEvents1763700930000] as typeof siteMigrations);

forEachDriver('printer events REST API', (_driver, getUrl) => {
  let core: ServerCore;
  let events: EventsHarness;
  let http: HttpServer;
  let base: string;
  let adminToken: string;
  let userToken: string;

  async function api(method: string, route: string, token?: string, body?: unknown, accept?: string) {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(accept ? { accept } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = res.headers.get('content-type')?.includes('json');
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      text,
      body: (json && text ? JSON.parse(text) : {}) as Body,
    };
  }

  async function login(username: string, password: string): Promise<string> {
    return (await api('POST', '/api/v1/auth/login', undefined, { username, password })).body.token as string;
  }

  function auditRows(action: string) {
    return core.dataSource.getRepository(AuditLogEntity).find({ where: { action }, order: { at: 'ASC' } });
  }

  before(async () => {
    const config = loadConfig({
      role: 'site',
      env: {
        QUIRE_DB_URL: await getUrl(),
        QUIRE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'quire-site-events-')),
        QUIRE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      },
    });
    const logger = createSilentLogger();
    core = await openServerCore({ config, logger, entities, migrations, printOnce: () => undefined });
    events = eventsHarness(core.dataSource);
    // Only the definitions a test creates take part.
    for (const builtIn of await events.definitions.list()) {
      await events.definitions.update(builtIn.id, { enabled: false });
    }
    await core.users.create(
      {
        username: 'clerk',
        displayName: 'Clerk',
        passwordHash: await hashPassword(USER_PASSWORD),
        isAdmin: false,
      },
      new Date(),
    );
    const printers = new PrinterService({ printers: new PrinterRepository(core.dataSource), logger });
    const { dataSource, auth } = core;
    const app = createHttpApp({
      logger,
      metrics: core.metrics,
      mount: (express) => {
        express.use(authRouter(auth));
        express.use(printerEventDefinitionsRouter({ definitions: events.definitions, auth, dataSource }));
        express.use(
          eventActionsRouter({
            actions: events.actions,
            dispatcher: events.dispatcher,
            printers,
            auth,
            dataSource,
          }),
        );
        express.use(printerEventsRouter({ episodes: events.episodes, auth }));
        express.use(siteNotificationsRouter({ settings: events.settings, auth, dataSource }));
      },
    });
    http = new HttpServer();
    base = `http://127.0.0.1:${await http.listen(app, '127.0.0.1', 0)}`;
    adminToken = await login('admin', ADMIN_PASSWORD);
    userToken = await login('clerk', USER_PASSWORD);
  });

  after(async () => {
    await http?.close(1000);
    await events?.dispatcher.close();
    await events?.writer.close();
    await core?.close();
  });

  it('keeps definitions, actions and mail settings for admins, and the history for any signed-in user', async () => {
    for (const route of [
      '/api/v1/printer-event-definitions',
      '/api/v1/event-actions',
      '/api/v1/notifications/smtp',
    ]) {
      expect((await api('GET', route)).status, route).to.equal(401);
      const user = await api('GET', route, userToken);
      expect(user.status, route).to.equal(403);
      expect(user.body.error?.code).to.equal(ErrorCode.Forbidden);
    }
    expect((await api('GET', '/api/v1/printer-events')).status).to.equal(401);
    expect((await api('GET', '/api/v1/printer-events', userToken)).status).to.equal(200);
  });

  it('creates, changes and deletes definitions, checking parameters against the type, audited', async () => {
    const listed = await api('GET', '/api/v1/printer-event-definitions', adminToken);
    expect((listed.body.definitions as unknown[]).length).to.be.at.least(10);

    const bad = await api('POST', '/api/v1/printer-event-definitions', adminToken, {
      name: 'Too high',
      type: 'toner-low',
      params: { thresholdPercent: 120 },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error?.message).to.match(/params\.thresholdPercent/);

    const created = await api('POST', '/api/v1/printer-event-definitions', adminToken, {
      name: 'Toner below 10% K',
      type: 'toner-low',
      params: { thresholdPercent: 10, colorant: 'black' },
    });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ name: 'Toner below 10% K', type: 'toner-low', enabled: true });
    const id = created.body.id as string;

    const retype = await api('PATCH', `/api/v1/printer-event-definitions/${id}`, adminToken, {
      type: 'offline',
    });
    expect(retype.status).to.equal(400);
    const patched = await api('PATCH', `/api/v1/printer-event-definitions/${id}`, adminToken, {
      params: { thresholdPercent: 5 },
    });
    expect(patched.body.params).to.deep.equal({ thresholdPercent: 5, colorant: 'any' });

    expect((await api('DELETE', `/api/v1/printer-event-definitions/${id}`, adminToken)).status).to.equal(204);
    const gone = await api('GET', `/api/v1/printer-event-definitions/${id}`, adminToken);
    expect(gone.status).to.equal(404);
    expect(gone.body.error?.code).to.equal(ErrorCode.NotFound);
    const audits = [
      ...(await auditRows('printer-event-definition.create')),
      ...(await auditRows('printer-event-definition.update')),
      ...(await auditRows('printer-event-definition.delete')),
    ].filter((row) => row.targetId === id);
    expect(audits.map((row) => row.outcome)).to.deep.equal(['ok', 'ok', 'ok']);
  });

  it('creates actions, checks them as a whole, and never shows or audits the webhook secret', async () => {
    const jam = (await events.definitions.list()).find((d) => d.type === 'paper-jam')!;
    const noRecipients = await api('POST', '/api/v1/event-actions', adminToken, {
      name: 'Mail',
      kind: 'email',
      definitionIds: [jam.id],
    });
    expect(noRecipients.status).to.equal(400);
    expect(noRecipients.body.error?.message).to.match(
      /recipients: an email action needs at least one recipient/,
    );
    const unknown = await api('POST', '/api/v1/event-actions', adminToken, {
      name: 'Hook',
      kind: 'webhook',
      url: 'http://127.0.0.1:1/hook',
      definitionIds: ['01900000-0000-7000-8000-00000000dead'],
    });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.error?.message).to.match(/definitionIds names no event definition/);

    const created = await api('POST', '/api/v1/event-actions', adminToken, {
      name: 'Hook',
      kind: 'webhook',
      url: 'http://127.0.0.1:1/hook',
      secret: 'hook-secret-value',
      definitionIds: [jam.id],
    });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({
      kind: 'webhook',
      secretSet: true,
      notifyOn: 'open',
      minIntervalMinutes: 60,
    });
    expect(JSON.stringify(created.body)).to.not.include('hook-secret-value');
    const id = created.body.id as string;

    const patched = await api('PATCH', `/api/v1/event-actions/${id}`, adminToken, {
      secret: null,
      notifyOn: 'open-and-close',
    });
    expect(patched.body).to.include({ secretSet: false, notifyOn: 'open-and-close' });
    const toEmail = await api('PATCH', `/api/v1/event-actions/${id}`, adminToken, { kind: 'email' });
    expect(toEmail.status).to.equal(400);

    const audits = await auditRows('event-action.create');
    expect(audits.map((row) => row.details).join('\n')).to.not.include('hook-secret-value');
    expect((await api('DELETE', `/api/v1/event-actions/${id}`, adminToken)).status).to.equal(204);
    const gone = await api('GET', `/api/v1/event-actions/${id}`, adminToken);
    expect(gone.body.error?.code).to.equal(ErrorCode.EventActionNotFound);
  });

  it('sends a sample on POST /{id}/test, audited, and names a missing action', async () => {
    const bodies: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const jam = (await events.definitions.list()).find((d) => d.type === 'paper-jam')!;
      const port = (receiver.address() as AddressInfo).port;
      const created = await api('POST', '/api/v1/event-actions', adminToken, {
        name: 'Sample hook',
        kind: 'webhook',
        url: `http://127.0.0.1:${port}/hook`,
        definitionIds: [jam.id],
      });
      const id = created.body.id as string;
      const sent = await api('POST', `/api/v1/event-actions/${id}/test`, adminToken, {});
      expect(sent.status).to.equal(200);
      expect(sent.body).to.deep.include({
        sent: true,
        status: 202,
        reached: [`http://127.0.0.1:${port}/hook`],
      });
      expect(bodies).to.have.length(1);
      expect(JSON.parse(bodies[0]).event).to.include({ test: true, transition: 'open' });
      const audits = (await auditRows('event-action.test')).filter((row) => row.targetId === id);
      expect(audits.map((row) => row.outcome)).to.deep.equal(['ok']);
      const missing = await api(
        'POST',
        '/api/v1/event-actions/01900000-0000-7000-8000-00000000beef/test',
        adminToken,
        {},
      );
      expect(missing.status).to.equal(404);
      expect(missing.body.error?.code).to.equal(ErrorCode.EventActionNotFound);
      const noPrinter = await api('POST', `/api/v1/event-actions/${id}/test`, adminToken, {
        printerId: 'nope',
      });
      expect(noPrinter.body.error?.code).to.equal(ErrorCode.PrinterNotFound);
      await events.actions.remove(id);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('filters the history and exports the same rows as CSV', async () => {
    const low = await events.definitions.create({
      name: 'Low 30',
      type: 'toner-low',
      params: { thresholdPercent: 30 },
    });
    const jam = await events.definitions.create({ name: 'Jam, "front"', type: 'paper-jam' });
    const first = await insertPrinter(core.dataSource, { name: 'Hist-1' });
    const second = await insertPrinter(core.dataSource, { name: 'Hist-2' });
    const at = (n: number) => new Date(T0 + n * 60_000);
    const lowObs = observationOf(first, at(0), readingOf(10));
    await events.observe(first, lowObs, null);
    await events.observe(first, observationOf(first, at(5), readingOf(90)), lowObs);
    await events.observe(
      second,
      observationOf(second, at(10), readingOf(20, { errorState: ['jammed'] })),
      null,
    );

    const all = await api('GET', `/api/v1/printer-events?definitionId=${low.id}`, userToken);
    expect(all.body.total).to.equal(2);
    const closedLow = await api('GET', `/api/v1/printer-events?definitionId=${low.id}&open=false`, userToken);
    expect(
      (closedLow.body.events as Array<{ printerName: string; closedAt: string }>).map((e) => [
        e.printerName,
        e.closedAt,
      ]),
    ).to.deep.equal([['Hist-1', at(5).toISOString()]]);
    const byPrinter = await api('GET', `/api/v1/printer-events?printerId=${second.id}`, userToken);
    expect((byPrinter.body.events as Array<{ type: string }>).map((e) => e.type).sort()).to.deep.equal([
      'paper-jam',
      'toner-low',
    ]);
    const openJams = await api(
      'GET',
      `/api/v1/printer-events?type=paper-jam&open=true&printerId=${second.id}`,
      userToken,
    );
    expect(
      (openJams.body.events as Array<{ eventName: string; open: boolean }>).map((e) => [e.eventName, e.open]),
    ).to.deep.equal([['Jam, "front"', true]]);
    const window = await api(
      'GET',
      `/api/v1/printer-events?from=${at(1).toISOString()}&to=${at(10).toISOString()}&printerId=${second.id}&limit=1`,
      userToken,
    );
    expect(window.body).to.include({ total: 2, limit: 1, offset: 0 });
    expect((await api('GET', '/api/v1/printer-events?open=maybe', userToken)).status).to.equal(400);
    expect((await api('GET', '/api/v1/printer-events?type=fire', userToken)).body.error?.message).to.match(
      /type/,
    );

    const csv = await api('GET', `/api/v1/printer-events?printerId=${second.id}&format=csv`, userToken);
    expect(csv.type).to.match(/^text\/csv/);
    const rows = parse(csv.text) as string[][];
    expect(rows[0]).to.deep.equal(['Event', 'Printer', 'Subject', 'Message', 'Created', 'Resolved']);
    expect(
      rows
        .slice(1)
        .map((r) => [r[0], r[1], r[2], r[5]])
        .sort(),
    ).to.deep.equal([
      ['Jam, "front"', 'Hist-2', '', ''],
      ['Low 30', 'Hist-2', 'Black Toner', ''],
    ]);
    const accepted = await api(
      'GET',
      `/api/v1/printer-events?definitionId=${low.id}`,
      userToken,
      undefined,
      'text/csv',
    );
    expect(parse(accepted.text)).to.have.length(3);
    await events.definitions.remove(low.id);
    await events.definitions.remove(jam.id);
  });

  it('stores the SMTP server without ever returning its password, and audits the change', async () => {
    expect((await api('GET', '/api/v1/notifications/smtp', adminToken)).body).to.deep.equal({ smtp: null });
    const untested = await api('POST', '/api/v1/notifications/smtp/test', adminToken, {
      to: 'ops@example.org',
    });
    expect(untested.status).to.equal(400);
    expect(untested.body.error?.message).to.equal('Set the SMTP server first');
    const bad = await api('PUT', '/api/v1/notifications/smtp', adminToken, { host: '', sender: 'nope' });
    expect(bad.status).to.equal(400);
    const stored = await api('PUT', '/api/v1/notifications/smtp', adminToken, {
      host: '127.0.0.1',
      port: 2525,
      security: 'none',
      sender: 'quire@example.org',
      auth: { user: 'mailer', password: 'smtp-password-value' },
    });
    expect(stored.status).to.equal(200);
    expect((stored.body.smtp as Record<string, unknown>).auth).to.deep.equal({
      user: 'mailer',
      passwordSet: true,
    });
    const read = await api('GET', '/api/v1/notifications/smtp', adminToken);
    expect(read.text).to.not.include('smtp-password-value');
    expect((await events.settings.smtp())?.auth?.password).to.equal('smtp-password-value');
    const audits = await auditRows('notifications.smtp');
    expect(audits.map((row) => row.outcome)).to.deep.equal(['failed', 'ok']);
    expect(audits.map((row) => row.details).join('\n')).to.not.include('smtp-password-value');
  });
});
