/**
 * Services take an optional EntityManager so a caller can make their writes part of its own transaction (an
 * audited admin write, a sync); without one, or with one outside any transaction, they open their own.
 */
import { type DataSource, type EntityManager } from 'typeorm';

/** Run `fn` in `manager`'s transaction when it is inside one, otherwise in a new transaction of `dataSource`. */
export function withinTransaction<T>(
  dataSource: DataSource,
  manager: EntityManager | undefined,
  fn: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return manager?.queryRunner?.isTransactionActive ? fn(manager) : dataSource.transaction(fn);
}
