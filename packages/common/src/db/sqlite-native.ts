/**
 * better-sqlite3 as the worker threads use it directly (the writer thread of unit-writers.ts, the bulk thread of
 * bulk-transaction.ts), outside TypeORM: the package ships no types of its own, so the part they use is typed here.
 */

/** A prepared statement. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  all(...params: unknown[]): unknown[];
}

/** An open connection. */
export interface SqliteDatabase {
  pragma(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  readonly inTransaction: boolean;
  close(): void;
}

/** Open `file`, waiting up to `timeout` ms for another connection's lock. */
export function openSqlite(file: string, timeout: number): SqliteDatabase {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped native module, typed above
  const Database = require('better-sqlite3') as new (
    file: string,
    options: { timeout: number },
  ) => SqliteDatabase;
  return new Database(file, { timeout });
}
