import { expect } from 'chai';
import { sqliteTestUrl } from '@quire/testkit';
import { type DataSource } from 'typeorm';
import { createDataSource } from '../src/db/data-source';
import { serializeSqliteAccess } from '../src/db/sqlite-serializer';
import { isQuireError } from '../src/errors';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function openScratch(serialized: boolean): Promise<DataSource> {
  const dataSource = createDataSource({ url: sqliteTestUrl('serializer'), entities: [], migrations: [] });
  await dataSource.initialize();
  if (serialized) serializeSqliteAccess(dataSource);
  await dataSource.query('CREATE TABLE notes (name varchar(20) PRIMARY KEY)');
  return dataSource;
}

async function names(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> = await dataSource.query('SELECT name FROM notes ORDER BY name');
  return rows.map((row) => row.name);
}

/** A transaction that writes, waits (as a request awaiting I/O would), then fails and rolls back. */
async function failingTransaction(dataSource: DataSource): Promise<void> {
  await dataSource
    .transaction(async (manager) => {
      await manager.query("INSERT INTO notes (name) VALUES ('rolled-back')");
      await pause(50);
      throw new Error('boom');
    })
    .catch(() => undefined);
}

describe('SQLite access around transactions', () => {
  const opened: DataSource[] = [];
  after(async () => {
    await Promise.all(opened.map((ds) => ds.destroy()));
  });

  it('without the serializer, a write made during another transaction is lost on its rollback (the bug)', async () => {
    const dataSource = await openScratch(false);
    opened.push(dataSource);
    const tx = failingTransaction(dataSource);
    await pause(10);
    await dataSource.query("INSERT INTO notes (name) VALUES ('accepted')");
    await tx;
    expect(await names(dataSource)).to.deep.equal([]);
  });

  it('with the serializer, the outside write waits for the transaction and survives its rollback', async () => {
    const dataSource = await openScratch(true);
    opened.push(dataSource);
    const tx = failingTransaction(dataSource);
    await pause(10);
    await dataSource.query("INSERT INTO notes (name) VALUES ('accepted')");
    await tx;
    expect(await names(dataSource)).to.deep.equal(['accepted']);
  });

  it('runs concurrent transactions one after the other, each committing its own writes', async () => {
    const dataSource = await openScratch(true);
    opened.push(dataSource);
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        dataSource.transaction(async (manager) => {
          await manager.query('INSERT INTO notes (name) VALUES (?)', [`${name}1`]);
          await pause(5);
          await manager.query('INSERT INTO notes (name) VALUES (?)', [`${name}2`]);
        }),
      ),
    );
    expect(await names(dataSource)).to.deep.equal(['a1', 'a2', 'b1', 'b2', 'c1', 'c2']);
  });

  it('allows a nested transaction inside the one holding the turn', async () => {
    const dataSource = await openScratch(true);
    opened.push(dataSource);
    await dataSource.transaction(async (manager) => {
      await manager.query("INSERT INTO notes (name) VALUES ('outer')");
      await manager.transaction((inner) => inner.query("INSERT INTO notes (name) VALUES ('inner')"));
    });
    expect(await names(dataSource)).to.deep.equal(['inner', 'outer']);
  });

  it('refuses a transaction started outside dataSource.transaction(), with a message saying what to use', async () => {
    const dataSource = await openScratch(true);
    opened.push(dataSource);
    const runner = dataSource.createQueryRunner();
    let caught: unknown;
    try {
      await runner.startTransaction();
    } catch (err) {
      caught = err;
    }
    expect(isQuireError(caught)).to.equal(true);
    expect((caught as Error).message).to.contain('dataSource.transaction()');
  });
});
