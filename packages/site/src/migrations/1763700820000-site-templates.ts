/**
 * Adds what the site keeps of central's configuration templates: `site_templates` (each template as central sent
 * it, the snapshot that last listed it, and why it could not be applied, if it could not), the version held
 * (`federation_template_state`, one row at 0), and on queues the template that manages them: `template_id`, the
 * settings central holds (`template_locked`) and the overridable ones a local admin has changed
 * (`template_overridden`), both JSON lists.
 *
 * Queue columns are added with plain `ALTER TABLE` (see 1763700400000 for why); they are nullable, as most queues
 * are local ones.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '@quire/common';

const QUEUE_COLUMNS = [
  'template_id varchar(36) NULL',
  'template_locked text NULL',
  'template_overridden text NULL',
];
const QUEUE_TEMPLATE_INDEX = 'idx_queues_template';

function siteTemplatesTable(): Table {
  return new Table({
    name: 'site_templates',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      { name: 'type', type: 'varchar', length: '32' },
      { name: 'name', type: 'varchar', length: '127' },
      { name: 'settings', type: 'text' },
      { name: 'overridable', type: 'text' },
      { name: 'snapshot_id', type: 'integer', default: 0 },
      { name: 'error', type: 'text', isNullable: true },
      timestampColumnSpec('updated_at'),
    ],
    indices: [new TableIndex({ name: 'idx_site_templates_type', columnNames: ['type'] })],
  });
}

function templateStateTable(): Table {
  return new Table({
    name: 'federation_template_state',
    columns: [
      { name: 'id', type: 'varchar', length: '16', isPrimary: true },
      { name: 'version', type: 'bigint' },
      timestampColumnSpec('updated_at'),
    ],
  });
}

/** The site's template tables and the queue columns; `down` removes them. */
export class SiteTemplates1763700820000 implements MigrationInterface {
  name = 'SiteTemplates1763700820000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const column of QUEUE_COLUMNS) await queryRunner.query(`ALTER TABLE queues ADD COLUMN ${column}`);
    await queryRunner.createIndex(
      'queues',
      new TableIndex({ name: QUEUE_TEMPLATE_INDEX, columnNames: ['template_id'] }),
    );
    await queryRunner.createTable(siteTemplatesTable());
    await queryRunner.createTable(templateStateTable());
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    await queryRunner.query(
      'INSERT INTO federation_template_state (id, version, updated_at) VALUES (?, ?, ?)',
      ['templates', 0, now],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('federation_template_state');
    await queryRunner.dropTable('site_templates');
    await queryRunner.dropIndex('queues', QUEUE_TEMPLATE_INDEX);
    for (const column of [...QUEUE_COLUMNS].reverse()) {
      await queryRunner.query(`ALTER TABLE queues DROP COLUMN ${column.split(' ')[0]}`);
    }
  }
}
