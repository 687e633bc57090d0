/**
 * Bulk transactions: one long write transaction fed with many rows while the caller keeps working (reading a
 * source, planning the next batch), for the directory sync and its 100,000-user runs.
 *
 * Why: a sync that reads a page, plans it, and only then writes it spends its time in one place at a time. On
 * MariaDB the server applies the statements in its own process, so queuing them without waiting is enough. On
 * SQLite, better-sqlite3 executes on the calling thread, so the writes would stop everything else: there the
 * transaction runs on a second connection in a worker thread (sqlite-bulk-thread.ts), and the main connection
 * keeps only its serializer turn so no other statement of this process can wait on the lock the thread holds.
 * Either way a failure anywhere rolls back every row, and the caller sees the first error.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { QueuedWriter, type BulkWriter } from './bulk-writer';
import { SqliteBulkSession } from './sqlite-bulk-session';
import { sqliteSerializerOf } from './sqlite-serializer';

/**
 * Run `work` with a BulkWriter in one transaction: committed when `work` resolves and every queued write is
 * applied, rolled back (nothing kept) when either fails. `manager` reads the database (and on MariaDB is the
 * transaction's own manager). A file-backed SQLite database gets the worker-thread session; an in-memory one,
 * which a second connection cannot open, and MariaDB queue the writes on the transaction's connection.
 */
export async function runBulkTransaction<T>(
  dataSource: DataSource,
  work: (writer: BulkWriter, manager: EntityManager) => Promise<T>,
): Promise<T> {
  const serializer = sqliteSerializerOf(dataSource);
  const file = String(dataSource.options.database ?? '');
  if (serializer && file !== '' && file !== ':memory:') {
    return serializer.exclusive(async () => {
      const session = await SqliteBulkSession.begin(file);
      try {
        const result = await work(session, dataSource.manager);
        await session.commit();
        return result;
      } catch (err) {
        await session.rollback();
        throw err;
      }
    });
  }
  return dataSource.transaction(async (tx) => {
    const writer = new QueuedWriter(tx);
    try {
      const result = await work(writer, tx);
      await writer.settled();
      return result;
    } catch (err) {
      // Statements still queued would otherwise run after the ROLLBACK, outside the transaction.
      await writer.abandon();
      throw err;
    }
  });
}
