/**
 * Database access for `audit_log`: insert-only from the application's side, plus the reads the console and
 * tests need. A server may attach one insert hook per DataSource (the site's federation outbox does), which runs
 * in the same transaction as every audit row inserted through that DataSource, so the row and whatever the hook
 * writes commit or roll back together.
 */
import type { DataSource, EntityManager, FindOptionsWhere, Repository } from 'typeorm';
import { withinTransaction } from '../db/within-transaction';
import { newId } from '../ids';
import { AuditLogEntity } from './audit-log.entity';

/** A row to insert, without its generated id. */
export type NewAuditRow = Omit<AuditLogEntity, 'id'>;

/** Called with each inserted audit row and the manager of the transaction that inserted it. */
export type AuditInsertHook = (row: AuditLogEntity, manager: EntityManager) => Promise<void>;

// Keyed by DataSource rather than held by a repository: audited writes build their own repository per call, and
// every one of them must reach the hook.
const insertHooks = new WeakMap<DataSource, AuditInsertHook>();

/**
 * Run `hook` in the inserting transaction of every audit row written through `dataSource` from now on (null
 * removes it). An audit row written without a transaction then gets one of its own, holding the row and the hook.
 */
export function setAuditInsertHook(dataSource: DataSource, hook: AuditInsertHook | null): void {
  if (hook) insertHooks.set(dataSource, hook);
  else insertHooks.delete(dataSource);
}

/** Inserts and reads `audit_log` rows. */
export class AuditLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<AuditLogEntity> {
    return (manager ?? this.dataSource.manager).getRepository(AuditLogEntity);
  }

  /** Insert one row and return it; with an insert hook, the hook runs in the same transaction. */
  async insert(row: NewAuditRow, manager?: EntityManager): Promise<AuditLogEntity> {
    const entity = this.repo(manager).create({ id: newId(), ...row });
    const hook = insertHooks.get(this.dataSource);
    if (!hook) {
      await this.repo(manager).insert(entity);
      return entity;
    }
    return withinTransaction(this.dataSource, manager, async (tx) => {
      await this.repo(tx).insert(entity);
      await hook(entity, tx);
      return entity;
    });
  }

  /** Rows matching `where`, newest first (ids are UUIDv7, so they break ties between equal timestamps). */
  find(
    where: FindOptionsWhere<AuditLogEntity> = {},
    limit = 100,
    manager?: EntityManager,
  ): Promise<AuditLogEntity[]> {
    return this.repo(manager).find({ where, order: { at: 'DESC', id: 'DESC' }, take: limit });
  }
}
