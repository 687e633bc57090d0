/**
 * Adds to `printers` what monitoring and discovery need: the configuration profile, whether SNMP is used and
 * where it goes, and the device's identity and inventory (model, serial number, MAC, colour, asset number,
 * contact). The MAC index is unique (several NULLs are allowed on both SQLite and MariaDB), so two rows can never
 * describe one device.
 *
 * Columns are added with plain `ALTER TABLE` (see 1763700400000 for why).
 */
import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const PRINTER_COLUMNS = [
  'config_profile_id varchar(36) NULL',
  'snmp_enabled boolean NOT NULL DEFAULT 1',
  'snmp_host varchar(255) NULL',
  "model varchar(255) NOT NULL DEFAULT ''",
  'serial varchar(128) NULL',
  'mac varchar(17) NULL',
  'color_capable boolean NULL',
  "asset_number varchar(64) NOT NULL DEFAULT ''",
  "contact varchar(255) NOT NULL DEFAULT ''",
];

const INDICES = [
  new TableIndex({ name: 'uq_printers_mac', columnNames: ['mac'], isUnique: true }),
  new TableIndex({ name: 'idx_printers_serial', columnNames: ['serial'] }),
];

/** The printer identity columns; `down` removes them. */
export class PrinterIdentity1763700900000 implements MigrationInterface {
  name = 'PrinterIdentity1763700900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const column of PRINTER_COLUMNS)
      await queryRunner.query(`ALTER TABLE printers ADD COLUMN ${column}`);
    for (const index of INDICES) await queryRunner.createIndex('printers', index);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of INDICES) await queryRunner.dropIndex('printers', index.name!);
    for (const column of [...PRINTER_COLUMNS].reverse()) {
      await queryRunner.query(`ALTER TABLE printers DROP COLUMN ${column.split(' ')[0]}`);
    }
  }
}
