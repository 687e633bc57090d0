/** DB access for saved discoveries; every method takes an optional EntityManager to join a transaction. */
import { type DataSource, type EntityManager, type Repository } from 'typeorm';
import { afterCommit } from '@quire/common';
import { DiscoveryEntity } from './discovery.entity';

/** The columns an update may change. */
export type DiscoveryChanges = Partial<Omit<DiscoveryEntity, 'id' | 'createdAt'>>;

/** Reads and writes `discoveries` rows. */
export class DiscoveryRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<DiscoveryEntity> {
    return (manager ?? this.dataSource.manager).getRepository(DiscoveryEntity);
  }

  /** Every saved discovery, by name. */
  list(manager?: EntityManager): Promise<DiscoveryEntity[]> {
    return this.repo(manager).find({ order: { nameKey: 'ASC' } });
  }

  /** One by id, or null. */
  findById(id: string, manager?: EntityManager): Promise<DiscoveryEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /** One by lower-cased name, or null. */
  findByNameKey(nameKey: string, manager?: EntityManager): Promise<DiscoveryEntity | null> {
    return this.repo(manager).findOneBy({ nameKey });
  }

  /** Insert a row. */
  async insert(discovery: DiscoveryEntity, manager?: EntityManager): Promise<void> {
    await this.repo(manager).insert(discovery);
  }

  /** Change some columns; false when there is no such row. */
  async update(id: string, changes: DiscoveryChanges, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).update({ id }, changes);
    return (result.affected ?? 0) === 1;
  }

  /** Delete a row; false when there was none. */
  async delete(id: string, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).delete({ id });
    return (result.affected ?? 0) === 1;
  }

  /** Run `callback` once `manager`'s transaction commits (at once outside one). */
  afterCommit(manager: EntityManager | undefined, callback: () => void): void {
    afterCommit(this.dataSource, manager, callback, 'discoveries-changed');
  }
}
