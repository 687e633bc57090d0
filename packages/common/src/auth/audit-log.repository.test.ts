/**
 * The audit insert hook on a real (in-memory) SQLite database: it runs inside the transaction that inserts the
 * row (the caller's, or one of its own), sees the row, makes the insert fail with it when it throws, reaches the
 * repositories audited writes build per call, and stops when removed.
 */
import { expect } from 'chai';
import { type DataSource, type EntityManager } from 'typeorm';
import { openDatabase } from '../db/data-source';
import { commonEntities, commonMigrations } from '../migrations';
import { AuditLogRepository, setAuditInsertHook, type NewAuditRow } from './audit-log.repository';
import { type AuditLogEntity } from './audit-log.entity';

function row(action: string): NewAuditRow {
  return {
    at: new Date(),
    actorId: null,
    actorName: 'admin',
    action,
    targetType: 'queue',
    targetId: null,
    details: '{}',
    outcome: 'ok',
    remoteAddr: '',
    requestId: '',
  };
}

describe('audit insert hook', () => {
  let dataSource: DataSource;
  let calls: Array<{ row: AuditLogEntity; inTransaction: boolean; visible: number }>;

  const count = () => dataSource.getRepository('audit_log').count();

  beforeEach(async () => {
    ({ dataSource } = await openDatabase({
      url: 'sqlite::memory:',
      entities: commonEntities,
      migrations: commonMigrations,
    }));
    calls = [];
  });

  afterEach(async () => {
    await dataSource.destroy();
  });

  const recordingHook = async (inserted: AuditLogEntity, manager: EntityManager) => {
    calls.push({
      row: inserted,
      inTransaction: manager.queryRunner?.isTransactionActive === true,
      visible: await manager.getRepository('audit_log').countBy({ id: inserted.id }),
    });
  };

  it('runs in a transaction of its own for a row written without one, and sees the row', async () => {
    setAuditInsertHook(dataSource, recordingHook);
    const inserted = await new AuditLogRepository(dataSource).insert(row('queue.create'));
    expect(calls).to.have.length(1);
    expect(calls[0]).to.deep.equal({ row: inserted, inTransaction: true, visible: 1 });
  });

  it("runs in the caller's transaction, and rolls back with it", async () => {
    setAuditInsertHook(dataSource, recordingHook);
    const failure = new Error('the audited change failed');
    const outcome = await dataSource
      .transaction(async (tx) => {
        await new AuditLogRepository(dataSource).insert(row('queue.delete'), tx);
        throw failure;
      })
      .catch((err: unknown) => err);
    expect(outcome).to.equal(failure);
    expect(calls.map((c) => [c.row.action, c.inTransaction])).to.deep.equal([['queue.delete', true]]);
    expect(await count()).to.equal(0);
  });

  it('fails the insert, leaving no row, when the hook throws', async () => {
    setAuditInsertHook(dataSource, async () => {
      throw new Error('outbox unavailable');
    });
    const outcome = await new AuditLogRepository(dataSource)
      .insert(row('queue.update'))
      .catch((err: unknown) => err);
    expect((outcome as Error).message).to.equal('outbox unavailable');
    expect(await count()).to.equal(0);
  });

  it('is not called once removed, nor for another DataSource', async () => {
    setAuditInsertHook(dataSource, recordingHook);
    setAuditInsertHook(dataSource, null);
    await new AuditLogRepository(dataSource).insert(row('queue.create'));
    const { dataSource: other } = await openDatabase({
      url: 'sqlite::memory:',
      entities: commonEntities,
      migrations: commonMigrations,
    });
    try {
      setAuditInsertHook(other, recordingHook);
      await new AuditLogRepository(dataSource).insert(row('queue.create'));
    } finally {
      await other.destroy();
    }
    expect(calls).to.deep.equal([]);
    expect(await count()).to.equal(2);
  });
});
