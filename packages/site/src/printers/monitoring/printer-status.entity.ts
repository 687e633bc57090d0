/**
 * What monitoring stores: `printer_status`, the latest state of each printer (written only when it changes, or
 * now and then to refresh its poll time), and `printer_counter_snapshots`, the page-counter history. The status
 * row keeps the last reading the printer answered with even while it is offline, so the console and the counter
 * report still have its last known supplies and counters; `answered_at` says how old they are.
 */
import { Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '@quire/common';
import {
  type AlertReading,
  type PrinterReading,
  type PrinterStatus,
  type PrinterStatusReason,
  type SupplyReading,
  type TrayReading,
} from './printer-reading';

// MySQL hands BIGINT back as a string; page counters stay far below 2^53.
const nullableBigint: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** A JSON list; anything but a list (a hand edit, NULL) reads as empty. */
const jsonList: ValueTransformer = {
  to: (list: unknown[] | undefined) => (list === undefined ? undefined : JSON.stringify(list)),
  from: (text: string | null): unknown[] => {
    try {
      const parsed: unknown = JSON.parse(text ?? '[]');
      return Array.isArray(parsed) ? parsed : [];
    } catch {
      return [];
    }
  },
};

/** The parts of a reading that have no column of their own. */
export type DeviceFacts = Pick<
  PrinterReading,
  | 'sysDescr'
  | 'sysLocation'
  | 'sysContact'
  | 'mac'
  | 'deviceStatus'
  | 'printerStatus'
  | 'errorState'
  | 'colorCapable'
>;

/** A JSON object or NULL; unreadable text reads as NULL. */
const jsonObject: ValueTransformer = {
  to: (value: object | null | undefined) =>
    value === undefined || value === null ? value : JSON.stringify(value),
  from: (text: string | null): unknown => {
    if (text === null) return null;
    try {
      const parsed: unknown = JSON.parse(text);
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : null;
    } catch {
      return null;
    }
  },
};

/** One printer's latest monitored state. */
@Entity({ name: 'printer_status' })
export class PrinterStatusEntity {
  @PrimaryColumn({ name: 'printer_id', type: 'varchar', length: 36 })
  printerId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: PrinterStatus;

  @Column({ type: 'text', transformer: jsonList })
  reasons!: PrinterStatusReason[];

  /** Why the last poll got no reading (timeout, authentication failure, no profile). */
  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'counter_total', type: 'bigint', nullable: true, transformer: nullableBigint })
  counterTotal!: number | null;

  @Column({ name: 'counter_mono', type: 'bigint', nullable: true, transformer: nullableBigint })
  counterMono!: number | null;

  @Column({ name: 'counter_color', type: 'bigint', nullable: true, transformer: nullableBigint })
  counterColor!: number | null;

  @Column({ type: 'text', transformer: jsonList })
  supplies!: SupplyReading[];

  @Column({ type: 'text', transformer: jsonList })
  trays!: TrayReading[];

  @Column({ type: 'text', transformer: jsonList })
  alerts!: AlertReading[];

  /** The rest of the last answered reading; null until the printer first answered. */
  @Column({ type: 'text', nullable: true, transformer: jsonObject })
  device!: DeviceFacts | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  model!: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  serial!: string | null;

  @Column({ name: 'sys_name', type: 'varchar', length: 255, nullable: true })
  sysName!: string | null;

  /** The poll this row was written at; the monitor keeps later, unchanged polls in memory only. */
  @TimestampColumn({ name: 'polled_at' })
  polledAt!: Date;

  /** When the printer last answered, at the time the row was written; null if it never has. */
  @TimestampColumn({ name: 'answered_at', nullable: true })
  answeredAt!: Date | null;

  /** When the printer entered its current status. */
  @TimestampColumn({ name: 'status_since' })
  statusSince!: Date;
}

/** One stored page-counter reading of a printer. */
@Entity({ name: 'printer_counter_snapshots' })
@Index('idx_printer_counter_snapshots_printer', ['printerId', 'takenAt'])
export class PrinterCounterSnapshotEntity {
  @IdColumn()
  id!: string;

  @UuidColumn({ name: 'printer_id' })
  printerId!: string;

  @TimestampColumn({ name: 'taken_at' })
  takenAt!: Date;

  @Column({ type: 'bigint', nullable: true, transformer: nullableBigint })
  total!: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: nullableBigint })
  mono!: number | null;

  @Column({ type: 'bigint', nullable: true, transformer: nullableBigint })
  color!: number | null;
}

/** The monitoring entities, for the site's entity list. */
export const printerMonitoringEntities = [PrinterStatusEntity, PrinterCounterSnapshotEntity];
