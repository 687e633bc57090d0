/**
 * One printer event episode of a site (toner low, paper jam, offline, ...), as central keeps it from the site's
 * outbox for the "Event history" report. An episode is sent when it opens and again when it closes, under the
 * same id, so the row holds the record with the highest sequence number applied so far (`last_seq`): a replayed
 * "open" record never reopens a closed episode. Property names are the PrinterEventRecord field names.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn, UuidColumn } from '@quire/common';
import { BigintColumn } from './columns';

/** The `site_printer_events` table. */
@Entity({ name: 'site_printer_events' })
@Index('idx_site_printer_events_printer', ['siteId', 'printerId', 'openedAt'])
export class SitePrinterEventEntity {
  /** The authenticated site the record came from. */
  @PrimaryColumn({ name: 'site_id', type: 'varchar', length: 36 })
  siteId!: string;

  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 36 })
  id!: string;

  @UuidColumn({ name: 'printer_id' })
  printerId!: string;

  @Column({ name: 'printer_name', type: 'varchar', length: 127 })
  printerName!: string;

  /** `toner-low`, `paper-jam`, `offline`, ...: the site's event types, kept as sent. */
  @Index('idx_site_printer_events_type')
  @Column({ type: 'varchar', length: 64 })
  type!: string;

  /** What within the printer (a supply or tray index, a milestone); '' for the printer as a whole. */
  @Column({ type: 'varchar', length: 255 })
  subject!: string;

  @Index('idx_site_printer_events_opened')
  @TimestampColumn({ name: 'opened_at' })
  openedAt!: Date;

  @TimestampColumn({ name: 'closed_at', nullable: true })
  closedAt!: Date | null;

  /** A one-line account; TEXT, so a wordy site never has a batch refused over it. */
  @Column({ type: 'text' })
  message!: string;

  /** The outbox sequence of the record this row holds. */
  @BigintColumn({ name: 'last_seq' })
  lastSeq!: number;
}
