/**
 * DB access for monitoring: printer status rows and counter snapshots. Every method takes an optional
 * EntityManager to join the caller's transaction. Reads for many printers are one query per 500 ids, so a list
 * of 600 printers costs two queries, never one per printer.
 */
import { Between, In, LessThanOrEqual, MoreThanOrEqual, type DataSource, type EntityManager } from 'typeorm';
import { type PrinterObservation, type PrinterReading, type PrinterStatus } from './printer-reading';
import { PrinterCounterSnapshotEntity, PrinterStatusEntity } from './printer-status.entity';

const IDS_PER_QUERY = 500;

/** A printer's state as monitoring keeps it: the last observation, and the last reading it answered with. */
export interface StoredPrinterState {
  /** The latest observation; its reading is null while the printer is offline or not monitored. */
  observation: PrinterObservation;
  /** The last reading the printer answered with (kept while it is offline), or null if it never answered. */
  lastReading: PrinterReading | null;
  /** When the printer last answered, or null. */
  answeredAt: Date | null;
  /** When the printer entered its current status. */
  statusSince: Date;
}

/** Bounds of a counter history read: inclusive times, and the most rows to return (newest first). */
export interface SnapshotQuery {
  from?: Date;
  to?: Date;
  limit: number;
}

/** True for the statuses that come from an answer (so the observation carries the reading). */
export function answeredStatus(status: PrinterStatus): boolean {
  return status !== 'offline' && status !== 'not monitored';
}

function readingOf(row: PrinterStatusEntity): PrinterReading | null {
  if (!row.device) return null;
  return {
    ...row.device,
    sysName: row.sysName ?? '',
    model: row.model ?? '',
    serial: row.serial,
    counters: { total: row.counterTotal, mono: row.counterMono, color: row.counterColor },
    supplies: row.supplies,
    trays: row.trays,
    alerts: row.alerts,
  };
}

/** The state a status row holds. */
export function stateOfRow(row: PrinterStatusEntity): StoredPrinterState {
  const lastReading = readingOf(row);
  return {
    observation: {
      printerId: row.printerId,
      at: row.polledAt,
      reading: answeredStatus(row.status) ? lastReading : null,
      status: row.status,
      reasons: row.reasons,
      error: row.error,
    },
    lastReading,
    answeredAt: row.answeredAt,
    statusSince: row.statusSince,
  };
}

/** The status row that holds `state`. */
export function rowOfState(state: StoredPrinterState): PrinterStatusEntity {
  const reading = state.lastReading;
  return {
    printerId: state.observation.printerId,
    status: state.observation.status,
    reasons: state.observation.reasons,
    error: state.observation.error,
    counterTotal: reading?.counters.total ?? null,
    counterMono: reading?.counters.mono ?? null,
    counterColor: reading?.counters.color ?? null,
    supplies: reading?.supplies ?? [],
    trays: reading?.trays ?? [],
    alerts: reading?.alerts ?? [],
    device: reading
      ? {
          sysDescr: reading.sysDescr,
          sysLocation: reading.sysLocation,
          sysContact: reading.sysContact,
          mac: reading.mac,
          deviceStatus: reading.deviceStatus,
          printerStatus: reading.printerStatus,
          errorState: reading.errorState,
          colorCapable: reading.colorCapable,
        }
      : null,
    model: reading ? reading.model.slice(0, 255) : null,
    serial: reading?.serial?.slice(0, 128) ?? null,
    sysName: reading ? reading.sysName.slice(0, 255) : null,
    polledAt: state.observation.at,
    answeredAt: state.answeredAt,
    statusSince: state.statusSince,
  };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IDS_PER_QUERY) out.push(items.slice(i, i + IDS_PER_QUERY));
  return out;
}

/** Reads and writes `printer_status` and `printer_counter_snapshots`. */
export class PrinterStatusRepository {
  constructor(private readonly dataSource: DataSource) {}

  private manager(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** The latest observation of each of `printerIds` that has one (the shape the CSV export and events read). */
  async current(
    printerIds: readonly string[],
    manager?: EntityManager,
  ): Promise<Map<string, PrinterObservation>> {
    const states = await this.states(printerIds, manager);
    return new Map([...states].map(([id, state]) => [id, state.observation]));
  }

  /** The stored state of each of `printerIds` that has a row. */
  async states(
    printerIds: readonly string[],
    manager?: EntityManager,
  ): Promise<Map<string, StoredPrinterState>> {
    const repo = this.manager(manager).getRepository(PrinterStatusEntity);
    const states = new Map<string, StoredPrinterState>();
    for (const ids of chunks([...new Set(printerIds)])) {
      for (const row of await repo.findBy({ printerId: In(ids) })) states.set(row.printerId, stateOfRow(row));
    }
    return states;
  }

  /** Write a printer's state, inserting its row or replacing it. */
  async save(state: StoredPrinterState, manager?: EntityManager): Promise<void> {
    await this.manager(manager)
      .getRepository(PrinterStatusEntity)
      .upsert(rowOfState(state), { conflictPaths: ['printerId'] });
  }

  /** Delete the status rows of these printers (they were deleted). */
  async remove(printerIds: readonly string[], manager?: EntityManager): Promise<void> {
    const repo = this.manager(manager).getRepository(PrinterStatusEntity);
    for (const ids of chunks(printerIds)) await repo.delete({ printerId: In(ids) });
  }

  /** Delete the status rows of printers that no longer exist; returns how many went. */
  async removeOrphans(manager?: EntityManager): Promise<number> {
    const result = await this.manager(manager)
      .createQueryBuilder()
      .delete()
      .from(PrinterStatusEntity)
      .where('printer_id NOT IN (SELECT id FROM printers)')
      .execute();
    return result.affected ?? 0;
  }

  /** How many printers are in each status, from the stored rows. */
  async countByStatus(manager?: EntityManager): Promise<Map<PrinterStatus, number>> {
    const rows = await this.manager(manager)
      .getRepository(PrinterStatusEntity)
      .createQueryBuilder('s')
      .select('s.status', 'status')
      .addSelect('COUNT(*)', 'count')
      .groupBy('s.status')
      .getRawMany<{ status: PrinterStatus; count: number | string }>();
    return new Map(rows.map((row) => [row.status, Number(row.count)]));
  }

  /** The newest counter snapshot of a printer, or null. */
  latestSnapshot(printerId: string, manager?: EntityManager): Promise<PrinterCounterSnapshotEntity | null> {
    return this.manager(manager)
      .getRepository(PrinterCounterSnapshotEntity)
      .findOne({ where: { printerId }, order: { takenAt: 'DESC' } });
  }

  /** The newest counter snapshot of each of `printerIds` that has one (one query per 500 printers). */
  async latestSnapshots(
    printerIds: readonly string[],
    manager?: EntityManager,
  ): Promise<Map<string, PrinterCounterSnapshotEntity>> {
    const repo = this.manager(manager).getRepository(PrinterCounterSnapshotEntity);
    const latest = new Map<string, PrinterCounterSnapshotEntity>();
    for (const ids of chunks([...new Set(printerIds)])) {
      const rows = await repo
        .createQueryBuilder('s')
        .innerJoin(
          (sub) =>
            sub
              .select('l.printer_id', 'printer_id')
              .addSelect('MAX(l.taken_at)', 'taken_at')
              .from(PrinterCounterSnapshotEntity, 'l')
              .where('l.printer_id IN (:...ids)', { ids })
              .groupBy('l.printer_id'),
          'newest',
          'newest.printer_id = s.printer_id AND newest.taken_at = s.taken_at',
        )
        .getMany();
      for (const row of rows) latest.set(row.printerId, row);
    }
    return latest;
  }

  /** Store one counter snapshot. */
  async insertSnapshot(snapshot: PrinterCounterSnapshotEntity, manager?: EntityManager): Promise<void> {
    await this.manager(manager).getRepository(PrinterCounterSnapshotEntity).insert(snapshot);
  }

  /** A printer's counter snapshots within the query's bounds, newest first. */
  snapshots(
    printerId: string,
    query: SnapshotQuery,
    manager?: EntityManager,
  ): Promise<PrinterCounterSnapshotEntity[]> {
    const { from, to } = query;
    const takenAt =
      from && to ? Between(from, to) : from ? MoreThanOrEqual(from) : to ? LessThanOrEqual(to) : undefined;
    return this.manager(manager)
      .getRepository(PrinterCounterSnapshotEntity)
      .find({
        where: takenAt ? { printerId, takenAt } : { printerId },
        order: { takenAt: 'DESC' },
        take: query.limit,
      });
  }
}
