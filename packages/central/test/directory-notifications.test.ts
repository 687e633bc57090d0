/**
 * Notifications and self-service on a real central (SQLite): the SMTP settings through the API (the password
 * never comes back), the "send test mail" action against a real SMTP server (testkit's sink), a local directory
 * user's console sign-in, and the PIN reset by email (reset code mailed, traded for a new PIN that is mailed too;
 * the same answer for an unknown user; a wrong code refused).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createSilentLogger, loadConfig } from '@quire/common';
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
});
