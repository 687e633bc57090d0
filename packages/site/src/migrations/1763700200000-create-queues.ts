/**
 * Creates the `queues` table. The case-insensitive uniqueness of queue names lives in `name_key` (the lower-cased
 * name) so it behaves the same under SQLite's binary comparison and MySQL's collations; `raw_port` is unique
 * when set (both drivers let a unique index hold many NULLs). The Table is built inside `up` because TypeORM
 * may annotate the objects it is given, and tests migrate several databases in one process.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '@quire/common';

export class CreateQueues1763700200000 implements MigrationInterface {
  name = 'CreateQueues1763700200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'queues',
        columns: [
          uuidColumnSpec('id', { primary: true }),
          { name: 'name', type: 'varchar', length: '127' },
          { name: 'name_key', type: 'varchar', length: '127' },
          { name: 'type', type: 'varchar', length: '16' },
          { name: 'description', type: 'varchar', length: '255' },
          { name: 'online', type: 'boolean' },
          { name: 'raw_port', type: 'integer', isNullable: true },
          { name: 'unknown_owner_policy', type: 'varchar', length: '16' },
          { name: 'user_detection', type: 'text' },
          { name: 'detection_case_sensitive', type: 'boolean' },
          timestampColumnSpec('created_at'),
          timestampColumnSpec('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_queues_name_key', columnNames: ['name_key'], isUnique: true }),
          new TableIndex({ name: 'uq_queues_raw_port', columnNames: ['raw_port'], isUnique: true }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('queues');
  }
}
