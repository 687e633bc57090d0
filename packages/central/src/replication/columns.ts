/**
 * Column helpers of the replicated tables and the sites' replication figures. Sequence numbers and versions are
 * BIGINT: MariaDB hands a BIGINT back as a string (so nothing is lost) and SQLite as a number; every value Quire
 * stores there stays below 2^53, so entities see a plain number either way.
 */
import { Column, type ColumnOptions, type ValueTransformer } from 'typeorm';

const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** A BIGINT column read back as a JS number. */
export function BigintColumn(options: Pick<ColumnOptions, 'name' | 'nullable' | 'default'> = {}) {
  return Column({ type: 'bigint', transformer: bigintAsNumber, ...options });
}
