/**
 * Multi-row upserts on natural keys for the replicated tables, in each driver's own dialect: SQLite's
 * `INSERT ... ON CONFLICT (...) DO UPDATE/NOTHING` and MariaDB's `INSERT ... ON DUPLICATE KEY UPDATE`. One
 * statement carries many rows, because a statement per row (or an ORM save per row) costs more than the row.
 *
 * Two rules: `latest-wins` (jobs) overwrites a stored row only with a row from a later outbox record, so a
 * replayed or late record never rolls a job back; `keep-first` (events, audit entries, which never change)
 * leaves a stored row alone. Both make applying the same rows twice change nothing.
 *
 * On SQLite, rows are cut into chunks of a few fixed sizes, so a table needs at most five distinct statement
 * texts: the writer thread prepares each text once and keeps it. MariaDB statements go as text (nothing is
 * prepared), so there a batch takes as few statements as the placeholder limit allows: every statement is a
 * round trip.
 */
import { type PlannedStatement, type SqlValue } from '@quire/common';
import { type DataSource } from 'typeorm';

/** How a row whose key is already stored is treated. */
export type ConflictRule = { kind: 'latest-wins'; seqColumn: string } | { kind: 'keep-first' };

/** What one upsert writes: a table, its columns in value order, and the key columns among them. */
export interface UpsertTarget {
  table: string;
  columns: readonly string[];
  keyColumns: readonly string[];
  rule: ConflictRule;
}

/** Rows per SQLite statement, largest first; 256 rows of the widest table stay far below its limit. */
const SQLITE_CHUNK_SIZES = [256, 64, 16, 4, 1] as const;
/** Placeholders per MariaDB statement (its limit is 65,535). */
const MYSQL_MAX_PARAMS = 30_000;

/** The values of `count` rows from `offset`, one after another (Array.prototype.flat is slow on V8). */
function flatten(rows: readonly SqlValue[][], offset: number, count: number): SqlValue[] {
  const params: SqlValue[] = [];
  for (let i = offset; i < offset + count; i += 1) {
    for (const value of rows[i]) params.push(value);
  }
  return params;
}

/** Builds the upsert statements of one table for the DataSource's driver. */
export class UpsertStatements {
  private readonly mysql: boolean;
  private readonly texts = new Map<number, string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly target: UpsertTarget,
  ) {
    this.mysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
  }

  /** The statements that upsert `rows` (each a value per column, in column order). */
  statements(rows: readonly SqlValue[][]): PlannedStatement[] {
    const statements: PlannedStatement[] = [];
    if (this.mysql) {
      const perStatement = Math.floor(MYSQL_MAX_PARAMS / this.target.columns.length);
      for (let offset = 0; offset < rows.length; offset += perStatement) {
        const count = Math.min(perStatement, rows.length - offset);
        statements.push({ sql: this.build(count), params: flatten(rows, offset, count) });
      }
      return statements;
    }
    let offset = 0;
    for (const size of SQLITE_CHUNK_SIZES) {
      while (rows.length - offset >= size) {
        statements.push({ sql: this.text(size), params: flatten(rows, offset, size) });
        offset += size;
      }
    }
    return statements;
  }

  private text(rowCount: number): string {
    let sql = this.texts.get(rowCount);
    if (sql === undefined) {
      sql = this.build(rowCount);
      this.texts.set(rowCount, sql);
    }
    return sql;
  }

  private build(rowCount: number): string {
    const q = (name: string) => this.dataSource.driver.escape(name);
    const { table, columns } = this.target;
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const insert = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${Array(rowCount)
      .fill(tuple)
      .join(', ')}`;
    return `${insert} ${this.mysql ? this.mysqlConflict() : this.sqliteConflict()}`;
  }

  private sqliteConflict(): string {
    const q = (name: string) => this.dataSource.driver.escape(name);
    const { table, columns, keyColumns, rule } = this.target;
    const conflict = `ON CONFLICT (${keyColumns.map(q).join(', ')})`;
    if (rule.kind === 'keep-first') return `${conflict} DO NOTHING`;
    const updates = columns.filter((c) => !keyColumns.includes(c)).map((c) => `${q(c)} = excluded.${q(c)}`);
    const seq = q(rule.seqColumn);
    return `${conflict} DO UPDATE SET ${updates.join(', ')} WHERE excluded.${seq} > ${q(table)}.${seq}`;
  }

  private mysqlConflict(): string {
    const q = (name: string) => this.dataSource.driver.escape(name);
    const { columns, keyColumns, rule } = this.target;
    // A no-op assignment: MariaDB has no DO NOTHING, and INSERT IGNORE would also hide real errors.
    if (rule.kind === 'keep-first')
      return `ON DUPLICATE KEY UPDATE ${q(keyColumns[0])} = ${q(keyColumns[0])}`;
    const seq = q(rule.seqColumn);
    const later = `VALUES(${seq}) > ${seq}`;
    // MariaDB applies the assignments left to right and later ones see earlier results, so the sequence
    // column, which every other assignment compares against, is assigned last.
    const updates = columns
      .filter((c) => !keyColumns.includes(c) && c !== rule.seqColumn)
      .map((c) => `${q(c)} = IF(${later}, VALUES(${q(c)}), ${q(c)})`);
    updates.push(`${seq} = GREATEST(${seq}, VALUES(${seq}))`);
    return `ON DUPLICATE KEY UPDATE ${updates.join(', ')}`;
  }
}
