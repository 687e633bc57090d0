/**
 * Write units: a small, declarative form of "these statements, all or nothing", that a hot write path can hand
 * either to a TypeORM transaction (MySQL, and SQLite outside the hot path) or to the SQLite writer thread
 * (sqlite-writer.ts), which runs them off the event loop with prepared statements.
 *
 * Why not entities and repositories: a write that has to cross a thread boundary must be plain data, and the
 * per-call cost of TypeORM's query builder is most of the CPU an intake job costs. Statements are still built
 * from the TypeORM entity metadata (`EntityStatements`), so column names, value conversions and transformers
 * stay exactly what TypeORM itself writes and reads back.
 *
 * A statement may carry an expectation (`expectChanges`): the conditional UPDATE of a state transition must
 * change exactly one row, and when it does not, the whole unit is rolled back and reported as not applied,
 * which the caller turns into its own conflict error.
 */
import { type DataSource, type EntityManager, type ObjectLiteral, type EntityTarget } from 'typeorm';
import { ApplyValueTransformers } from 'typeorm/util/ApplyValueTransformers';
import { ErrorCode, QuireError } from '../errors';

/** A parameter value every driver and the thread boundary carry unchanged. */
export type SqlValue = string | number | bigint | boolean | null | Date | Buffer;

/** One SQL statement with positional (`?`) parameters. */
export interface PlannedStatement {
  sql: string;
  params: SqlValue[];
  /** The unit is rolled back (and reported as not applied) unless the statement changed exactly this many rows. */
  expectChanges?: number;
  /** Return the rows this statement selects. */
  returnRows?: boolean;
}

/** Statements applied together or not at all. */
export interface WriteUnit {
  statements: PlannedStatement[];
}

/** What each statement of an applied unit did: rows changed, and the rows of a `returnRows` statement. */
export interface StatementOutput {
  changes: number;
  rows?: Array<Record<string, unknown>>;
}

/** The outcome of a unit: applied (with outputs), or not applied because an expectation failed. */
export type UnitOutcome =
  | { applied: true; outputs: StatementOutput[] }
  | { applied: false; failedStatement: number; changes: number };

/** Raised inside a transaction to roll a unit back when an expectation fails. */
export class UnitNotApplied extends Error {
  constructor(
    readonly failedStatement: number,
    readonly changes: number,
  ) {
    super(`statement ${failedStatement} changed ${changes} rows`);
  }
}

/** Anything that applies write units durably: resolves once the unit is committed, or known not applied. */
export interface UnitWriter {
  submit(unit: WriteUnit): Promise<UnitOutcome>;
  /** Apply what was submitted, then release the writer's resources. */
  close(): Promise<void>;
}

/**
 * Run `unit`'s statements on `manager`, which must be inside a transaction. Throws {@link UnitNotApplied} when an
 * expectation fails, so the caller's transaction (or savepoint) rolls the unit back.
 */
export async function executeUnit(manager: EntityManager, unit: WriteUnit): Promise<StatementOutput[]> {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) {
    throw new QuireError(ErrorCode.Internal, 'A write unit runs inside a transaction');
  }
  const outputs: StatementOutput[] = [];
  for (const [index, statement] of unit.statements.entries()) {
    const result = await runner.query(statement.sql, statement.params, true);
    const rows = Array.isArray(result.records) ? (result.records as Array<Record<string, unknown>>) : [];
    const changes = statement.returnRows ? rows.length : Number(result.affected ?? 0);
    if (statement.expectChanges !== undefined && changes !== statement.expectChanges) {
      throw new UnitNotApplied(index, changes);
    }
    outputs.push(statement.returnRows ? { changes, rows } : { changes });
  }
  return outputs;
}

/** Builds INSERT and UPDATE statements for an entity from TypeORM's metadata, with TypeORM's value conversions. */
export class EntityStatements<E extends ObjectLiteral> {
  private readonly table: string;
  private readonly columns;

  constructor(
    private readonly dataSource: DataSource,
    target: EntityTarget<E>,
  ) {
    const metadata = dataSource.getMetadata(target);
    this.table = dataSource.driver.escape(metadata.tableName);
    this.columns = new Map(metadata.columns.map((column) => [column.propertyName, column]));
  }

  private column(property: string) {
    const column = this.columns.get(property);
    if (!column) throw new QuireError(ErrorCode.Internal, `${this.table} has no column for "${property}"`);
    return column;
  }

  /** The stored form of `value` for `property`: its transformer, then the driver's conversion. */
  private value(property: string, value: unknown): SqlValue {
    const column = this.column(property);
    const transformed = column.transformer
      ? (ApplyValueTransformers.transformTo(column.transformer, value) as unknown)
      : value;
    return this.dataSource.driver.preparePersistentValue(transformed, column) as SqlValue;
  }

  private name(property: string): string {
    return this.dataSource.driver.escape(this.column(property).databaseName);
  }

  /** The WHERE clause matching every equality in `where`, and its parameters. */
  private where(where: Partial<E>): { sql: string; params: SqlValue[] } {
    const match = Object.keys(where);
    return {
      sql: `WHERE ${match.map((p) => `${this.name(p)} = ?`).join(' AND ')}`,
      params: match.map((p) => this.value(p, where[p])),
    };
  }

  /** INSERT of every column of `row` (properties left undefined are omitted). */
  insert(row: Partial<E>): PlannedStatement {
    const properties = Object.keys(row).filter((key) => row[key] !== undefined);
    return {
      sql: `INSERT INTO ${this.table} (${properties.map((p) => this.name(p)).join(', ')}) VALUES (${properties
        .map(() => '?')
        .join(', ')})`,
      params: properties.map((p) => this.value(p, row[p])),
    };
  }

  /** UPDATE setting `patch` on the rows matching every equality in `where`. */
  update(patch: Partial<E>, where: Partial<E>, expectChanges?: number): PlannedStatement {
    const set = Object.keys(patch).filter((key) => patch[key] !== undefined);
    const filter = this.where(where);
    return {
      sql: `UPDATE ${this.table} SET ${set.map((p) => `${this.name(p)} = ?`).join(', ')} ${filter.sql}`,
      params: [...set.map((p) => this.value(p, patch[p])), ...filter.params],
      expectChanges,
    };
  }

  /** UPDATE adding `by` to the number in `property` of the rows matching every equality in `where`. */
  increment(
    property: keyof E & string,
    by: number,
    where: Partial<E>,
    expectChanges?: number,
  ): PlannedStatement {
    const column = this.name(property);
    const filter = this.where(where);
    return {
      sql: `UPDATE ${this.table} SET ${column} = ${column} + ? ${filter.sql}`,
      params: [by, ...filter.params],
      expectChanges,
    };
  }

  /** SELECT of `properties` (under their property names) from the rows matching every equality in `where`. */
  select(properties: Array<keyof E & string>, where: Partial<E>): PlannedStatement {
    const columns = properties.map((p) => `${this.name(p)} AS ${this.dataSource.driver.escape(p)}`);
    const filter = this.where(where);
    return {
      sql: `SELECT ${columns.join(', ')} FROM ${this.table} ${filter.sql}`,
      params: filter.params,
      returnRows: true,
    };
  }
}
