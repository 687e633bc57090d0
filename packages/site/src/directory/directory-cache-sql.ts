/**
 * Plain SQL over the directory cache's tables, for the writes the federation sink makes in bulk (one statement
 * per table and chunk of rows instead of one per row: a 1,000-user batch must apply in tens of milliseconds)
 * and for the tables that have no TypeORM entity. Positional `?` parameters read the same on SQLite and MySQL;
 * the few places the drivers differ (upserts, datetimes, booleans) are kept here.
 */
import { type EntityManager } from 'typeorm';
import { type ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { type SqlValue } from '@quire/common';

/** Rows per multi-row INSERT: about 9,000 parameters for the widest table, far below both drivers' limits. */
const INSERT_CHUNK = 500;
/** Values per `IN (...)` list. */
const IN_CHUNK = 500;

/** How a `datetime(3)` column is written and read, as TypeORM itself does it. */
const DATETIME = { type: 'datetime', precision: 3 } as unknown as ColumnMetadata;

/** SQL helpers bound to one EntityManager (usually a transaction's). */
export class CacheSql {
  readonly mysql: boolean;

  constructor(private readonly manager: EntityManager) {
    this.mysql = manager.connection.driver.options.type === 'mysql';
  }

  /** Run one statement. */
  query<T = unknown>(sql: string, params: SqlValue[] = []): Promise<T> {
    return this.manager.query(sql, params) as Promise<T>;
  }

  /** INSERT `rows` (each one value per column) with as few statements as the chunking allows. */
  async insertRows(table: string, columns: string[], rows: SqlValue[][]): Promise<void> {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      await this.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`,
        chunk.flat(),
      );
    }
  }

  /** Run `sql` once per chunk of `values`, with `(?)` in it replaced by the chunk's placeholder list. */
  async eachIn(sql: string, values: readonly SqlValue[], before: SqlValue[] = []): Promise<void> {
    for (let i = 0; i < values.length; i += IN_CHUNK) {
      const chunk = values.slice(i, i + IN_CHUNK);
      await this.query(sql.replace('(?)', placeholders(chunk.length)), [...before, ...chunk]);
    }
  }

  /** The rows of `sql` over every chunk of `values` (same `(?)` convention as `eachIn`). */
  async selectIn<T>(sql: string, values: readonly SqlValue[]): Promise<T[]> {
    const rows: T[] = [];
    for (let i = 0; i < values.length; i += IN_CHUNK) {
      const chunk = values.slice(i, i + IN_CHUNK);
      rows.push(...(await this.query<T[]>(sql.replace('(?)', placeholders(chunk.length)), [...chunk])));
    }
    return rows;
  }

  /** A Date as a datetime column stores it. */
  date(value: Date | null): SqlValue {
    if (value === null) return null;
    return this.manager.connection.driver.preparePersistentValue(value, DATETIME) as SqlValue;
  }

  /** A datetime column's value as a Date. */
  readDate(value: unknown): Date | null {
    if (value === null || value === undefined) return null;
    return this.manager.connection.driver.prepareHydratedValue(value, DATETIME) as Date;
  }

  /** A boolean as both drivers store it. */
  bool(value: boolean): number {
    return value ? 1 : 0;
  }

  /** A value of `federation_state`, or null. */
  async state(name: string): Promise<string | null> {
    const rows = await this.query<Array<{ value: string }>>(
      'SELECT value FROM federation_state WHERE name = ?',
      [name],
    );
    return rows[0]?.value ?? null;
  }

  /** Set a value of `federation_state`. */
  async setState(name: string, value: string): Promise<void> {
    const upsert = this.mysql
      ? 'ON DUPLICATE KEY UPDATE value = VALUES(value)'
      : 'ON CONFLICT (name) DO UPDATE SET value = excluded.value';
    await this.query(`INSERT INTO federation_state (name, value) VALUES (?, ?) ${upsert}`, [name, value]);
  }
}

/** `(?, ?, ...)` for `count` values. */
export function placeholders(count: number): string {
  return `(${new Array<string>(count).fill('?').join(', ')})`;
}
