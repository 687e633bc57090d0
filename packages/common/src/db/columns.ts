/**
 * Column helpers that keep entities portable between MySQL and SQLite.
 *
 * Timestamps are `datetime` with millisecond precision (UTC: the MySQL connection runs with timezone 'Z', and
 * TypeORM's SQLite driver stores UTC strings). Ids are UUIDv7 strings in a 36-character varchar.
 */
import { Column, PrimaryColumn, type ColumnOptions } from 'typeorm';

/** A UUID primary key (set by the application with `newId()`, never by the DB). */
export function IdColumn(): PropertyDecorator {
  return PrimaryColumn({ type: 'varchar', length: 36 });
}

/** A UUID reference to another row. */
export function UuidColumn(options: Pick<ColumnOptions, 'nullable' | 'name'> = {}): PropertyDecorator {
  return Column({ type: 'varchar', length: 36, ...options });
}

/** A UTC timestamp with milliseconds. */
export function TimestampColumn(options: Pick<ColumnOptions, 'nullable' | 'name'> = {}): PropertyDecorator {
  return Column({ type: 'datetime', precision: 3, ...options });
}

/** Column definition for migrations, matching TimestampColumn. */
export function timestampColumnSpec(name: string, nullable = false) {
  return { name, type: 'datetime', precision: 3, isNullable: nullable };
}

/** Column definition for migrations, matching IdColumn / UuidColumn. */
export function uuidColumnSpec(name: string, options: { primary?: boolean; nullable?: boolean } = {}) {
  return {
    name,
    type: 'varchar',
    length: '36',
    isPrimary: options.primary ?? false,
    isNullable: options.nullable ?? false,
  };
}
