/**
 * Notifications and self-service on a real central (SQLite): the SMTP settings through the API (the password
 * never comes back), the "send test mail" action against a real SMTP server (testkit's sink), a local directory
 * user's console sign-in, and the PIN reset by email (reset code mailed, traded for a new PIN that is mailed too;
 * the same answer for an unknown user; a wrong code refused), bulk generation into a card slot through the API
 * (a bad target refused, naming the field), and the error-event notification settings (validated,
 * audited, round-tripped) with an error of central's own logger mailed through them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import {
  AuditLogEntity,
  commonEntities,
  createLogger,
  createSilentLogger,
  loadConfig,
  openDatabase,
  type Logger,
} from '@quire/common';
import { startSmtpSink, type SmtpSink } from '@quire/testkit';
import { startCentral, type CentralServer } from '../src/server';

const PASSWORD = 'notifications-admin-password';

describe('central notifications, directory sign-in and PIN reset', function () {
  this.timeout(120_000);
  let central: CentralServer;
  let sink: SmtpSink;
  let base: string;
  let token: string;
  let dataDir: string;

  async function api(method: string, route: string, body?: unknown, bearer: string | null = token) {
    const res = await fetch(`${base}${route}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  }

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'quire-notifications-'));
    sink = await startSmtpSink({ auth: { user: 'mailer', password: 'smtp-secret' } });
    const config = loadConfig({
      role: 'central',
      env: {
        QUIRE_DB_URL: `sqlite:${path.join(dataDir, 'central.db')}`,
        QUIRE_DATA_DIR: dataDir,
        QUIRE_HTTP_HOST: '127.0.0.1',
        QUIRE_HTTP_PORT: '0',
        QUIRE_GRPC_HOST: '127.0.0.1',
        QUIRE_GRPC_PORT: '0',
        QUIRE_ADMIN_PASSWORD: PASSWORD,
      },
    });
    central = await startCentral({ config, logger: createSilentLogger(), printOnce: () => undefined });
    base = `http://127.0.0.1:${central.httpPort}`;
    token = (await api('POST', '/api/v1/auth/login', { username: 'admin', password: PASSWORD }, null)).body
      .token as string;
  });

  after(async () => {
    await central?.stop();
    await sink?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores the SMTP settings without ever returning the password, and sends a test mail', async () => {
    const smtp = {
      host: '127.0.0.1',
      port: sink.port,
      security: 'none',
      sender: 'quire@example.test',
      auth: { user: 'mailer', password: 'smtp-secret' },
    };
    const saved = await api('PUT', '/api/v1/notifications/smtp', smtp);
    expect(saved.status).to.equal(200);
    expect(JSON.stringify(saved.body)).not.to.contain('smtp-secret');
    expect(JSON.stringify((await api('GET', '/api/v1/notifications/smtp')).body)).not.to.contain(
      'smtp-secret',
    );
    const bad = await api('PUT', '/api/v1/notifications/smtp', { ...smtp, port: 'x' });
    expect(bad.status).to.equal(400);
    const sent = await api('POST', '/api/v1/notifications/smtp/test', { to: 'admin@example.test' });
    expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
    const [mail] = await sink.waitForMessages(1, 30_000);
    expect(mail.to).to.deep.equal(['admin@example.test']);
  });

  it('lets a directory user with a password sign in to the console, with the same refusal for everyone else', async () => {
    const created = await api('POST', '/api/v1/users', {
      username: 'dora',
      fullName: 'Dora Explorer',
      email: 'dora@example.test',
      password: 'dora-password-1',
      cards: ['00A1B2C3', { number: 'TEMP-77', validUntil: '2030-01-01T00:00:00Z' }],
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body).to.include({ hasPassword: true, hasPin: false });
    expect(created.body.cards).to.deep.equal([
      { validUntil: null },
      { validUntil: '2030-01-01T00:00:00.000Z' },
    ]);
    const ok = await api(
      'POST',
      '/api/v1/auth/login',
      { username: 'dora', password: 'dora-password-1' },
      null,
    );
    expect(ok.status).to.equal(200);
    const wrong = await api(
      'POST',
      '/api/v1/auth/login',
      { username: 'dora', password: 'nope-nope-nope' },
      null,
    );
    const unknown = await api(
      'POST',
      '/api/v1/auth/login',
      { username: 'nobody', password: 'nope-nope-nope' },
      null,
    );
    expect(wrong.status).to.equal(401);
    expect(unknown.status).to.equal(401);
    expect(wrong.body).to.deep.equal(unknown.body);
    const asDora = ok.body.token as string;
    expect((await api('GET', '/api/v1/users', undefined, asDora)).status, 'no manage-users right').to.equal(
      403,
    );
  });

  it('resets a forgotten PIN by email: a code is mailed, and traded for a new PIN that is mailed too', async () => {
    const before = sink.messages().length;
    const unknown = await api('POST', '/api/v1/directory/pin-reset', { username: 'ghost' }, null);
    const asked = await api('POST', '/api/v1/directory/pin-reset', { username: 'dora' }, null);
    expect(asked.status).to.equal(202);
    expect(unknown).to.deep.equal(asked);
    const mails = await sink.waitForMessages(before + 1, 30_000);
    const codeMail = mails[before];
    expect(codeMail.to).to.deep.equal(['dora@example.test']);
    const code = /\b(\d{8})\b/.exec(codeMail.text ?? '')?.[1];
    expect(code, codeMail.text ?? '').to.be.a('string');
    const wrong = code === '00000000' ? '11111111' : '00000000';
    const refused = await api(
      'POST',
      '/api/v1/directory/pin-reset/confirm',
      { username: 'dora', code: wrong },
      null,
    );
    expect(refused.status).to.equal(400);
    const confirmed = await api(
      'POST',
      '/api/v1/directory/pin-reset/confirm',
      { username: 'dora', code },
      null,
    );
    expect(confirmed.status, JSON.stringify(confirmed.body)).to.equal(200);
    const pinMail = (await sink.waitForMessages(before + 2, 30_000))[before + 1];
    expect(pinMail.to).to.deep.equal(['dora@example.test']);
    expect(pinMail.text ?? '').to.match(/\b\d{4,}\b/);
    const { body } = await api('GET', '/api/v1/users?search=dora');
    expect((body.users as Array<{ hasPin: boolean }>)[0].hasPin).to.equal(true);
    const again = await api('POST', '/api/v1/directory/pin-reset/confirm', { username: 'dora', code }, null);
    expect(again.status, 'a code works once').to.equal(400);
  });

  it('generates into a card slot through the API, and answers 400 naming `target` for a bad one', async () => {
    const bad = await api('POST', '/api/v1/directory/codes', { target: 'tertiaryCard', notify: false });
    expect(bad.status).to.equal(400);
    const error = bad.body.error as { code: string; message: string };
    expect(error.code).to.equal('VALIDATION_FAILED');
    expect(error.message).to.contain('target');
    const good = await api('POST', '/api/v1/directory/codes', { target: 'secondaryCard', notify: false });
    expect(good.status, JSON.stringify(good.body)).to.equal(200);
    expect(good.body.target).to.equal('secondaryCard');
    expect((good.body.codes as Array<{ username: string }>).map((c) => c.username)).to.deep.equal(['dora']);
  });
});

/** The parts of the API's answers the error-event test reads. */
interface ApiAnswer {
  token?: string;
  error?: { code: string; message: string };
  errorEvents?: unknown;
}

describe('central error-event notification settings', function () {
  this.timeout(120_000);
  let central: CentralServer;
  let sink: SmtpSink;
  let dataDir: string;
  let logger: Logger;
  let call: (method: string, route: string, body?: unknown) => Promise<{ status: number; body: ApiAnswer }>;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'quire-error-events-api-'));
    sink = await startSmtpSink();
    const config = loadConfig({
      role: 'central',
      env: {
        QUIRE_DB_URL: `sqlite:${path.join(dataDir, 'central.db')}`,
        QUIRE_DATA_DIR: dataDir,
        QUIRE_HTTP_HOST: '127.0.0.1',
        QUIRE_HTTP_PORT: '0',
        QUIRE_GRPC_HOST: '127.0.0.1',
        QUIRE_GRPC_PORT: '0',
        QUIRE_ADMIN_PASSWORD: PASSWORD,
      },
    });
    // A real logger (its lines dropped): central's error-event notifier watches the logger it is given.
    logger = createLogger({ stream: new Writable({ write: (_c, _e, callback) => callback() }) });
    central = await startCentral({ config, logger, printOnce: () => undefined });
    const base = `http://127.0.0.1:${central.httpPort}`;
    let token = '';
    call = async (method, route, body) => {
      const res = await fetch(`${base}${route}`, {
        method,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as ApiAnswer };
    };
    token = (await call('POST', '/api/v1/auth/login', { username: 'admin', password: PASSWORD })).body.token!;
  });

  after(async () => {
    await central?.stop();
    await sink?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('validates, audits and round-trips the settings, and mails an error of central through them', async () => {
    expect((await call('GET', '/api/v1/notifications/events')).body).to.deep.equal({
      errorEvents: { enabled: false, recipients: [], intervalMinutes: 60 },
    });
    const bad = await call('PUT', '/api/v1/notifications/events', {
      errorEvents: {
        enabled: 'yes',
        recipients: ['ops@example.test', 'not-an-address'],
        intervalMinutes: -5,
      },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error?.code).to.equal('VALIDATION_FAILED');
    for (const field of ['errorEvents.enabled', 'errorEvents.recipients.1', 'errorEvents.intervalMinutes']) {
      expect(bad.body.error?.message).to.contain(field);
    }
    const nobody = await call('PUT', '/api/v1/notifications/events', { errorEvents: { enabled: true } });
    expect(nobody.status).to.equal(400);
    expect(nobody.body.error?.message).to.contain('errorEvents.recipients');

    const smtp = { host: '127.0.0.1', port: sink.port, security: 'none', sender: 'quire@example.test' };
    expect((await call('PUT', '/api/v1/notifications/smtp', smtp)).status).to.equal(200);
    const wanted = { enabled: true, recipients: ['ops@example.test'] };
    const saved = await call('PUT', '/api/v1/notifications/events', { errorEvents: wanted });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(200);
    const stored = { errorEvents: { ...wanted, intervalMinutes: 60 } };
    expect(saved.body).to.deep.equal(stored);
    expect((await call('GET', '/api/v1/notifications/events')).body).to.deep.equal(stored);

    const db = (
      await openDatabase({
        url: `sqlite:${path.join(dataDir, 'central.db')}`,
        entities: commonEntities,
        migrations: [],
      })
    ).dataSource;
    try {
      const rows = await db.getRepository(AuditLogEntity).findBy({ action: 'notifications.events' });
      expect(rows.map((row) => row.outcome).sort()).to.deep.equal(['failed', 'failed', 'ok']);
    } finally {
      await db.destroy();
    }

    logger.error('the spool disk is full', { component: 'test' });
    const [mail] = await sink.waitForMessages(1, 30_000);
    expect(mail.to).to.deep.equal(['ops@example.test']);
    expect(mail.subject).to.match(/: 1 error logged$/);
    expect(mail.text).to.contain('the spool disk is full');
  });
});
