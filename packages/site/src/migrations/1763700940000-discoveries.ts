/**
 * Adds `discoveries`: saved printer discoveries (ranges, SNMP profile and timeout, name template, actions and
 * rules as JSON text), whether and when the scheduler runs them, and a summary of their last run. Names are
 * unique regardless of case through `name_key`, as printer and queue names are.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '@quire/common';

function discoveriesTable(): Table {
  return new Table({
    name: 'discoveries',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      { name: 'name', type: 'varchar', length: '127' },
      { name: 'name_key', type: 'varchar', length: '127' },
      { name: 'enabled', type: 'boolean' },
      { name: 'schedule', type: 'varchar', length: '100', isNullable: true },
      { name: 'ranges', type: 'text' },
      { name: 'exclude', type: 'text' },
      uuidColumnSpec('snmp_profile_id', { nullable: true }),
      { name: 'timeout_ms', type: 'integer', isNullable: true },
      { name: 'name_template', type: 'varchar', length: '255', isNullable: true },
      { name: 'rename_existing', type: 'boolean' },
      { name: 'actions', type: 'text', isNullable: true },
      { name: 'rules', type: 'text' },
      timestampColumnSpec('last_run_at', true),
      { name: 'last_result', type: 'text', isNullable: true },
      timestampColumnSpec('created_at'),
      timestampColumnSpec('updated_at'),
    ],
    indices: [new TableIndex({ name: 'uq_discoveries_name_key', columnNames: ['name_key'], isUnique: true })],
  });
}

/** The saved discoveries table; `down` removes it. */
export class Discoveries1763700940000 implements MigrationInterface {
  name = 'Discoveries1763700940000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(discoveriesTable());
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('discoveries');
  }
}
