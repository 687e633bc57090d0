/**
 * The auth flow over real HTTP on both drivers: login, me, logout, lockout after five failures, admin-only
 * routes, and audited admin writes that commit with their audit row or roll back and leave a `failed` row.
 */
import { forEachDriver } from '@quire/testkit';
import { expect } from 'chai';
import { addUser, openTestDb, postJson, serveAuthApp, type TestDb, type TestServer } from './auth-harness';

forEachDriver('auth over HTTP', (_driver, getUrl) => {
  let db: TestDb;
  let server: TestServer;

  before(async () => {
    db = await openTestDb(await getUrl());
    await addUser(db, 'admin', 'admin-password', true);
    await addUser(db, 'clerk', 'clerk-password', false);
    await addUser(db, 'victim', 'victim-password', false);
    server = await serveAuthApp(db);
  });

  after(async () => {
    await server?.close();
    await db?.dataSource.destroy();
  });

  const login = (username: string, password: string) =>
    postJson(`${server.base}/api/v1/auth/login`, { username, password });

  it('logs in, answers /me, and logs out', async () => {
    const res = await login('admin', 'admin-password');
    expect(res.status).to.equal(200);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const token = res.body?.token as string;
    expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(res.body?.expiresAt as string)).to.be.greaterThan(Date.now());

    const me = await fetch(`${server.base}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.status).to.equal(200);
    expect(await me.json()).to.include({ username: 'admin', isAdmin: true });

    const out = await postJson(`${server.base}/api/v1/auth/logout`, {}, token);
    expect(out.status).to.equal(204);
    const after = await fetch(`${server.base}/api/v1/auth/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).to.equal(401);
    expect(after.headers.get('www-authenticate')).to.contain('error="invalid_token"');
  });

  it('stores only the hash of a token', async () => {
    const token = (await login('clerk', 'clerk-password')).body?.token as string;
    const rows = (await db.dataSource.query('SELECT token_hash FROM auth_tokens')) as {
      token_hash: string;
    }[];
    expect(rows.length).to.be.greaterThan(0);
    expect(rows.map((r) => r.token_hash)).not.to.include(token);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).to.equal(true);
  });

  it('answers 401 with WWW-Authenticate when no token is sent', async () => {
    const res = await fetch(`${server.base}/api/v1/auth/me`);
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.equal('Bearer realm="quire"');
    expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('AUTH_REQUIRED');
  });

  it('validates the login body', async () => {
    const res = await postJson(`${server.base}/api/v1/auth/login`, { username: 'admin' });
    expect(res.status).to.equal(400);
    expect(res.body?.error).to.deep.include({ code: 'VALIDATION_FAILED' });
    expect((res.body?.error as { message: string }).message).to.contain('password: is required');
  });

  it('locks an account after five failures, refuses the right password, and audits it all', async () => {
    for (let i = 1; i <= 4; i++) {
      const res = await login('victim', `guess-${i}`);
      expect(res.status).to.equal(401);
      expect(res.body?.error).to.deep.include({ code: 'AUTH_INVALID_CREDENTIALS' });
    }
    const fifth = await login('victim', 'guess-5');
    expect(fifth.status).to.equal(423);
    expect(fifth.body?.error).to.deep.include({ code: 'AUTH_ACCOUNT_LOCKED' });
    const right = await login('victim', 'victim-password');
    expect(right.status).to.equal(423);
    expect((right.body?.error as { message: string }).message).to.match(/try again after \d{4}-\d\d-\d\dT/);

    const victim = await db.users.findByUsername('victim');
    expect(victim?.failedLoginCount).to.equal(5);
    expect(victim?.lockedUntil?.getTime()).to.be.greaterThan(Date.now() + 14 * 60_000);
    const rows = await db.auditRows.find({ action: 'auth.login', targetId: victim!.id });
    expect(rows.map((r) => r.outcome)).to.deep.equal([
      'denied',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
  });

  it('answers an unknown user exactly like a wrong password', async () => {
    const unknown = await login('nobody-here', 'whatever');
    const wrong = await login('clerk', 'whatever');
    expect([unknown.status, unknown.body]).to.deep.equal([wrong.status, wrong.body]);
  });

  it('refuses a non-admin on an admin route with 403 and a denied audit row', async () => {
    const token = (await login('clerk', 'clerk-password')).body?.token as string;
    const res = await postJson(`${server.base}/api/v1/users`, { username: 'sneaky' }, token);
    expect(res.status).to.equal(403);
    expect(res.body?.error).to.deep.include({ code: 'FORBIDDEN' });
    const [row] = await db.auditRows.find({ action: 'access.admin', outcome: 'denied' });
    expect(row).to.include({ actorName: 'clerk', targetType: 'route', targetId: 'POST /api/v1/users' });
    expect(await db.users.findByUsername('sneaky')).to.equal(null);
  });

  it('commits an audited admin write together with its ok audit row', async () => {
    const token = (await login('admin', 'admin-password')).body?.token as string;
    const res = await postJson(`${server.base}/api/v1/users`, { username: 'newbie' }, token);
    expect(res.status).to.equal(201);
    const created = await db.users.findByUsername('newbie');
    expect(created?.id).to.equal(res.body?.id);
    const [row] = await db.auditRows.find({ action: 'user.create', targetId: created!.id });
    expect(row).to.include({ outcome: 'ok', actorName: 'admin', targetType: 'user' });
    expect(row.requestId).to.match(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(row.details)).to.deep.equal({ username: 'newbie' });
  });

  it('rolls back a failed audited write and records a failed audit row', async () => {
    const token = (await login('admin', 'admin-password')).body?.token as string;
    const res = await postJson(
      `${server.base}/api/v1/users`,
      { username: 'ghost', failAfterInsert: true },
      token,
    );
    expect(res.status).to.equal(409);
    expect(await db.users.findByUsername('ghost')).to.equal(null);
    const rows = await db.auditRows.find({ action: 'user.create' });
    const failed = rows.filter((r) => r.outcome === 'failed');
    expect(failed).to.have.length(1);
    // The id the write had chosen is kept: it says which (now non-existent) row the failed attempt was about.
    expect(failed[0]).to.include({ actorName: 'admin', targetType: 'user' });
    expect(failed[0].targetId).to.match(/^[0-9a-f-]{36}$/);
    expect(await db.users.findById(failed[0].targetId!)).to.equal(null);
    expect(JSON.parse(failed[0].details)).to.deep.equal({
      username: 'ghost',
      errorCode: 'CONFLICT',
      error: 'Refused after the insert, on request',
    });
  });
});
