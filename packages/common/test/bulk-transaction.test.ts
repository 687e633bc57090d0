/**
 * Bulk transactions against real databases: a file-backed SQLite database (the worker-thread session) and
 * MariaDB (writes queued on the transaction's connection). Every row queued is committed together, or nothing is.
 */
import { AsyncResource } from 'node:async_hooks';
import { expect } from 'chai';
import { forEachDriver } from '@quire/testkit';
import { type DataSource } from 'typeorm';
import { runBulkTransaction } from '../src/db/bulk-transaction';
import { openDatabase } from '../src/db/data-source';

const ROWS = 5000;

function rows(from: number, count: number): unknown[][] {
  return Array.from({ length: count }, (_, i) => [`n${from + i}`, from + i]);
}

forEachDriver('bulk transaction', (driver, getUrl) => {
  let dataSource: DataSource;

  before(async () => {
    ({ dataSource } = await openDatabase({ url: await getUrl(), entities: [], migrations: [] }));
    await dataSource.query('CREATE TABLE bulk_notes (name varchar(20) PRIMARY KEY, value integer NOT NULL)');
  });
  after(() => dataSource?.destroy());
  beforeEach(() => dataSource.query('DELETE FROM bulk_notes'));

  const count = async (): Promise<number> =>
    Number((await dataSource.query('SELECT COUNT(*) AS n FROM bulk_notes'))[0].n);

  it('commits every queued insert and update, in the order queued', async () => {
    const result = await runBulkTransaction(dataSource, async (writer) => {
      writer.insert('bulk_notes', ['name', 'value'], rows(0, ROWS));
      writer.execute('UPDATE bulk_notes SET value = ? WHERE name = ?', [[-1, 'n7']]);
      writer.execute('DELETE FROM bulk_notes WHERE name = ?', [['n8']]);
      await writer.settled();
      return 'done';
    });
    expect(result).to.equal('done');
    expect(await count()).to.equal(ROWS - 1);
    const [seventh] = await dataSource.query("SELECT value FROM bulk_notes WHERE name = 'n7'");
    expect(Number(seventh.value)).to.equal(-1);
  });

  it('keeps nothing when a queued write fails, and rejects with the database error', async () => {
    await dataSource.query("INSERT INTO bulk_notes (name, value) VALUES ('before', 1)");
    let caught: unknown;
    await runBulkTransaction(dataSource, async (writer) => {
      writer.insert('bulk_notes', ['name', 'value'], rows(0, ROWS));
      writer.insert('bulk_notes', ['name', 'value'], [['n3', 3]]);
      writer.insert('bulk_notes', ['name', 'value'], rows(ROWS, 10));
    }).catch((err: unknown) => (caught = err));
    expect(String(caught)).to.match(/UNIQUE|Duplicate/i);
    expect(await count()).to.equal(1);
  });

  it('keeps nothing when the work fails after queuing rows, even rows not yet applied', async () => {
    let caught: unknown;
    await runBulkTransaction(dataSource, async (writer) => {
      for (let i = 0; i < 20; i++) writer.insert('bulk_notes', ['name', 'value'], rows(i * 100, 100));
      throw new Error('the source was lost');
    }).catch((err: unknown) => (caught = err));
    expect((caught as Error).message).to.equal('the source was lost');
    // Statements still queued when the work failed must not land after the rollback.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await count()).to.equal(0);
  });

  if (driver === 'sqlite') {
    it('writes on a connection of its own: reads inside see the state before, statements outside wait', async () => {
      let seenInside = -1;
      let outsideDone = false;
      let outside: Promise<unknown> = Promise.resolve();
      // Bound out here, as another request's statement would be: not part of the bulk transaction's turn.
      const writeFromElsewhere = AsyncResource.bind(() =>
        dataSource.query("INSERT INTO bulk_notes (name, value) VALUES ('outside', 0)"),
      );
      await runBulkTransaction(dataSource, async (writer, manager) => {
        expect(writer.ownConnection).to.equal(true);
        writer.insert('bulk_notes', ['name', 'value'], rows(0, 100));
        await writer.settled();
        seenInside = Number((await manager.query('SELECT COUNT(*) AS n FROM bulk_notes'))[0].n);
        outside = writeFromElsewhere().then(() => (outsideDone = true));
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(outsideDone, 'a write from elsewhere waits for the bulk transaction').to.equal(false);
      });
      await outside;
      expect(seenInside).to.equal(0);
      expect(await count()).to.equal(101);
    });
  }
});
