/** DB access for SNMP profiles; every method takes an optional EntityManager to join the caller's transaction. */
import { type DataSource, type EntityManager, type Repository } from 'typeorm';
import { SnmpProfileEntity } from './snmp-profile.entity';

/** The columns an SNMP profile update may change. */
export type SnmpProfileChanges = Partial<Omit<SnmpProfileEntity, 'id' | 'createdAt'>>;

/** Reads and writes `snmp_profiles` rows. */
export class SnmpProfileRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<SnmpProfileEntity> {
    return (manager ?? this.dataSource.manager).getRepository(SnmpProfileEntity);
  }

  /** Every profile, by name regardless of case. */
  list(manager?: EntityManager): Promise<SnmpProfileEntity[]> {
    return this.repo(manager).find({ order: { nameKey: 'ASC' } });
  }

  /** One profile by id, or null. */
  findById(id: string, manager?: EntityManager): Promise<SnmpProfileEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /** The default profile (the oldest, should a race ever have left two), or null. */
  findDefault(manager?: EntityManager): Promise<SnmpProfileEntity | null> {
    return this.repo(manager).findOne({ where: { isDefault: true }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Insert a profile row. */
  async insert(profile: SnmpProfileEntity, manager?: EntityManager): Promise<void> {
    await this.repo(manager).insert(profile);
  }

  /** Change some columns; false when there is no such profile. */
  async update(id: string, changes: SnmpProfileChanges, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).update({ id }, changes);
    return (result.affected ?? 0) === 1;
  }

  /** Make `id` the only default profile (two statements: call it inside a transaction). */
  async makeDefault(id: string, now: Date, manager: EntityManager): Promise<void> {
    await this.repo(manager).update({ isDefault: true }, { isDefault: false, updatedAt: now });
    await this.repo(manager).update({ id }, { isDefault: true, updatedAt: now });
  }

  /** Delete a profile; false when there was none. */
  async delete(id: string, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).delete({ id });
    return (result.affected ?? 0) === 1;
  }
}
