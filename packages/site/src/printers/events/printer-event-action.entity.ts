/**
 * An event action: what to do when episodes of some event definitions open (and, if asked, close) on some
 * printers: send an email rendered from a template, or POST a signed JSON webhook. The last delivery's outcome is
 * kept on the row, so an administrator sees a broken SMTP relay or webhook without reading logs. The webhook
 * secret is stored as given (it signs each request) and never returned by the API.
 */
import { Column, Entity } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';
import { jsonStringList } from '../../queues/queue.entity';

@Entity({ name: 'printer_event_actions' })
export class PrinterEventActionEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 127 })
  name!: string;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  /** The event definitions whose episodes trigger it. */
  @Column({ name: 'definition_ids', type: 'text', transformer: jsonStringList })
  definitionIds!: string[];

  /** Printer groups it applies to; empty for every printer. */
  @Column({ name: 'printer_groups', type: 'text', transformer: jsonStringList })
  printerGroups!: string[];

  /** `email` or `webhook`. */
  @Column({ type: 'varchar', length: 16 })
  kind!: string;

  /** Email addresses, or `%PRN.CONTACT%` for the printer's contact. */
  @Column({ type: 'text', transformer: jsonStringList })
  recipients!: string[];

  @Column({ type: 'varchar', length: 255 })
  subject!: string;

  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'varchar', length: 2048, nullable: true })
  url!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  secret!: string | null;

  /** `open` or `open-and-close`. */
  @Column({ name: 'notify_on', type: 'varchar', length: 16 })
  notifyOn!: string;

  @Column({ name: 'min_interval_minutes', type: 'integer' })
  minIntervalMinutes!: number;

  @TimestampColumn({ name: 'last_sent_at', nullable: true })
  lastSentAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @TimestampColumn({ name: 'last_error_at', nullable: true })
  lastErrorAt!: Date | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
