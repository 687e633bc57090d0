/**
 * The database bootstrap: one TypeORM DataSource for MySQL/MariaDB (mysql2) or embedded SQLite (better-sqlite3).
 *
 * The same entities and migrations serve both drivers, so entities use only portable column types (varchar,
 * integer, boolean, text, datetime) and migrations use TypeORM's Table API rather than raw DDL. The schema is
 * only ever changed by migrations (`synchronize` is off); `openDatabase` runs the pending ones at start-up.
 */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import { ErrorCode, QuireError } from '../errors';
import { serializeSqliteAccess } from './sqlite-serializer';

export type DbDriver = 'sqlite' | 'mysql';

export interface DatabaseOptions {
  /** `sqlite:PATH` or `mysql://user:pass@host:port/db`. */
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  /** MySQL pool size. */
  poolSize?: number;
}

/** Which driver a DB URL selects; throws DB_URL_INVALID for anything else. */
export function driverOf(url: string): DbDriver {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (url.startsWith('mysql://')) return 'mysql';
  throw new QuireError(ErrorCode.DbUrlInvalid, `Database URL must start with "sqlite:" or "mysql://"`);
}

function sqliteOptions(url: string): DataSourceOptions {
  const file = url.slice('sqlite:'.length);
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return {
    type: 'better-sqlite3',
    database: file,
    // WAL lets readers run beside the writer; synchronous=FULL makes every commit durable, which the
    // "acknowledge only after the DB commit" rule depends on.
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    },
  };
}

function mysqlOptions(url: string, poolSize: number): DataSourceOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QuireError(
      ErrorCode.DbUrlInvalid,
      'Database URL is not a valid mysql://user:pass@host:port/db URL',
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database)
    throw new QuireError(ErrorCode.DbUrlInvalid, 'Database URL names no database (mysql://…/DBNAME)');
  return {
    type: 'mysql',
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    username: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
    charset: 'utf8mb4_unicode_ci',
    // Store and read every datetime as UTC, whatever the server's time zone.
    timezone: 'Z',
    extra: { connectionLimit: poolSize },
  };
}

/** Build (but do not open) the DataSource for `options.url`. */
export function createDataSource(options: DatabaseOptions): DataSource {
  const base =
    driverOf(options.url) === 'sqlite'
      ? sqliteOptions(options.url)
      : mysqlOptions(options.url, options.poolSize ?? 10);
  return new DataSource({
    ...base,
    entities: options.entities,
    migrations: options.migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    logging: false,
  } as DataSourceOptions);
}

/** Open the database and apply pending migrations. Returns the names of the migrations it ran. */
export async function openDatabase(
  options: DatabaseOptions,
): Promise<{ dataSource: DataSource; applied: string[] }> {
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  if (driverOf(options.url) === 'sqlite') serializeSqliteAccess(dataSource);
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return { dataSource, applied: applied.map((m) => m.name) };
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}

/** A quick round trip for /readyz. */
export async function pingDatabase(dataSource: DataSource): Promise<void> {
  await dataSource.query('SELECT 1');
}
