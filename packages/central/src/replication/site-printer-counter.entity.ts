/**
 * One page-counter snapshot of a site's printer, as central keeps it from the site's outbox: the source of the
 * SNMP counter report. Snapshots never change once taken, so a replayed record is simply not inserted again.
 * Property names are the PrinterCounterRecord field names (the record codec relies on it). Counters are BIGINT:
 * SNMP counters are 32-bit unsigned, so a long-lived device passes what a signed INT holds.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn, UuidColumn } from '@quire/common';
import { BigintColumn } from './columns';

/** The `site_printer_counters` table. */
@Entity({ name: 'site_printer_counters' })
@Index('idx_site_printer_counters_printer', ['siteId', 'printerId', 'at'])
export class SitePrinterCounterEntity {
  /** The authenticated site the record came from. */
  @PrimaryColumn({ name: 'site_id', type: 'varchar', length: 36 })
  siteId!: string;

  @PrimaryColumn({ name: 'counter_id', type: 'varchar', length: 36 })
  id!: string;

  @UuidColumn({ name: 'printer_id' })
  printerId!: string;

  /** The printer's name when the snapshot was taken (printers get renamed; the id stays). */
  @Column({ name: 'printer_name', type: 'varchar', length: 127 })
  printerName!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  serial!: string | null;

  @Column({ type: 'varchar', length: 17, nullable: true })
  mac!: string | null;

  @Index('idx_site_printer_counters_at')
  @TimestampColumn()
  at!: Date;

  @BigintColumn({ nullable: true })
  total!: number | null;

  @BigintColumn({ nullable: true })
  mono!: number | null;

  @BigintColumn({ nullable: true })
  color!: number | null;
}
