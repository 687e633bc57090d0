/**
 * Adds SNMP profiles (`snmp_profiles`) and printer configuration profiles (`printer_config_profiles`), and seeds
 * the default SNMP profile "Default": SNMP v2c, community `public`, port 161, 2 s timeout, 1 retry.
 *
 * MyQ's default is v1; Quire's is v2c because polling reads whole Printer-MIB tables with GETBULK, which v1 does
 * not have (v1 needs one GETNEXT round trip per table row), and every printer sold this century speaks v2c.
 *
 * A configuration profile's SNMP profile is a foreign key with RESTRICT, so a profile in use can never be
 * deleted even by a racing request; the service checks first and says which configuration profiles use it.
 */
import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { newId, timestampColumnSpec, uuidColumnSpec } from '@quire/common';

function varchar(name: string, length: number, nullable = false) {
  return { name, type: 'varchar', length: String(length), isNullable: nullable };
}

function snmpProfilesTable(): Table {
  return new Table({
    name: 'snmp_profiles',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      varchar('name', 127),
      varchar('name_key', 127),
      varchar('version', 2),
      varchar('community', 255),
      varchar('write_community', 255, true),
      { name: 'port', type: 'integer' },
      { name: 'timeout_ms', type: 'integer' },
      { name: 'retries', type: 'integer' },
      varchar('v3_user', 64, true),
      varchar('v3_auth_protocol', 8, true),
      varchar('v3_auth_key', 255, true),
      varchar('v3_priv_protocol', 8, true),
      varchar('v3_priv_key', 255, true),
      varchar('v3_context', 64, true),
      { name: 'is_default', type: 'boolean' },
      timestampColumnSpec('created_at'),
      timestampColumnSpec('updated_at'),
    ],
    indices: [
      new TableIndex({ name: 'uq_snmp_profiles_name_key', columnNames: ['name_key'], isUnique: true }),
    ],
  });
}

function configProfilesTable(): Table {
  return new Table({
    name: 'printer_config_profiles',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      varchar('name', 127),
      varchar('name_key', 127),
      uuidColumnSpec('snmp_profile_id', { nullable: true }),
      uuidColumnSpec('price_list_id', { nullable: true }),
      varchar('admin_user', 128, true),
      varchar('admin_password', 255, true),
      { name: 'fax_module', type: 'boolean' },
      timestampColumnSpec('created_at'),
      timestampColumnSpec('updated_at'),
    ],
    indices: [
      new TableIndex({
        name: 'uq_printer_config_profiles_name_key',
        columnNames: ['name_key'],
        isUnique: true,
      }),
      new TableIndex({ name: 'idx_printer_config_profiles_snmp', columnNames: ['snmp_profile_id'] }),
    ],
    foreignKeys: [
      new TableForeignKey({
        name: 'fk_printer_config_profiles_snmp',
        columnNames: ['snmp_profile_id'],
        referencedTableName: 'snmp_profiles',
        referencedColumnNames: ['id'],
        onDelete: 'RESTRICT',
      }),
    ],
  });
}

/** The two profile tables and the default SNMP profile; `down` removes them. */
export class SnmpProfiles1763700910000 implements MigrationInterface {
  name = 'SnmpProfiles1763700910000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(snmpProfilesTable());
    await queryRunner.createTable(configProfilesTable());
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    await queryRunner.query(
      `INSERT INTO snmp_profiles (id, name, name_key, version, community, port, timeout_ms, retries, is_default,
         created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [newId(), 'Default', 'default', '2c', 'public', 161, 2000, 1, 1, now, now],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('printer_config_profiles');
    await queryRunner.dropTable('snmp_profiles');
  }
}
