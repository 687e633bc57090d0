/**
 * Central's copy of what sites replicate up about their printers: `site_printer_counters` (page-counter
 * snapshots, the SNMP counter report's source) and `site_printer_events` (event episodes, the "Event history"
 * report's source), each keyed by the site and the record's id on that site. Counters are BIGINT (SNMP counters
 * are 32-bit unsigned); an event's message is TEXT so no site's wording can get a batch refused.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '@quire/common';

const varchar = (name: string, length: number, nullable = false) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const bigint = (name: string, nullable = false) => ({ name, type: 'bigint', isNullable: nullable });
const key = (name: string) => ({ ...varchar(name, 36), isPrimary: true });
const index = (name: string, columns: string[]) => new TableIndex({ name, columnNames: columns });

const TABLES = () => [
  new Table({
    name: 'site_printer_counters',
    columns: [
      key('site_id'),
      key('counter_id'),
      uuidColumnSpec('printer_id'),
      varchar('printer_name', 127),
      varchar('serial', 128, true),
      varchar('mac', 17, true),
      timestampColumnSpec('at'),
      bigint('total', true),
      bigint('mono', true),
      bigint('color', true),
    ],
    indices: [
      index('idx_site_printer_counters_printer', ['site_id', 'printer_id', 'at']),
      index('idx_site_printer_counters_at', ['at']),
    ],
  }),
  new Table({
    name: 'site_printer_events',
    columns: [
      key('site_id'),
      key('event_id'),
      uuidColumnSpec('printer_id'),
      varchar('printer_name', 127),
      varchar('type', 64),
      varchar('subject', 255),
      timestampColumnSpec('opened_at'),
      timestampColumnSpec('closed_at', true),
      { name: 'message', type: 'text' },
      bigint('last_seq'),
    ],
    indices: [
      index('idx_site_printer_events_printer', ['site_id', 'printer_id', 'opened_at']),
      index('idx_site_printer_events_type', ['type']),
      index('idx_site_printer_events_opened', ['opened_at']),
    ],
  }),
];

export class SitePrinters1763700900000 implements MigrationInterface {
  name = 'SitePrinters1763700900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES()) await queryRunner.createTable(table);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES().reverse()) await queryRunner.dropTable(table.name);
  }
}
