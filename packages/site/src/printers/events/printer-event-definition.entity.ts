/**
 * A printer event definition: what condition of a printer counts as an event (toner below a threshold, a jam,
 * a counter milestone, matching SNMP alerts, ...). Its `params` are checked against the type's schema on every
 * write and every read (see event-definition-input.ts); the evaluator only sees definitions that are enabled.
 */
import { Column, Entity } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';
import { jsonObjectColumn } from './json-columns';

@Entity({ name: 'printer_event_definitions' })
export class PrinterEventDefinitionEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 127 })
  name!: string;

  /** One of EVENT_TYPES; fixed once created, since open episodes were judged by it. */
  @Column({ type: 'varchar', length: 32 })
  type!: string;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'text', transformer: jsonObjectColumn })
  params!: Record<string, unknown>;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
