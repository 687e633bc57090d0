/**
 * DB access for event episodes (`printer_events`); every method takes an optional EntityManager to join the
 * caller's transaction (the monitor's, when the evaluator runs). Opening relies on the unique `open_key` and
 * `milestone_key` indexes rather than on a read before the write, because two evaluations racing on one printer
 * both read "not open yet"; only the index can tell which one won.
 */
import {
  IsNull,
  type DataSource,
  type EntityManager,
  type Repository,
  type SelectQueryBuilder,
} from 'typeorm';
import { isUniqueViolation } from '@quire/common';
import { type QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { MAX_MILESTONES_PER_READING } from './counter-milestones';
import { PrinterEventEntity } from './printer-event.entity';

/** Filters of the event history; each one given narrows it. */
export interface EpisodeFilter {
  types?: string[];
  definitionId?: string;
  printerId?: string;
  /** true: only open episodes; false: only closed ones. */
  open?: boolean;
  /** Opened at or after. */
  from?: Date;
  /** Opened at or before. */
  to?: Date;
}

/** The `open_key` of an open episode: one per event, printer and subject. */
export function openKeyOf(definitionId: string, printerId: string, subject: string): string {
  return `${definitionId}|${printerId}|${subject}`;
}

/** Reads and writes `printer_events` rows. */
export class PrinterEventRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<PrinterEventEntity> {
    return (manager ?? this.dataSource.manager).getRepository(PrinterEventEntity);
  }

  /** The printer's open episodes, of every event. */
  openFor(printerId: string, manager?: EntityManager): Promise<PrinterEventEntity[]> {
    return this.repo(manager).find({ where: { printerId, closedAt: IsNull() }, order: { openedAt: 'ASC' } });
  }

  /** The open episodes of one event definition, on every printer. */
  openOfDefinition(definitionId: string, manager?: EntityManager): Promise<PrinterEventEntity[]> {
    return this.repo(manager).find({ where: { definitionId, closedAt: IsNull() } });
  }

  /**
   * Insert an episode; false when its `open_key` or `milestone_key` is taken, i.e. another evaluation opened the
   * same episode (or fired the same milestone) first. The failed statement does not end the transaction on
   * MySQL or SQLite.
   */
  async tryInsert(episode: PrinterEventEntity, manager?: EntityManager): Promise<boolean> {
    try {
      // The JSON column's transformer writes `details`; TypeORM's typing cannot see through it.
      await this.repo(manager).insert(episode as QueryDeepPartialEntity<PrinterEventEntity>);
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /** Close an open episode at `at`, freeing its `open_key`; false when it was already closed. */
  async close(id: string, at: Date, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).update(
      { id, closedAt: IsNull() },
      { closedAt: at, openKey: null },
    );
    return (result.affected ?? 0) === 1;
  }

  /**
   * The highest milestone among the latest episodes of this event and printer, or null. Milestones fired by one
   * reading share an opening time, so a few rows are read rather than trusting the order within one instant.
   */
  async lastMilestone(
    definitionId: string,
    printerId: string,
    manager?: EntityManager,
  ): Promise<number | null> {
    const latest = await this.repo(manager).find({
      where: { definitionId, printerId },
      order: { openedAt: 'DESC', id: 'DESC' },
      take: MAX_MILESTONES_PER_READING,
    });
    const milestones = latest
      .map((episode) => episode.details.milestone)
      .filter((value): value is number => typeof value === 'number');
    return milestones.length > 0 ? Math.max(...milestones) : null;
  }

  /** One page of the history, newest first, and how many episodes match in all. */
  async search(
    filter: EpisodeFilter,
    limit: number,
    offset: number,
  ): Promise<{ episodes: PrinterEventEntity[]; total: number }> {
    const total = await this.filtered(filter).getCount();
    return { episodes: await this.page(filter, limit, offset), total };
  }

  /** One page of the history, newest first, without counting the rest (the CSV export reads page by page). */
  page(filter: EpisodeFilter, limit: number, offset: number): Promise<PrinterEventEntity[]> {
    return this.filtered(filter)
      .orderBy('e.openedAt', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .limit(limit)
      .offset(offset)
      .getMany();
  }

  private filtered(filter: EpisodeFilter): SelectQueryBuilder<PrinterEventEntity> {
    const query = this.repo().createQueryBuilder('e');
    if (filter.types?.length) query.andWhere('e.type IN (:...types)', { types: filter.types });
    if (filter.definitionId)
      query.andWhere('e.definitionId = :definitionId', { definitionId: filter.definitionId });
    if (filter.printerId) query.andWhere('e.printerId = :printerId', { printerId: filter.printerId });
    if (filter.open === true) query.andWhere('e.closedAt IS NULL');
    if (filter.open === false) query.andWhere('e.closedAt IS NOT NULL');
    if (filter.from) query.andWhere('e.openedAt >= :from', { from: filter.from });
    if (filter.to) query.andWhere('e.openedAt <= :to', { to: filter.to });
    return query;
  }
}
