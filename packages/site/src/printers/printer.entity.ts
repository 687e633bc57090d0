/**
 * A printer of this site, as far as releasing jobs needs it: where its output goes (a CUPS-style device URI),
 * whether it takes jobs, and the page counter tandem queues balance on. SNMP monitoring adds to this later.
 */
import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';

@Entity({ name: 'printers' })
export class PrinterEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 127 })
  name!: string;

  /** The lower-cased name, unique: printer names are unique regardless of case, as queue names are. */
  @Index('uq_printers_name_key', { unique: true })
  @Column({ name: 'name_key', type: 'varchar', length: 127 })
  nameKey!: string;

  /** `socket://host:9100`, `lpd://host:port/queue`, `ipp://host:port/path` or `ipps://...`. */
  @Column({ type: 'varchar', length: 512 })
  uri!: string;

  @Column({ type: 'varchar', length: 255 })
  location!: string;

  /** The printer group it belongs to, which queues may be assigned instead of single printers. */
  @Column({ name: 'printer_group', type: 'varchar', length: 64, nullable: true })
  group!: string | null;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  /** Pages printed through this site (SNMP will keep it in step with the device's own counter). */
  @Column({ name: 'page_counter', type: 'integer' })
  pageCounter!: number;

  /** Added to the counter when a tandem queue compares printers, to even out a fleet of mixed ages. */
  @Column({ name: 'counter_offset', type: 'integer' })
  counterOffset!: number;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
