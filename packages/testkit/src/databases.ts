/**
 * Fresh databases for integration suites, on both drivers Quire supports: embedded SQLite and MariaDB.
 *
 * Every suite runs its whole body once per driver (see {@link forEachDriver}), because the two differ in
 * exactly the places that bite in production: types, datetimes, locking and constraint errors.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { track } from './registry';
import { sharedMariaDb } from './shared-mariadb';

/** The database drivers integration suites run against. */
export type TestDriver = 'sqlite' | 'mysql';

/** Fresh database URLs for one label, one per driver. */
export interface TestDatabaseUrls {
  sqlite: string;
  mysql: string;
}

// Installing and starting MariaDB on a fresh CI machine takes well over mocha's per-hook timeout.
const MARIADB_START_TIMEOUT_MS = 300_000;

let sqliteDir: string | undefined;

function scratchSqliteDir(): string {
  if (sqliteDir === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'quire-sqlite-'));
    const remove = (): void => rmSync(dir, { recursive: true, force: true });
    sqliteDir = dir;
    const untrack = track({
      description: `SQLite scratch directory ${dir}`,
      stop: async () => {
        remove();
        untrack();
        sqliteDir = undefined;
      },
      killNow: remove,
    });
  }
  return sqliteDir;
}

function fileLabel(label: string): string {
  return label.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40) || 'test';
}

/** A `sqlite:` URL naming a not-yet-existing file in a scratch directory that the teardown deletes. */
export function sqliteTestUrl(label = 'test'): string {
  const file = path.join(scratchSqliteDir(), `${fileLabel(label)}-${randomBytes(4).toString('hex')}.db`);
  return `sqlite:${file}`;
}

/** A fresh, empty database on the shared MariaDB server (started on first use), as a `mysql://` URL. */
export async function mariaDbTestUrl(label = 'test'): Promise<string> {
  return (await sharedMariaDb()).createDatabase(label);
}

/** Fresh database URLs for `label` on both drivers; starts the shared MariaDB server if needed. */
export async function testDatabaseUrls(label: string): Promise<TestDatabaseUrls> {
  return { sqlite: sqliteTestUrl(label), mysql: await mariaDbTestUrl(label) };
}

/** A fresh database URL for `driver`. */
export function testDatabaseUrl(driver: TestDriver, label: string): Promise<string> {
  return driver === 'sqlite' ? Promise.resolve(sqliteTestUrl(label)) : mariaDbTestUrl(label);
}

/**
 * Define one mocha `describe` block per driver, named `<label> [sqlite]` and `<label> [mysql]`, and call `fn`
 * inside each with the driver and a `getUrl` function. Every `getUrl()` call returns a new empty database, so
 * call it in `before` to share one database across the block or in `beforeEach` to isolate each test. The
 * MariaDB block first starts the shared server with a generous timeout, so the suite's own hooks keep theirs.
 */
export function forEachDriver(
  label: string,
  fn: (driver: TestDriver, getUrl: () => Promise<string>) => void,
): void {
  for (const driver of ['sqlite', 'mysql'] as const) {
    describe(`${label} [${driver}]`, function () {
      if (driver === 'mysql') {
        before(async function () {
          this.timeout(MARIADB_START_TIMEOUT_MS);
          await sharedMariaDb();
        });
      }
      fn(driver, () => testDatabaseUrl(driver, label));
    });
  }
}
