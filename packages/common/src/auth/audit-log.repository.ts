/**
 * Database access for `audit_log`: insert-only from the application's side, plus the reads the console and
 * tests need.
 */
import type { DataSource, EntityManager, FindOptionsWhere, Repository } from 'typeorm';
import { newId } from '../ids';
import { AuditLogEntity } from './audit-log.entity';

/** A row to insert, without its generated id. */
export type NewAuditRow = Omit<AuditLogEntity, 'id'>;

/** Inserts and reads `audit_log` rows. */
export class AuditLogRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<AuditLogEntity> {
    return (manager ?? this.dataSource.manager).getRepository(AuditLogEntity);
  }

  /** Insert one row and return it. */
  async insert(row: NewAuditRow, manager?: EntityManager): Promise<AuditLogEntity> {
    const entity = this.repo(manager).create({ id: newId(), ...row });
    await this.repo(manager).insert(entity);
    return entity;
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
