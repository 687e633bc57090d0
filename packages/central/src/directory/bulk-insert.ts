/**
 * Entity rows in the form a BulkWriter takes: the table, its columns, and each row's values converted by the
 * driver exactly as TypeORM would persist them (dates, booleans). TypeORM's own insert builder names one
 * parameter per value and spent most of a 100,000-user sync building them; this converts each value once, and a
 * date shared by every row of a run (its timestamp) only once for all of them.
 */
import { type DataSource, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { type ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { type BulkWriter } from '@quire/common';

/** One entity's table as the sync engine writes it. */
export class BulkTable<T extends ObjectLiteral> {
  readonly table: string;
  private readonly columns: ColumnMetadata[];
  private readonly lastDate = new Map<ColumnMetadata, { date: Date; value: unknown }>();
  private readonly updates = new Map<string, string>();
  // Text columns without a transformer, whose strings every driver stores as they are.
  private readonly plain: Set<ColumnMetadata>;

  constructor(
    private readonly dataSource: DataSource,
    entity: EntityTarget<T>,
  ) {
    const metadata = dataSource.getMetadata(entity);
    this.table = metadata.tableName;
    this.columns = metadata.columns;
    this.plain = new Set(
      this.columns.filter(
        (column) => !column.transformer && ['varchar', 'text', String].includes(column.type as string),
      ),
    );
  }

  /** Queue `rows` (every column given) for insertion. */
  insert(writer: BulkWriter, rows: T[]): void {
    if (rows.length === 0) return;
    const names = this.columns.map((column) => column.databaseName);
    writer.insert(
      this.table,
      names,
      rows.map((row) => this.columns.map((column) => this.value(column, row[column.propertyName]))),
    );
  }

  /** Queue an UPDATE of `fields` (the same properties in every entry) for each row, by its key `keyProperty`. */
  update(
    writer: BulkWriter,
    keyProperty: keyof T & string,
    rows: Array<{ key: unknown; fields: Partial<T> }>,
  ) {
    if (rows.length === 0) return;
    const properties = Object.keys(rows[0].fields);
    const columns = properties.map((property) => this.column(property));
    const key = this.column(keyProperty);
    writer.execute(
      this.updateSql(columns, key),
      rows.map(({ key: id, fields }) => [
        ...columns.map((column) => this.value(column, fields[column.propertyName as keyof T])),
        id,
      ]),
    );
  }

  /** Queue a DELETE of the rows whose `property` equals each of `values` (and, if given, whose `nullProperty` is NULL). */
  deleteWhere(
    writer: BulkWriter,
    property: keyof T & string,
    values: unknown[],
    nullProperty?: keyof T & string,
  ): void {
    const column = this.escape(this.column(property).databaseName);
    const alsoNull = nullProperty
      ? ` AND ${this.escape(this.column(nullProperty).databaseName)} IS NULL`
      : '';
    const sql = `DELETE FROM ${this.escape(this.table)} WHERE ${column} = ?${alsoNull}`;
    writer.execute(
      sql,
      values.map((value) => [value]),
    );
  }

  private updateSql(columns: ColumnMetadata[], key: ColumnMetadata): string {
    const id = `${columns.map((c) => c.propertyName).join(',')}|${key.propertyName}`;
    let sql = this.updates.get(id);
    if (sql === undefined) {
      const set = columns.map((column) => `${this.escape(column.databaseName)} = ?`).join(', ');
      sql = `UPDATE ${this.escape(this.table)} SET ${set} WHERE ${this.escape(key.databaseName)} = ?`;
      this.updates.set(id, sql);
    }
    return sql;
  }

  private column(property: string): ColumnMetadata {
    const found = this.columns.find((column) => column.propertyName === property);
    if (!found) throw new Error(`${this.table} has no column for ${property}`);
    return found;
  }

  private value(column: ColumnMetadata, value: unknown): unknown {
    if (typeof value === 'string' && this.plain.has(column)) return value;
    if (value instanceof Date) {
      const last = this.lastDate.get(column);
      if (last?.date === value) return last.value;
      const converted = this.dataSource.driver.preparePersistentValue(value, column);
      this.lastDate.set(column, { date: value, value: converted });
      return converted;
    }
    return this.dataSource.driver.preparePersistentValue(value ?? null, column);
  }

  private escape(name: string): string {
    return this.dataSource.driver.escape(name);
  }
}
