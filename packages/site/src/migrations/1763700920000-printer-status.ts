/**
 * Adds what printer monitoring keeps: `printer_status`, one row per printer with its derived status, the last
 * answered reading (counters as columns, so reports can sum them; supplies, trays, alerts and the rest of the
 * device's answer as JSON text) and when it was polled, last answered and entered its status; and
 * `printer_counter_snapshots`, the page-counter history the SNMP counter report is built from, read per printer
 * by time through its (printer_id, taken_at) index.
 *
 * Counters are `bigint`: SNMP counters are 32-bit unsigned, past MariaDB's signed `integer`.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '@quire/common';

const SNAPSHOT_INDEX = 'idx_printer_counter_snapshots_printer';

function counterColumns(prefix: string) {
  return ['total', 'mono', 'color'].map((name) => ({
    name: `${prefix}${name}`,
    type: 'bigint',
    isNullable: true,
  }));
}

function statusTable(): Table {
  return new Table({
    name: 'printer_status',
    columns: [
      uuidColumnSpec('printer_id', { primary: true }),
      { name: 'status', type: 'varchar', length: '16' },
      { name: 'reasons', type: 'text' },
      { name: 'error', type: 'text', isNullable: true },
      ...counterColumns('counter_'),
      { name: 'supplies', type: 'text' },
      { name: 'trays', type: 'text' },
      { name: 'alerts', type: 'text' },
      { name: 'device', type: 'text', isNullable: true },
      { name: 'model', type: 'varchar', length: '255', isNullable: true },
      { name: 'serial', type: 'varchar', length: '128', isNullable: true },
      { name: 'sys_name', type: 'varchar', length: '255', isNullable: true },
      timestampColumnSpec('polled_at'),
      timestampColumnSpec('answered_at', true),
      timestampColumnSpec('status_since'),
    ],
  });
}

function snapshotsTable(): Table {
  return new Table({
    name: 'printer_counter_snapshots',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      uuidColumnSpec('printer_id'),
      timestampColumnSpec('taken_at'),
      ...counterColumns(''),
    ],
    indices: [new TableIndex({ name: SNAPSHOT_INDEX, columnNames: ['printer_id', 'taken_at'] })],
  });
}

/** The printer status and counter snapshot tables; `down` drops them. */
export class PrinterStatus1763700920000 implements MigrationInterface {
  name = 'PrinterStatus1763700920000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(statusTable());
    await queryRunner.createTable(snapshotsTable());
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('printer_counter_snapshots');
    await queryRunner.dropTable('printer_status');
  }
}
