/**
 * Creates the configuration templates (`config_templates`: queues, policies, printer profiles and price lists
 * that central owns and sites receive) and their version counter (`config_template_version`, one row at 0).
 * Names are unique per type through `name_key`, which tombstones clear; `version` is indexed because sites ask
 * for "every template changed after version V".
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '@quire/common';

function templatesTable(): Table {
  return new Table({
    name: 'config_templates',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      { name: 'type', type: 'varchar', length: '16' },
      { name: 'name', type: 'varchar', length: '127' },
      { name: 'name_key', type: 'varchar', length: '127', isNullable: true },
      { name: 'settings', type: 'text' },
      { name: 'overridable', type: 'text' },
      { name: 'version', type: 'bigint' },
      timestampColumnSpec('deleted_at', true),
      timestampColumnSpec('created_at'),
      timestampColumnSpec('updated_at'),
    ],
    indices: [
      new TableIndex({
        name: 'uq_config_templates_type_name',
        columnNames: ['type', 'name_key'],
        isUnique: true,
      }),
      new TableIndex({ name: 'idx_config_templates_version', columnNames: ['version'] }),
    ],
  });
}

export class ConfigTemplates1763700820000 implements MigrationInterface {
  name = 'ConfigTemplates1763700820000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(templatesTable());
    await queryRunner.createTable(
      new Table({
        name: 'config_template_version',
        columns: [
          { name: 'id', type: 'varchar', length: '16', isPrimary: true },
          { name: 'value', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.query("INSERT INTO config_template_version (id, value) VALUES ('templates', 0)");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('config_template_version');
    await queryRunner.dropTable('config_templates');
  }
}
