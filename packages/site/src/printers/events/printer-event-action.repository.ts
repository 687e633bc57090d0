/** DB access for event actions; every method takes an optional EntityManager to join the caller's transaction. */
import { type DataSource, type EntityManager, type Repository } from 'typeorm';
import { PrinterEventActionEntity } from './printer-event-action.entity';

/** The columns an action update may change. */
export type ActionChanges = Partial<Omit<PrinterEventActionEntity, 'id' | 'createdAt'>>;

/** Reads and writes `printer_event_actions` rows. */
export class PrinterEventActionRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<PrinterEventActionEntity> {
    return (manager ?? this.dataSource.manager).getRepository(PrinterEventActionEntity);
  }

  /** Every action, by name. */
  list(manager?: EntityManager): Promise<PrinterEventActionEntity[]> {
    return this.repo(manager).find({ order: { name: 'ASC', id: 'ASC' } });
  }

  /** The enabled actions. */
  listEnabled(manager?: EntityManager): Promise<PrinterEventActionEntity[]> {
    return this.repo(manager).find({ where: { enabled: true }, order: { name: 'ASC', id: 'ASC' } });
  }

  /** One action, or null. */
  findById(id: string, manager?: EntityManager): Promise<PrinterEventActionEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  async insert(action: PrinterEventActionEntity, manager?: EntityManager): Promise<void> {
    await this.repo(manager).insert(action);
  }

  /** Change some columns; false when there is no such action. */
  async update(id: string, changes: ActionChanges, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).update({ id }, changes);
    return (result.affected ?? 0) === 1;
  }

  /** Delete an action; false when there was none. */
  async delete(id: string, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).delete({ id });
    return (result.affected ?? 0) === 1;
  }

  /** Take a deleted definition out of every action that listed it. */
  async dropDefinition(definitionId: string, at: Date, manager?: EntityManager): Promise<void> {
    for (const action of await this.list(manager)) {
      if (!action.definitionIds.includes(definitionId)) continue;
      const definitionIds = action.definitionIds.filter((id) => id !== definitionId);
      await this.repo(manager).update({ id: action.id }, { definitionIds, updatedAt: at });
    }
  }
}
