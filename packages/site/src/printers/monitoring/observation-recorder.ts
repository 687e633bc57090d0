/**
 * Stores observations: the status row when something changed (or to refresh an unchanged one now and then),
 * a counter snapshot when one is due (with its `printer_counter` outbox record), and the observers' work, all in
 * one transaction. It remembers each printer's latest state in memory, so unchanged polls cost no query at all
 * and the API still sees when each printer was last polled; a printer's stored row and last snapshot are read
 * once, at its first poll after start.
 *
 * Observations that arrive together are group-committed (each in its own savepoint, so one failing rolls back
 * alone): on SQLite every commit is an fsync, and the first sweep after a start writes every printer's row.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { executeUnit, GroupCommit, newId } from '@quire/common';
import { type PrinterCounterRecord } from '@quire/shared-proto';
import { type ReplicationOutbox } from '../../federation/replication-outbox';
import { type PrinterEntity } from '../printer.entity';
import { fingerprintOf, foldObservation, snapshotDue, type SnapshotMark } from './monitor-policy';
import { type PrinterObserver } from './monitor-ports';
import { type PrinterObservation, type PrinterReading } from './printer-reading';
import { type PrinterCounterSnapshotEntity } from './printer-status.entity';
import { type PrinterStatusRepository, type StoredPrinterState } from './printer-status.repository';

/** Construction options of ObservationRecorder. */
export interface ObservationRecorderOptions {
  dataSource: DataSource;
  repository: PrinterStatusRepository;
  observers: readonly PrinterObserver[];
  /** Where snapshot records are queued for central; null on a standalone site. */
  outbox: ReplicationOutbox | null;
  /** Least time between two snapshots of a moving counter. */
  counterSnapshotMs: number;
  /** Most time an unchanged status row goes without being rewritten. */
  refreshMs: number;
}

interface PrinterMemory {
  /** The latest state, including polls that were not written. */
  latest: StoredPrinterState | null;
  /** The fingerprint and poll time of the state the row holds; null when there is no row. */
  written: { fingerprint: string; atMs: number } | null;
  snapshot: SnapshotMark | null;
}

/** What recording one observation did. */
export interface RecordResult {
  previous: PrinterObservation | null;
  statusWritten: boolean;
  snapshot: PrinterCounterSnapshotEntity | null;
}

/** A snapshot as central keeps it. */
export function counterRecordOf(
  printer: PrinterEntity,
  reading: PrinterReading,
  snapshot: PrinterCounterSnapshotEntity,
): PrinterCounterRecord {
  return {
    id: snapshot.id,
    printerId: printer.id,
    printerName: printer.name,
    serial: printer.serial ?? reading.serial,
    mac: printer.mac ?? reading.mac,
    at: snapshot.takenAt.toISOString(),
    total: snapshot.total,
    mono: snapshot.mono,
    color: snapshot.color,
  };
}

function memoryFrom(
  stored: StoredPrinterState | null,
  last: PrinterCounterSnapshotEntity | null,
): PrinterMemory {
  return {
    latest: stored,
    written: stored
      ? { fingerprint: fingerprintOf(stored.observation), atMs: stored.observation.at.getTime() }
      : null,
    snapshot: last
      ? { atMs: last.takenAt.getTime(), total: last.total, mono: last.mono, color: last.color }
      : null,
  };
}

/** Stores observations; see the file comment. Calls for one printer must not overlap (the poller sees to it). */
export class ObservationRecorder {
  private readonly memory = new Map<string, PrinterMemory>();
  private readonly commits: GroupCommit<(manager: EntityManager) => Promise<void>, void>;

  constructor(private readonly options: ObservationRecorderOptions) {
    this.commits = new GroupCommit(options.dataSource, (write, manager) => write(manager));
  }

  /** The latest state of a printer polled since start, or undefined. */
  latest(printerId: string): StoredPrinterState | undefined {
    return this.memory.get(printerId)?.latest ?? undefined;
  }

  /** Forget printers that no longer exist. */
  forget(printerIds: Iterable<string>): void {
    for (const id of printerIds) this.memory.delete(id);
  }

  /** Ids of the printers remembered. */
  remembered(): string[] {
    return [...this.memory.keys()];
  }

  /** Store `observation` of `printer` as the rules say; rejects (remembering nothing) when the write fails. */
  async record(printer: PrinterEntity, observation: PrinterObservation): Promise<RecordResult> {
    const memory = await this.memoryOf(printer.id);
    const previous = memory.latest;
    const state = foldObservation(previous, observation);
    const fingerprint = fingerprintOf(observation);
    const atMs = observation.at.getTime();
    const writeStatus =
      !memory.written ||
      memory.written.fingerprint !== fingerprint ||
      atMs - memory.written.atMs >= this.options.refreshMs;
    const reading = observation.reading;
    const snapshot =
      reading && snapshotDue(memory.snapshot, reading.counters, atMs, this.options.counterSnapshotMs)
        ? this.snapshotOf(printer.id, observation.at, reading)
        : null;
    if (writeStatus || snapshot) {
      await this.commits.submit(async (manager) => {
        if (writeStatus) {
          await this.options.repository.save(state, manager);
          for (const observer of this.options.observers) {
            const last = previous?.lastReading ?? null;
            await observer.observe(printer, observation, previous?.observation ?? null, manager, last);
          }
        }
        if (snapshot && reading) await this.storeSnapshot(printer, reading, snapshot, manager);
      });
    }
    if (writeStatus) memory.written = { fingerprint, atMs };
    if (snapshot)
      memory.snapshot = { atMs, total: snapshot.total, mono: snapshot.mono, color: snapshot.color };
    memory.latest = state;
    return { previous: previous?.observation ?? null, statusWritten: writeStatus, snapshot };
  }

  /**
   * Read what is stored of the printers not remembered yet, in a few queries for all of them rather than two
   * per printer at its first poll (a restarted site polls 600 printers within its first minute).
   */
  async preload(printerIds: readonly string[]): Promise<void> {
    const unknown = printerIds.filter((id) => !this.memory.has(id));
    if (unknown.length === 0) return;
    const states = await this.options.repository.states(unknown);
    const snapshots = await this.options.repository.latestSnapshots(unknown);
    for (const id of unknown) {
      // A poll that finished meanwhile knows better than what was read before it.
      if (!this.memory.has(id))
        this.memory.set(id, memoryFrom(states.get(id) ?? null, snapshots.get(id) ?? null));
    }
  }

  private async memoryOf(printerId: string): Promise<PrinterMemory> {
    const known = this.memory.get(printerId);
    if (known) return known;
    const repository = this.options.repository;
    const stored = (await repository.states([printerId])).get(printerId) ?? null;
    const last = await repository.latestSnapshot(printerId);
    // Calls for one printer do not overlap, but a preload may have filled it in while we read.
    const memory = this.memory.get(printerId) ?? memoryFrom(stored, last);
    this.memory.set(printerId, memory);
    return memory;
  }

  private snapshotOf(printerId: string, at: Date, reading: PrinterReading): PrinterCounterSnapshotEntity {
    const { total, mono, color } = reading.counters;
    return { id: newId(), printerId, takenAt: at, total, mono, color };
  }

  private async storeSnapshot(
    printer: PrinterEntity,
    reading: PrinterReading,
    snapshot: PrinterCounterSnapshotEntity,
    manager: EntityManager,
  ): Promise<void> {
    await this.options.repository.insertSnapshot(snapshot, manager);
    const outbox = this.options.outbox;
    if (!outbox) return;
    await executeUnit(manager, {
      statements: outbox.plan([
        { kind: 'printer_counter', key: snapshot.id, body: counterRecordOf(printer, reading, snapshot) },
      ]),
    });
  }
}
