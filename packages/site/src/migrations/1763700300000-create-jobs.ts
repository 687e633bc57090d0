/**
 * Creates `jobs`, `job_events` and `job_counters` (with its `job-number` row). Written with the Table API so one
 * migration produces the right DDL on both MySQL/MariaDB and SQLite; tables are built fresh per run because
 * TypeORM may annotate the Table objects it is given.
 */
import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '@quire/common';

function varchar(name: string, length: number, nullable = false) {
  return { name, type: 'varchar', length: String(length), isNullable: nullable };
}

function integer(name: string, nullable = false) {
  return { name, type: 'integer', isNullable: nullable };
}

function jobsTable(): Table {
  return new Table({
    name: 'jobs',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      integer('number'),
      varchar('name', 255),
      varchar('owner', 128),
      varchar('owner_method', 16),
      uuidColumnSpec('queue_id'),
      varchar('queue_name', 128),
      varchar('state', 16),
      varchar('state_reason', 255, true),
      varchar('protocol', 8),
      varchar('client_address', 64),
      varchar('sender_user', 128, true),
      varchar('sender_host', 255, true),
      { name: 'hold_requested', type: 'boolean', isNullable: false },
      timestampColumnSpec('submitted_at'),
      timestampColumnSpec('processed_at', true),
      timestampColumnSpec('completed_at', true),
      { name: 'size_bytes', type: 'bigint', isNullable: false },
      varchar('sha256', 64),
      varchar('document_format', 128, true),
      varchar('spool_path', 255),
      integer('copies'),
      { name: 'attributes', type: 'text', isNullable: false },
      varchar('pdl', 32, true),
      integer('pages', true),
      integer('color_pages', true),
      integer('mono_pages', true),
      { name: 'duplex', type: 'boolean', isNullable: true },
      varchar('paper', 64, true),
    ],
    indices: [
      new TableIndex({ name: 'uq_jobs_number', columnNames: ['number'], isUnique: true }),
      new TableIndex({ name: 'idx_jobs_owner', columnNames: ['owner'] }),
      new TableIndex({ name: 'idx_jobs_queue_state', columnNames: ['queue_id', 'state'] }),
      new TableIndex({ name: 'idx_jobs_state', columnNames: ['state'] }),
      new TableIndex({ name: 'idx_jobs_submitted_at', columnNames: ['submitted_at'] }),
    ],
  });
}

function jobEventsTable(): Table {
  return new Table({
    name: 'job_events',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      uuidColumnSpec('job_id'),
      timestampColumnSpec('at'),
      varchar('from_state', 16, true),
      varchar('to_state', 16),
      varchar('reason', 255, true),
      varchar('actor', 160),
    ],
    indices: [new TableIndex({ name: 'idx_job_events_job_id', columnNames: ['job_id'] })],
    foreignKeys: [
      // A job's history goes with it when the row is finally purged.
      new TableForeignKey({
        name: 'fk_job_events_job_id',
        columnNames: ['job_id'],
        referencedTableName: 'jobs',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      }),
    ],
  });
}

function jobCountersTable(): Table {
  return new Table({
    name: 'job_counters',
    columns: [{ ...varchar('id', 32), isPrimary: true }, integer('last_value')],
  });
}

/** Creates the job tables and seeds the job-number counter at 0; `down` drops them in dependency order. */
export class CreateJobs1763700300000 implements MigrationInterface {
  name = 'CreateJobs1763700300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(jobsTable(), false, true, true);
    await queryRunner.createTable(jobEventsTable(), false, true, true);
    await queryRunner.createTable(jobCountersTable(), false, true, true);
    // Plain SQL that reads the same on both drivers; the migration must not depend on entity metadata.
    await queryRunner.query(`INSERT INTO job_counters (id, last_value) VALUES ('job-number', 0)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('job_counters', false, true, true);
    await queryRunner.dropTable('job_events', false, true, true);
    await queryRunner.dropTable('jobs', false, true, true);
  }
}
