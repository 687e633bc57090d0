/**
 * One episode of a printer event: the condition held from `openedAt` until `closedAt` (null while it holds).
 * A condition that lasts many polls is one row, not a stream of duplicates.
 *
 * `openKey` (definition, printer, subject) is set only while the episode is open and its index is unique, so two
 * evaluations of the same printer that race can never open the same episode twice: the second insert fails on
 * the index and is skipped. A counter milestone is an instant episode (opened and closed at once); its
 * `milestoneKey` stays set, so each milestone of a printer's counter fires once however many evaluations see it.
 * Printer and event names are copied in, so the history still reads after either is deleted.
 */
import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '@quire/common';
import { jsonObjectColumn } from './json-columns';

@Entity({ name: 'printer_events' })
@Index('idx_printer_events_printer_open', ['printerId', 'closedAt'])
export class PrinterEventEntity {
  @IdColumn()
  id!: string;

  @Index('idx_printer_events_definition')
  @UuidColumn({ name: 'definition_id' })
  definitionId!: string;

  /** The definition's name when the episode opened (the history's "Event" column). */
  @Column({ name: 'event_name', type: 'varchar', length: 127 })
  eventName!: string;

  @UuidColumn({ name: 'printer_id' })
  printerId!: string;

  @Column({ name: 'printer_name', type: 'varchar', length: 127 })
  printerName!: string;

  @Index('idx_printer_events_type')
  @Column({ type: 'varchar', length: 32 })
  type!: string;

  /** What within the printer: a supply index (`1.2`), an alert, a milestone; '' when printer-wide. */
  @Column({ type: 'varchar', length: 64 })
  subject!: string;

  @Index('idx_printer_events_opened')
  @TimestampColumn({ name: 'opened_at' })
  openedAt!: Date;

  @TimestampColumn({ name: 'closed_at', nullable: true })
  closedAt!: Date | null;

  @Column({ type: 'varchar', length: 512 })
  message!: string;

  @Column({ type: 'text', transformer: jsonObjectColumn })
  details!: Record<string, unknown>;

  @Index('uq_printer_events_open_key', { unique: true })
  @Column({ name: 'open_key', type: 'varchar', length: 160, nullable: true })
  openKey!: string | null;

  @Index('uq_printer_events_milestone_key', { unique: true })
  @Column({ name: 'milestone_key', type: 'varchar', length: 160, nullable: true })
  milestoneKey!: string | null;
}
