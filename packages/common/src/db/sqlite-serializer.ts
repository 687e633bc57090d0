/**
 * Serialises access to an embedded SQLite database around transactions.
 *
 * Why: TypeORM's better-sqlite3 driver has exactly one connection and one query runner. While one request has a
 * transaction open (and awaits something inside it), a query from another request runs on the same connection
 * and so lands inside that transaction; if the transaction then rolls back, a write that was already reported as
 * done is silently lost. That breaks "nothing accepted is lost" on every SQLite site.
 *
 * How: a transaction holds an exclusive turn for its whole duration; the code running inside it is recognised
 * through AsyncLocalStorage and passes straight through, while queries from anywhere else wait for the turn to
 * end. When no transaction is open, queries run at once (better-sqlite3 executes each one synchronously, so a
 * single statement cannot interleave with anything). Starting a transaction any other way than through
 * `dataSource.transaction()` / `manager.transaction()` (for example TypeORM's implicit transaction in `save()`) is
 * refused with a clear error, because its statements could not be told apart from other requests' statements.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type DataSource, type QueryRunner } from 'typeorm';
import { ErrorCode, QuireError } from '../errors';

export class SqliteSerializer {
  private readonly context = new AsyncLocalStorage<symbol>();
  private owner: symbol | null = null;
  private queued = 0;
  private tail: Promise<unknown> = Promise.resolve();

  /** True when the caller runs inside the transaction that currently holds the turn. */
  isOwner(): boolean {
    return this.owner !== null && this.context.getStore() === this.owner;
  }

  /** Run `fn` alone: after every earlier turn, with later callers waiting until it settles. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const token = Symbol('sqlite-turn');
    this.queued += 1;
    const run = async (): Promise<T> => {
      this.owner = token;
      try {
        return await this.context.run(token, fn);
      } finally {
        this.owner = null;
        this.queued -= 1;
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Run a single statement: at once when nothing is queued or the caller owns the turn, else after the queue. */
  statement<T>(fn: () => Promise<T>): Promise<T> {
    if (this.isOwner() || this.queued === 0) return fn();
    return this.exclusive(fn);
  }
}

/**
 * TypeORM opens SQLite transactions with a deferred BEGIN. Another connection (the writer thread of
 * unit-writers.ts) may commit between this transaction's first read and its first write, and SQLite then refuses
 * the write at once (SQLITE_BUSY on a stale snapshot) instead of waiting. An immediate BEGIN takes the write turn
 * up front, waiting for it with the busy timeout, so the transaction can never be refused halfway.
 */
function immediateBegin(args: unknown[]): unknown[] {
  return args[0] === 'BEGIN TRANSACTION' ? ['BEGIN IMMEDIATE TRANSACTION', ...args.slice(1)] : args;
}

const serializers = new WeakMap<DataSource, SqliteSerializer>();

/** The serializer installed on `dataSource`, or null (not SQLite). */
export function sqliteSerializerOf(dataSource: DataSource): SqliteSerializer | null {
  return serializers.get(dataSource) ?? null;
}

/**
 * Install the serializer on an initialised better-sqlite3 DataSource: transactions and migrations take an
 * exclusive turn, and every statement on the shared query runner waits for the turn unless it belongs to it.
 */
export function serializeSqliteAccess(dataSource: DataSource): SqliteSerializer {
  const serializer = new SqliteSerializer();
  serializers.set(dataSource, serializer);
  const runner: QueryRunner = dataSource.driver.createQueryRunner('master');

  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  runner.query = ((...args: unknown[]) =>
    serializer.statement(() => query(...immediateBegin(args)))) as QueryRunner['query'];

  const startTransaction = runner.startTransaction.bind(runner);
  runner.startTransaction = (isolation) => {
    if (!serializer.isOwner()) {
      throw new QuireError(
        ErrorCode.Internal,
        'On SQLite, start transactions with dataSource.transaction() or manager.transaction() (TypeORM save() starts its own: pass { transaction: false } inside a transaction, or use insert/update)',
      );
    }
    return startTransaction(isolation);
  };

  const manager = dataSource.manager;
  const transaction = manager.transaction.bind(manager) as (...args: unknown[]) => Promise<unknown>;
  manager.transaction = ((...args: unknown[]) =>
    serializer.isOwner()
      ? transaction(...args)
      : serializer.exclusive(() => transaction(...args))) as typeof manager.transaction;

  const runMigrations = dataSource.runMigrations.bind(dataSource);
  dataSource.runMigrations = (options) => serializer.exclusive(() => runMigrations(options));
  const undoLastMigration = dataSource.undoLastMigration.bind(dataSource);
  dataSource.undoLastMigration = (options) => serializer.exclusive(() => undoLastMigration(options));
  return serializer;
}
