/**
 * common's migrations on both drivers: up creates the tables and indexes, down removes them and up runs again;
 * datetimes come back with their milliseconds, stored as UTC.
 */
import { forEachDriver } from '@quire/testkit';
import { expect } from 'chai';
import { AuditLogEntity, newId } from '../src';
import { openTestDb, type TestDb } from './auth-harness';

forEachDriver('common schema', (_driver, getUrl) => {
  let db: TestDb;

  beforeEach(async () => {
    db = await openTestDb(await getUrl());
  });

  afterEach(async () => {
    await db.dataSource.destroy();
  });

  it('creates the tables with their unique and lookup indexes', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      const users = await runner.getTable('users');
      const tokens = await runner.getTable('auth_tokens');
      const audit = await runner.getTable('audit_log');
      expect(users?.indices.find((i) => i.name === 'uq_users_username')?.isUnique).to.equal(true);
      expect(tokens?.indices.find((i) => i.name === 'uq_auth_tokens_token_hash')?.isUnique).to.equal(true);
      expect(tokens?.indices.map((i) => i.name)).to.include('idx_auth_tokens_expires_at');
      expect(audit?.indices.map((i) => i.name)).to.include.members([
        'idx_audit_log_at',
        'idx_audit_log_actor_id',
      ]);
      expect(tokens?.foreignKeys.map((fk) => fk.referencedTableName)).to.deep.equal(['users']);
    } finally {
      await runner.release();
    }
  });

  it('enforces unique user names', async () => {
    await db.users.create(
      { username: 'dup', displayName: 'A', passwordHash: null, isAdmin: false },
      new Date(),
    );
    let error: unknown;
    try {
      await db.users.create(
        { username: 'dup', displayName: 'B', passwordHash: null, isAdmin: false },
        new Date(),
      );
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(Error);
    expect(await db.users.count()).to.equal(1);
  });

  it('migrates down and up again', async () => {
    await db.dataSource.undoLastMigration({ transaction: 'each' });
    const runner = db.dataSource.createQueryRunner();
    try {
      for (const table of ['users', 'auth_tokens', 'audit_log'])
        expect(await runner.hasTable(table)).to.equal(false);
      const applied = await db.dataSource.runMigrations({ transaction: 'each' });
      expect(applied.map((m) => m.name)).to.deep.equal(['CreateAuthTables1763700000000']);
      for (const table of ['users', 'auth_tokens', 'audit_log'])
        expect(await runner.hasTable(table)).to.equal(true);
    } finally {
      await runner.release();
    }
  });

  it('round-trips datetimes with milliseconds, stored as UTC', async () => {
    const at = new Date('2031-02-03T04:05:06.789Z');
    const id = newId();
    await db.dataSource.getRepository(AuditLogEntity).insert({
      id,
      at,
      actorId: null,
      actorName: 'system',
      action: 'test.datetime',
      targetType: 'test',
      targetId: null,
      details: '{}',
      outcome: 'ok',
      remoteAddr: '',
      requestId: '',
    });
    const row = await db.dataSource.getRepository(AuditLogEntity).findOneByOrFail({ id });
    expect(row.at.toISOString()).to.equal('2031-02-03T04:05:06.789Z');
    const [raw] = (await db.dataSource.query(
      'SELECT CAST(at AS CHAR) AS stored FROM audit_log WHERE id = ?',
      [id],
    )) as { stored: string }[];
    expect(raw.stored).to.equal('2031-02-03 04:05:06.789');
  });
});
