/**
 * AuthService rules on an in-memory SQLite database with a fake clock: login and tokens, no user enumeration,
 * lockout and its expiry, disabled accounts, token expiry and the throttled last-used update.
 */
import { expect } from 'chai';
import type { DataSource } from 'typeorm';
import { hashPassword, sha256Hex } from '../crypto';
import { openDatabase } from '../db/data-source';
import { ErrorCode, QuireError } from '../errors';
import { commonEntities, commonMigrations } from '../migrations';
import { AuditLogRepository } from './audit-log.repository';
import { AuditService } from './audit.service';
import { AuthTokenRepository } from './auth-token.repository';
import { AuthService } from './auth.service';
import { UserRepository } from './user.repository';

const ctx = { remoteAddr: '192.0.2.7', requestId: 'req-test' };

async function refusal(promise: Promise<unknown>): Promise<QuireError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(QuireError);
    return err as QuireError;
  }
  throw new Error('expected the login to be refused');
}

describe('AuthService', () => {
  let dataSource: DataSource;
  let clock: Date;
  let users: UserRepository;
  let tokens: AuthTokenRepository;
  let auditRows: AuditLogRepository;
  let auth: AuthService;
  const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));

  before(async () => {
    ({ dataSource } = await openDatabase({
      url: 'sqlite::memory:',
      entities: commonEntities,
      migrations: commonMigrations,
    }));
    users = new UserRepository(dataSource);
    tokens = new AuthTokenRepository(dataSource);
    auditRows = new AuditLogRepository(dataSource);
    const passwordHash = await hashPassword('correct horse');
    await users.create({ username: 'ann', displayName: 'Ann', passwordHash, isAdmin: true }, new Date());
    await users.create(
      { username: 'dis', displayName: 'Dis', passwordHash, isAdmin: false, disabled: true },
      new Date(),
    );
  });

  after(() => dataSource.destroy());

  beforeEach(async () => {
    clock = new Date('2030-01-01T10:00:00.000Z');
    const now = () => clock;
    auth = new AuthService({
      users,
      tokens,
      audit: new AuditService(auditRows, now),
      settings: { tokenTtlMinutes: 60, maxFailedLogins: 3, lockoutMinutes: 15 },
      now,
    });
    const ann = await users.findByUsername('ann');
    await users.clearFailedLogins(ann!.id, clock);
  });

  it('issues a token that authenticates until logout', async () => {
    const { token, expiresAt, user } = await auth.login('ann', 'correct horse', ctx);
    expect(user.username).to.equal('ann');
    expect(expiresAt.toISOString()).to.equal('2030-01-01T11:00:00.000Z');
    const principal = await auth.authenticate(token);
    expect(principal).to.include({ userId: user.id, username: 'ann', isAdmin: true });
    expect(await auth.logout(token)).to.equal(true);
    expect(await auth.authenticate(token)).to.equal(null);
  });

  it('gives an unknown user and a wrong password the same answer', async () => {
    const unknown = await refusal(auth.login('nobody', 'correct horse', ctx));
    const wrong = await refusal(auth.login('ann', 'wrong', ctx));
    expect([unknown.code, unknown.message, unknown.httpStatus]).to.deep.equal([
      wrong.code,
      wrong.message,
      wrong.httpStatus,
    ]);
    expect(unknown.code).to.equal(ErrorCode.AuthInvalidCredentials);
  });

  it('locks after maxFailedLogins failures, refuses even the right password, and unlocks after lockoutMinutes', async () => {
    expect((await refusal(auth.login('ann', 'bad1', ctx))).code).to.equal(ErrorCode.AuthInvalidCredentials);
    expect((await refusal(auth.login('ann', 'bad2', ctx))).code).to.equal(ErrorCode.AuthInvalidCredentials);
    const locking = await refusal(auth.login('ann', 'bad3', ctx));
    expect(locking.code).to.equal(ErrorCode.AuthAccountLocked);
    expect(locking.httpStatus).to.equal(423);
    expect(locking.message).to.contain('2030-01-01T10:15:00.000Z');

    advance(14 * 60_000);
    const stillLocked = await refusal(auth.login('ann', 'correct horse', ctx));
    expect(stillLocked.code).to.equal(ErrorCode.AuthAccountLocked);

    advance(60_000);
    const { token } = await auth.login('ann', 'correct horse', ctx);
    expect(await auth.authenticate(token)).not.to.equal(null);
    expect((await users.findByUsername('ann'))?.failedLoginCount).to.equal(0);
  });

  it('gives a fresh allowance once a lock has run out', async () => {
    for (const attempt of ['a', 'b', 'c']) await refusal(auth.login('ann', attempt, ctx));
    advance(16 * 60_000);
    expect((await refusal(auth.login('ann', 'd', ctx))).code).to.equal(ErrorCode.AuthInvalidCredentials);
    expect((await refusal(auth.login('ann', 'e', ctx))).code).to.equal(ErrorCode.AuthInvalidCredentials);
  });

  it('resets the failure count on success', async () => {
    await refusal(auth.login('ann', 'a', ctx));
    await refusal(auth.login('ann', 'b', ctx));
    await auth.login('ann', 'correct horse', ctx);
    await refusal(auth.login('ann', 'c', ctx));
    expect((await refusal(auth.login('ann', 'd', ctx))).code).to.equal(ErrorCode.AuthInvalidCredentials);
  });

  it('audits failed, denied and successful logins, with an actor id only for the successful one', async () => {
    const auditCtx = { ...ctx, requestId: 'req-audit' };
    for (const attempt of ['a', 'b', 'c', 'correct horse']) {
      await auth.login('ann', attempt, auditCtx).catch(() => undefined);
    }
    advance(15 * 60_000);
    const { user } = await auth.login('ann', 'correct horse', auditCtx);
    const rows = await auditRows.find({ action: 'auth.login', requestId: 'req-audit' });
    expect(rows.map((r) => r.outcome)).to.deep.equal(['ok', 'denied', 'failed', 'failed', 'failed']);
    for (const row of rows) {
      expect(row).to.include({ actorName: 'ann', targetId: user.id, remoteAddr: '192.0.2.7' });
    }
    expect(rows.map((r) => r.actorId)).to.deep.equal([user.id, null, null, null, null]);
    expect(JSON.parse(rows[1].details)).to.deep.equal({ reason: 'locked' });
    expect(JSON.parse(rows[2].details)).to.deep.equal({
      reason: 'invalid',
      failures: 3,
      lockedUntil: '2030-01-01T10:15:00.000Z',
    });
  });

  it('refuses a disabled account only after the password checks out', async () => {
    expect((await refusal(auth.login('dis', 'wrong', ctx))).code).to.equal(ErrorCode.AuthInvalidCredentials);
    expect((await refusal(auth.login('dis', 'correct horse', ctx))).code).to.equal(
      ErrorCode.AuthAccountDisabled,
    );
  });

  it('refuses and purges an expired token', async () => {
    const { token } = await auth.login('ann', 'correct horse', ctx);
    advance(60 * 60_000);
    expect(await auth.authenticate(token)).to.equal(null);
    expect(await tokens.findByHash(sha256Hex(token))).to.equal(null);
  });

  it('updates last_used_at at most once a minute', async () => {
    const { token } = await auth.login('ann', 'correct horse', ctx);
    const lastUsed = async () => (await tokens.findByHash(sha256Hex(token)))?.lastUsedAt?.toISOString();
    await auth.authenticate(token);
    expect(await lastUsed()).to.equal('2030-01-01T10:00:00.000Z');
    advance(30_000);
    await auth.authenticate(token);
    expect(await lastUsed()).to.equal('2030-01-01T10:00:00.000Z');
    advance(30_000);
    await auth.authenticate(token);
    expect(await lastUsed()).to.equal('2030-01-01T10:01:00.000Z');
  });

  it('returns null for empty, oversized and unknown tokens', async () => {
    expect(await auth.authenticate('')).to.equal(null);
    expect(await auth.authenticate('x'.repeat(10_000))).to.equal(null);
    expect(await auth.authenticate('not-a-token')).to.equal(null);
  });

  it('purges expired tokens in bulk', async () => {
    await auth.login('ann', 'correct horse', ctx);
    advance(61 * 60_000);
    expect(await auth.purgeExpiredTokens()).to.be.greaterThan(0);
  });
});
