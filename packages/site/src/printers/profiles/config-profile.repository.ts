/**
 * DB access for printer configuration profiles, and the two "who uses it" questions deletions ask (which
 * configuration profiles use an SNMP profile, which printers use a configuration profile). Every method takes an
 * optional EntityManager to join the caller's transaction.
 */
import { In, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { PrinterEntity } from '../printer.entity';
import { ConfigProfileEntity } from './config-profile.entity';

/** The columns a configuration profile update may change. */
export type ConfigProfileChanges = Partial<Omit<ConfigProfileEntity, 'id' | 'createdAt'>>;

/** How many rows use something, and the names of the first few (for a message). */
export interface Usage {
  count: number;
  names: string[];
}

const NAMES_SHOWN = 5;

/** Reads and writes `printer_config_profiles` rows. */
export class ConfigProfileRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<ConfigProfileEntity> {
    return (manager ?? this.dataSource.manager).getRepository(ConfigProfileEntity);
  }

  /** Every profile, by name regardless of case. */
  list(manager?: EntityManager): Promise<ConfigProfileEntity[]> {
    return this.repo(manager).find({ order: { nameKey: 'ASC' } });
  }

  /** One profile by id, or null. */
  findById(id: string, manager?: EntityManager): Promise<ConfigProfileEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /** The profiles with these ids (those that exist). */
  findByIds(ids: readonly string[], manager?: EntityManager): Promise<ConfigProfileEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.repo(manager).findBy({ id: In([...ids]) });
  }

  /** Insert a profile row. */
  async insert(profile: ConfigProfileEntity, manager?: EntityManager): Promise<void> {
    await this.repo(manager).insert(profile);
  }

  /** Change some columns; false when there is no such profile. */
  async update(id: string, changes: ConfigProfileChanges, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).update({ id }, changes);
    return (result.affected ?? 0) === 1;
  }

  /** Delete a profile; false when there was none. */
  async delete(id: string, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).delete({ id });
    return (result.affected ?? 0) === 1;
  }

  /** The configuration profiles that poll with SNMP profile `snmpProfileId`. */
  async usingSnmpProfile(snmpProfileId: string, manager?: EntityManager): Promise<Usage> {
    const [rows, count] = await this.repo(manager).findAndCount({
      where: { snmpProfileId },
      order: { nameKey: 'ASC' },
      take: NAMES_SHOWN,
    });
    return { count, names: rows.map((row) => row.name) };
  }

  /** The printers configured by profile `configProfileId`. */
  async printersUsing(configProfileId: string, manager?: EntityManager): Promise<Usage> {
    const [rows, count] = await (manager ?? this.dataSource.manager)
      .getRepository(PrinterEntity)
      .findAndCount({
        where: { configProfileId },
        order: { nameKey: 'ASC' },
        take: NAMES_SHOWN,
      });
    return { count, names: rows.map((row) => row.name) };
  }
}
