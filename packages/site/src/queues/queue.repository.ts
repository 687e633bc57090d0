/**
 * DB access for queues. Every method takes an optional EntityManager so the service can run it inside the
 * transaction of the admin write that caused it (together with its audit row).
 */
import { IsNull, Not, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { afterCommit } from '@quire/common';
import { QueueEntity } from './queue.entity';

/** The lower-cased name that queue names are unique and looked up by. */
export function queueNameKey(name: string): string {
  return name.toLowerCase();
}

/** The columns a queue update may change. */
export type QueueChanges = Partial<Omit<QueueEntity, 'id' | 'createdAt'>>;

/** Reads and writes `queues` rows. */
export class QueueRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<QueueEntity> {
    return (manager ?? this.dataSource.manager).getRepository(QueueEntity);
  }

  /** Run `fn` in a transaction on this repository's database. */
  transaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  /** Run `callback` once `manager`'s transaction has committed (at once without one). */
  afterCommit(manager: EntityManager | undefined, callback: () => void): void {
    afterCommit(this.dataSource, manager, callback);
  }

  /** Every queue, by name regardless of case. */
  list(manager?: EntityManager): Promise<QueueEntity[]> {
    return this.repo(manager).find({ order: { nameKey: 'ASC' } });
  }

  /** Number of queues. */
  count(manager?: EntityManager): Promise<number> {
    return this.repo(manager).count();
  }

  /** One queue by id, or null. */
  findById(id: string, manager?: EntityManager): Promise<QueueEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /** The queue with this name in any case, or null. */
  findByName(name: string, manager?: EntityManager): Promise<QueueEntity | null> {
    return this.repo(manager).findOneBy({ nameKey: queueNameKey(name) });
  }

  /** The queue other than `exceptId` that a name (in any case) or a raw port already belongs to, or null. */
  async findClash(
    clash: { name?: string; rawPort?: number | null },
    exceptId: string | null,
    manager?: EntityManager,
  ): Promise<{ field: 'name' | 'rawPort'; queue: QueueEntity } | null> {
    const others = exceptId ? { id: Not(exceptId) } : {};
    if (clash.name !== undefined) {
      const queue = await this.repo(manager).findOneBy({ ...others, nameKey: queueNameKey(clash.name) });
      if (queue) return { field: 'name', queue };
    }
    if (clash.rawPort !== undefined && clash.rawPort !== null) {
      const queue = await this.repo(manager).findOneBy({ ...others, rawPort: clash.rawPort });
      if (queue) return { field: 'rawPort', queue };
    }
    return null;
  }

  /** The queue a central template manages, or null. */
  findByTemplateId(templateId: string, manager?: EntityManager): Promise<QueueEntity | null> {
    return this.repo(manager).findOneBy({ templateId });
  }

  /** Queues with a raw socket port, by port. */
  withRawPorts(manager?: EntityManager): Promise<QueueEntity[]> {
    return this.repo(manager).find({ where: { rawPort: Not(IsNull()) }, order: { rawPort: 'ASC' } });
  }

  /** Insert a queue row. */
  async insert(queue: QueueEntity, manager?: EntityManager): Promise<void> {
    await this.repo(manager).insert(queue);
  }

  /** Change some columns of a queue; false when there is no such queue. */
  async update(id: string, changes: QueueChanges, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).update({ id }, changes);
    return (result.affected ?? 0) === 1;
  }

  /** Delete a queue; false when there was none. */
  async delete(id: string, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).delete({ id });
    return (result.affected ?? 0) === 1;
  }
}
