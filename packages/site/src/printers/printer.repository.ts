/** DB access for printers; every method takes an optional EntityManager to join the caller's transaction. */
import { In, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { PrinterEntity } from './printer.entity';

/** The columns a printer update may change. */
export type PrinterChanges = Partial<Omit<PrinterEntity, 'id' | 'createdAt'>>;

/** Reads and writes `printers` rows. */
export class PrinterRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<PrinterEntity> {
    return (manager ?? this.dataSource.manager).getRepository(PrinterEntity);
  }

  /** Every printer, by name regardless of case. */
  list(manager?: EntityManager): Promise<PrinterEntity[]> {
    return this.repo(manager).find({ order: { nameKey: 'ASC' } });
  }

  /** One printer by id, or null. */
  findById(id: string, manager?: EntityManager): Promise<PrinterEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /** The printers with these ids (those that exist). */
  findByIds(ids: readonly string[], manager?: EntityManager): Promise<PrinterEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.repo(manager).findBy({ id: In([...ids]) });
  }

  /** The printers in any of these groups. */
  findInGroups(groups: readonly string[], manager?: EntityManager): Promise<PrinterEntity[]> {
    if (groups.length === 0) return Promise.resolve([]);
    return this.repo(manager).findBy({ group: In([...groups]) });
  }

  /** The printer with this name in any case, or null. */
  findByNameKey(nameKey: string, manager?: EntityManager): Promise<PrinterEntity | null> {
    return this.repo(manager).findOneBy({ nameKey });
  }

  /** Insert a printer row. */
  async insert(printer: PrinterEntity, manager?: EntityManager): Promise<void> {
    await this.repo(manager).insert(printer);
  }

  /** Change some columns; false when there is no such printer. */
  async update(id: string, changes: PrinterChanges, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).update({ id }, changes);
    return (result.affected ?? 0) === 1;
  }

  /** Add `pages` to a printer's counter in one statement, so concurrent releases never lose an increment. */
  async addPages(id: string, pages: number, manager?: EntityManager): Promise<void> {
    await this.repo(manager).increment({ id }, 'pageCounter', pages);
  }

  /** Delete a printer; false when there was none. */
  async delete(id: string, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).delete({ id });
    return (result.affected ?? 0) === 1;
  }
}
