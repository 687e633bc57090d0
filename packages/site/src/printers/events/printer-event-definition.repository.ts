/** DB access for event definitions; every method takes an optional EntityManager to join the caller's transaction. */
import { type DataSource, type EntityManager, type Repository } from 'typeorm';
import { type QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { PrinterEventDefinitionEntity } from './printer-event-definition.entity';

/** The columns a definition update may change. */
export type DefinitionChanges = Partial<
  Pick<PrinterEventDefinitionEntity, 'name' | 'enabled' | 'params' | 'updatedAt'>
>;

/** Reads and writes `printer_event_definitions` rows. */
export class PrinterEventDefinitionRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<PrinterEventDefinitionEntity> {
    return (manager ?? this.dataSource.manager).getRepository(PrinterEventDefinitionEntity);
  }

  /** Every definition, by name. */
  list(manager?: EntityManager): Promise<PrinterEventDefinitionEntity[]> {
    return this.repo(manager).find({ order: { name: 'ASC', id: 'ASC' } });
  }

  /** The enabled definitions. */
  listEnabled(manager?: EntityManager): Promise<PrinterEventDefinitionEntity[]> {
    return this.repo(manager).find({ where: { enabled: true }, order: { name: 'ASC', id: 'ASC' } });
  }

  /** One definition, or null. */
  findById(id: string, manager?: EntityManager): Promise<PrinterEventDefinitionEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /** Which of `ids` name a definition. */
  async existingIds(ids: readonly string[], manager?: EntityManager): Promise<Set<string>> {
    const all = await this.repo(manager).find({ select: { id: true } });
    const wanted = new Set(ids);
    return new Set(all.map((row) => row.id).filter((id) => wanted.has(id)));
  }

  async insert(definition: PrinterEventDefinitionEntity, manager?: EntityManager): Promise<void> {
    // The JSON column's transformer writes `params`; TypeORM's typing cannot see through it.
    await this.repo(manager).insert(definition as QueryDeepPartialEntity<PrinterEventDefinitionEntity>);
  }

  /** Change some columns; false when there is no such definition. */
  async update(id: string, changes: DefinitionChanges, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).update(
      { id },
      changes as QueryDeepPartialEntity<PrinterEventDefinitionEntity>,
    );
    return (result.affected ?? 0) === 1;
  }

  /** Delete a definition; false when there was none. */
  async delete(id: string, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).delete({ id });
    return (result.affected ?? 0) === 1;
  }
}
