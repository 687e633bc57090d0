/**
 * Terminal sign-in on the real job core, on SQLite and on MariaDB: PIN, card and password logins against the
 * directory cache, PINs and cards stored only as keyed HMACs, the 5-failures-in-15-minutes lockout of a
 * credential (with an injected clock), the audit row of every attempt, idle expiry and logout of sessions, and
 * the "print all on login" option through the terminal API over HTTP on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  AuditLogEntity,
  createHttpApp,
  createMetricsRegistry,
  createSilentLogger,
  ErrorCode,
  hmacHex,
  HttpServer,
  sha256Hex,
} from '@quire/common';
import { forEachDriver, freePort, startRawSink, type PrintSink, type RawSinkJob } from '@quire/testkit';
import { LOCKOUT_WINDOW_MS, type TerminalCredential } from '../src/terminal/terminal-auth.service';
import { terminalRouter } from '../src/terminal/terminal.routes';
import { sha256Of } from './fixtures/job-core';
import {
  expectQuireError,
  openReleaseHarness,
  releaseDocuments,
  reload,
  submitRouted,
  type ReleaseDocuments,
  type ReleaseHarness,
} from './release-fixture';

const LOOKUP_SECRET = 'terminal-auth-lookup-secret';
const IDLE_SECONDS = 300;
const MINUTE = 60_000;
const ALICE = { pin: '482916', card: '00A1B2', password: 'alice-terminal-password' };
/** Every secret typed in this file; none may reach the database in clear or the audit log. */
const SECRETS = [ALICE.pin, ALICE.card, ALICE.password, '7731', 'wrong-password-1', '0BAD77', '5550123'];

forEachDriver('terminal sign-in', (_driver, getUrl) => {
  let base: string;
  let h: ReleaseHarness;
  let printerId: string;
  let sink: PrintSink<RawSinkJob>;
  let docs: ReleaseDocuments;

  const login = (credential: TerminalCredential, at = printerId) => h.auth.login(at, credential, {});
  const advance = (ms: number) => (h.clock.now = new Date(h.clock.now.getTime() + ms));
  const loginRows = () =>
    h.core.dataSource.manager.find(AuditLogEntity, { where: { action: 'terminal.login' } });

  before(async function () {
    this.timeout(300_000);
    docs = await releaseDocuments();
    base = mkdtempSync(path.join(tmpdir(), 'quire-terminal-auth-'));
    sink = await startRawSink();
    h = await openReleaseHarness({
      url: await getUrl(),
      spoolDir: path.join(base, 'spool'),
      lookupSecret: LOOKUP_SECRET,
      sessionIdleSeconds: IDLE_SECONDS,
    });
    h.clock.now = new Date('2031-03-02T08:00:00.000Z');
    printerId = (await h.core.printers.create({ name: 'front-desk', uri: `socket://127.0.0.1:${sink.port}` }))
      .id;
    await h.core.directory.saveUser({
      username: 'alice',
      fullName: 'Alice Martin',
      ...ALICE,
      delegates: ['dave'],
    });
    await h.core.directory.saveUser({ username: 'bob', pin: '7731', password: 'bob-terminal-password' });
    await h.core.directory.saveUser({ username: 'dave', pin: '5550123' });
    await h.core.directory.saveUser({
      username: 'eve',
      pin: '1357',
      card: 'EVE1',
      password: 'eve-pw',
      enabled: false,
    });
  });

  after(async () => {
    await h?.close();
    await sink?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  it('signs in by PIN, by card in any case and padding, and by username and password', async () => {
    expect((await login({ pin: ALICE.pin })).session.user.username).to.equal('alice');
    expect((await login({ card: ' 00a1b2 ' })).session.user.username).to.equal('alice');
    const byPassword = await login({ username: 'Alice', password: ALICE.password });
    expect(byPassword.session.user.username).to.equal('alice');
    expect(byPassword.session.printer.id).to.equal(printerId);
    expect(byPassword.expiresAt.getTime()).to.equal(h.clock.now.getTime() + IDLE_SECONDS * 1000);
    await expectQuireError(login({ pin: '000000' }), ErrorCode.AuthInvalidCredentials);
    await expectQuireError(
      login({ username: 'alice', password: 'wrong-password-1' }),
      ErrorCode.AuthInvalidCredentials,
    );
  });

  it('refuses a disabled user by every credential, and a disabled printer', async () => {
    await expectQuireError(login({ pin: '1357' }), ErrorCode.AuthInvalidCredentials);
    await expectQuireError(login({ card: 'eve1' }), ErrorCode.AuthInvalidCredentials);
    await expectQuireError(login({ username: 'eve', password: 'eve-pw' }), ErrorCode.AuthInvalidCredentials);
    const off = await h.core.printers.create({
      name: 'switched-off',
      uri: 'socket://127.0.0.1:9',
      enabled: false,
    });
    await expectQuireError(login({ pin: ALICE.pin }, off.id), ErrorCode.PrinterNotFound);
  });

  it('stores PINs and cards only as keyed HMACs, and session tokens only as hashes', async () => {
    const [row] = await h.core.dataSource.query<Array<Record<string, unknown>>>(
      "SELECT * FROM directory_users WHERE username_key = 'alice'",
    );
    expect(row.pin_key).to.equal(hmacHex(LOOKUP_SECRET, `pin:${ALICE.pin}`));
    const [card] = await h.core.dataSource.query<Array<Record<string, unknown>>>(
      'SELECT * FROM directory_user_cards WHERE user_id = ?',
      [row.id],
    );
    expect(card.card_key).to.equal(hmacHex(LOOKUP_SECRET, `card:${ALICE.card}`));
    for (const [column, value] of [...Object.entries(row), ...Object.entries(card)]) {
      const text = String(value).toUpperCase();
      for (const secret of [ALICE.pin, ALICE.card, ALICE.password]) {
        expect(text, `column ${column}`).not.to.include(secret.toUpperCase());
      }
    }
    const { token } = await login({ pin: ALICE.pin });
    const sessions = await h.core.dataSource.query<Array<{ token_hash: string }>>(
      'SELECT token_hash FROM terminal_sessions',
    );
    expect(sessions.map((s) => s.token_hash)).to.include(sha256Hex(token));
    expect(JSON.stringify(sessions)).not.to.include(token);
  });

  it('locks a username after 5 failures in 15 minutes, even for the right password, then lets it in again', async () => {
    await h.core.directory.saveUser({ username: 'lock-user', pin: '8642', password: 'right-password' });
    for (let i = 0; i < 5; i += 1) {
      advance(10_000);
      await expectQuireError(
        login({ username: 'lock-user', password: 'wrong-password-1' }),
        ErrorCode.AuthInvalidCredentials,
      );
    }
    const lastFailure = h.clock.now.getTime();
    const locked = await expectQuireError(
      login({ username: 'LOCK-USER', password: 'right-password' }),
      ErrorCode.AuthAccountLocked,
    );
    expect(locked.message).to.match(/locked for 15 more minute/);
    // The lock is on the credential: the same user's PIN still works.
    expect((await login({ pin: '8642' })).session.user.username).to.equal('lock-user');
    h.clock.now = new Date(lastFailure + LOCKOUT_WINDOW_MS - MINUTE);
    await expectQuireError(
      login({ username: 'lock-user', password: 'right-password' }),
      ErrorCode.AuthAccountLocked,
    );
    h.clock.now = new Date(lastFailure + LOCKOUT_WINDOW_MS);
    expect(
      (await login({ username: 'lock-user', password: 'right-password' })).session.user.username,
    ).to.equal('lock-user');
  });

  it('keeps a credential locked for the full 15 minutes when its failures were spread over the window', async () => {
    await h.core.directory.saveUser({ username: 'spread-user', password: 'right-password' });
    for (const gap of [0, MINUTE, MINUTE, MINUTE, 10 * MINUTE]) {
      advance(gap);
      await expectQuireError(
        login({ username: 'spread-user', password: 'wrong-password-1' }),
        ErrorCode.AuthInvalidCredentials,
      );
    }
    const lastFailure = h.clock.now.getTime();
    const locked = await expectQuireError(
      login({ username: 'spread-user', password: 'right-password' }),
      ErrorCode.AuthAccountLocked,
    );
    expect(locked.message).to.match(/locked for 15 more minute/);
    h.clock.now = new Date(lastFailure + 5 * MINUTE);
    await expectQuireError(
      login({ username: 'spread-user', password: 'right-password' }),
      ErrorCode.AuthAccountLocked,
    );
    h.clock.now = new Date(lastFailure + LOCKOUT_WINDOW_MS);
    expect(
      (await login({ username: 'spread-user', password: 'right-password' })).session.user.username,
    ).to.equal('spread-user');
  });

  it('locks a card after 5 failures in any case or padding, so even an enrolled card waits 15 minutes', async () => {
    for (const card of ['0bad77', ' 0BAD77', '0Bad77 ', '0BAD77', '\t0bad77']) {
      await expectQuireError(login({ card }), ErrorCode.AuthInvalidCredentials);
      advance(10_000);
    }
    await h.core.directory.saveUser({ username: 'card-user', card: '0BAD77' });
    await expectQuireError(login({ card: '0bad77' }), ErrorCode.AuthAccountLocked);
    advance(LOCKOUT_WINDOW_MS);
    expect((await login({ card: '0bad77' })).session.user.username).to.equal('card-user');
  });

  it('does not count failures older than 15 minutes', async () => {
    await h.core.directory.saveUser({ username: 'slow-user', password: 'right-password' });
    for (let i = 0; i < 4; i += 1) {
      await expectQuireError(
        login({ username: 'slow-user', password: 'wrong-password-1' }),
        ErrorCode.AuthInvalidCredentials,
      );
    }
    advance(LOCKOUT_WINDOW_MS + 1000);
    await expectQuireError(
      login({ username: 'slow-user', password: 'wrong-password-1' }),
      ErrorCode.AuthInvalidCredentials,
    );
    expect(
      (await login({ username: 'slow-user', password: 'right-password' })).session.user.username,
    ).to.equal('slow-user');
  });

  it('audits every attempt as terminal.login, ok or denied, and never with the secret', async () => {
    const before = (await loginRows()).length;
    const attempt = async (credential: TerminalCredential, code?: ErrorCode) => {
      advance(1000);
      await (code ? expectQuireError(login(credential), code) : login(credential));
    };
    await attempt({ pin: ALICE.pin });
    await attempt({ pin: '7732' }, ErrorCode.AuthInvalidCredentials);
    await attempt({ username: 'bob', password: 'bob-terminal-password' });
    await attempt({ card: 'NOPE-1' }, ErrorCode.AuthInvalidCredentials);
    for (let i = 0; i < 5; i += 1)
      await attempt({ username: 'bob', password: 'wrong-password-1' }, ErrorCode.AuthInvalidCredentials);
    await attempt({ username: 'bob', password: 'bob-terminal-password' }, ErrorCode.AuthAccountLocked);
    const rows = (await loginRows()).sort(
      (x, y) => x.at.getTime() - y.at.getTime() || x.id.localeCompare(y.id),
    );
    const fresh = rows.slice(before).map((row) => ({
      actor: row.actorName,
      outcome: row.outcome,
      target: row.targetId,
      details: JSON.parse(row.details) as Record<string, unknown>,
    }));
    const row = (actor: string, outcome: string, details: Record<string, unknown>) => ({
      actor,
      outcome,
      target: printerId,
      details,
    });
    const wrong = row('bob', 'denied', { method: 'user', reason: 'invalid credentials' });
    expect(fresh).to.deep.equal([
      row('(PIN)', 'ok', { method: 'PIN', user: 'alice' }),
      row('(PIN)', 'denied', { method: 'PIN', reason: 'invalid credentials' }),
      row('bob', 'ok', { method: 'user', user: 'bob' }),
      row('(card)', 'denied', { method: 'card', reason: 'invalid credentials' }),
      wrong,
      wrong,
      wrong,
      wrong,
      wrong,
      row('bob', 'denied', { method: 'user', reason: 'locked' }),
    ]);
    const written = JSON.stringify(rows.map((r) => [r.actorName, r.details])).toUpperCase();
    for (const secret of [...SECRETS, '7732', 'NOPE-1']) expect(written).not.to.include(secret.toUpperCase());
  });

  it('ends a session after the idle time without a request, and at logout', async () => {
    const { token } = await login({ pin: ALICE.pin });
    advance((IDLE_SECONDS - 1) * 1000);
    expect((await h.auth.authenticate(token)).user.username).to.equal('alice');
    advance((IDLE_SECONDS - 1) * 1000);
    const session = await h.auth.authenticate(token);
    advance(IDLE_SECONDS * 1000);
    await expectQuireError(h.auth.authenticate(token), ErrorCode.TerminalSessionInvalid);
    h.clock.now = new Date(h.clock.now.getTime() - IDLE_SECONDS * 1000);
    await expectQuireError(h.auth.authenticate(token), ErrorCode.TerminalSessionInvalid);
    expect(session.user.username).to.equal('alice');
    const second = await login({ pin: ALICE.pin });
    await h.auth.logout(second.session);
    await expectQuireError(h.auth.authenticate(second.token), ErrorCode.TerminalSessionInvalid);
  });

  it('ends the session of a user disabled after signing in', async () => {
    await h.core.directory.saveUser({ username: 'leaver', pin: '97531' });
    const { token } = await login({ pin: '97531' });
    await h.core.directory.saveUser({ username: 'leaver', pin: '97531', enabled: false });
    await expectQuireError(h.auth.authenticate(token), ErrorCode.TerminalSessionInvalid);
  });

  describe('the terminal API over HTTP', () => {
    let servers: HttpServer[];
    const urls: Record<'off' | 'on', string> = { off: '', on: '' };

    before(async () => {
      servers = [];
      for (const mode of ['off', 'on'] as const) {
        const app = createHttpApp({
          logger: createSilentLogger(),
          metrics: createMetricsRegistry('site'),
          mount: (express) =>
            express.use(
              terminalRouter({ auth: h.auth, terminal: h.terminal, printAllOnLogin: mode === 'on' }),
            ),
        });
        const server = new HttpServer();
        servers.push(server);
        urls[mode] = `http://127.0.0.1:${await server.listen(app, '127.0.0.1', 0)}`;
      }
      await h.core.queues.create({ name: 'LoginPull', type: 'pull', printers: [printerId] });
      await h.core.queues.create({ name: 'LoginDelegated', type: 'delegated', printers: [printerId] });
    });

    after(async () => {
      await h.core.release.idle();
      for (const server of servers) await server.close(1000);
    });

    async function signIn(mode: 'off' | 'on', body: Record<string, string>) {
      const res = await fetch(`${urls[mode]}/api/v1/terminal/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ printerId, ...body }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }

    it("releases the user's own ready jobs at login and reports how many", async () => {
      const submit = (queueName: string, owner: string, index: number) =>
        submitRouted(h.core, {
          queueName,
          owner,
          name: `login-${owner}-${index}`,
          document: docs.pdfs[index],
        });
      const alices = [await submit('LoginPull', 'alice', 0), await submit('LoginPull', 'alice', 1)];
      const delegated = await submit('LoginDelegated', 'alice', 2);
      const bobs = await submit('LoginPull', 'bob', 3);

      const plain = await signIn('off', { pin: ALICE.pin });
      expect(plain.status).to.equal(201);
      expect(plain.body).to.include({ releasedOnLogin: 0 });
      const delegate = await signIn('on', { pin: '5550123' });
      expect(delegate.body, "a delegate's login releases only their own jobs").to.include({
        releasedOnLogin: 0,
      });
      await h.core.release.idle();
      expect(sink.jobs()).to.have.length(0);

      const res = await signIn('on', { card: '00a1b2' });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ releasedOnLogin: 3 });
      expect(res.body.user).to.deep.equal({ username: 'alice', fullName: 'Alice Martin' });
      expect(res.body.token).to.be.a('string');
      await h.core.release.idle();
      const received = (await sink.waitForJobs(3)).map((job) => job.sha256);
      expect(received).to.have.members([0, 1, 2].map((i) => sha256Of(docs.pdfs[i])));
      for (const job of [...alices, delegated])
        expect((await reload(h.core, job.id)).state).to.equal('printed');
      expect((await reload(h.core, bobs.id)).state).to.equal('ready');
    });

    async function call(method: string, route: string, token: string) {
      const res = await fetch(`${urls.off}${route}`, {
        method,
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    }

    it('lets the owner delete a failed release and a printed favourite that the terminal lists', async () => {
      const dead = await h.core.printers.create({
        name: 'unplugged',
        uri: `socket://127.0.0.1:${await freePort()}`,
      });
      await h.core.queues.create({
        name: 'Deletable',
        type: 'pull',
        keepForReprint: true,
        printers: [dead.id, printerId],
      });
      await h.core.directory.saveUser({ username: 'fay', pin: '864200', keepForReprint: true });
      const submit = (name: string) =>
        submitRouted(h.core, { queueName: 'Deletable', owner: 'fay', name, document: docs.pdfs[0] });
      const favourite = await submit('fay-favourite');
      const failed = await submit('fay-failed');
      const actor = { kind: 'user' as const, username: 'fay' };
      await h.core.release.release(favourite.id, { actor, printerId });
      await h.core.release.release(failed.id, { actor, printerId: dead.id });
      await h.core.release.idle();
      expect((await reload(h.core, failed.id)).stateReason).to.match(/^printer unreachable/);
      const { body } = await signIn('off', { pin: '864200' });
      const token = body.token as string;
      expect((await call('PUT', `/api/v1/terminal/jobs/${favourite.id}/favourite`, token)).status).to.equal(
        200,
      );
      const listed = (await call('GET', '/api/v1/terminal/jobs', token)).body.jobs as Array<{ id: string }>;
      expect(listed.map((job) => job.id)).to.have.members([favourite.id, failed.id]);
      for (const job of [favourite, failed]) {
        const res = await call('DELETE', `/api/v1/terminal/jobs/${job.id}`, token);
        expect(res.status, JSON.stringify(res.body)).to.equal(204);
        expect((await reload(h.core, job.id)).state).to.equal('deleted');
      }
    });
  });
});
