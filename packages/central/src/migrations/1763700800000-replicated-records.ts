/**
 * Central's copy of what sites replicate up: `site_jobs`, `site_job_events` and `site_audit_log`, each keyed by
 * the site and the record's id on that site; and the replication figures on `sites` (applied outbox sequence,
 * acknowledged directory and template versions, last error). The TypeORM schema API writes the right DDL for
 * each driver (on SQLite, `addColumns` rebuilds the table once), so nothing branches on the driver.
 */
import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '@quire/common';

const varchar = (name: string, length: number, nullable = false) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const integer = (name: string, nullable = false) => ({ name, type: 'integer', isNullable: nullable });
const bigint = (name: string) => ({ name, type: 'bigint' });
const key = (name: string) => ({ ...varchar(name, 36), isPrimary: true });
const index = (name: string, columns: string[]) => new TableIndex({ name, columnNames: columns });

const TABLES = () => [
  new Table({
    name: 'site_jobs',
    columns: [
      key('site_id'),
      key('job_id'),
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
      varchar('sender_host', 255, true),
      timestampColumnSpec('submitted_at'),
      timestampColumnSpec('processed_at', true),
      timestampColumnSpec('completed_at', true),
      bigint('size_bytes'),
      varchar('document_format', 128, true),
      varchar('pdl', 32, true),
      integer('copies'),
      integer('pages', true),
      integer('color_pages', true),
      integer('mono_pages', true),
      varchar('duplex', 16, true),
      varchar('paper', 64, true),
      integer('impressions', true),
      integer('sheets', true),
      { name: 'favourite', type: 'boolean' },
      uuidColumnSpec('printer_id', { nullable: true }),
      integer('print_attempts'),
      varchar('released_by', 128, true),
      timestampColumnSpec('document_removed_at', true),
      bigint('last_seq'),
    ],
    indices: [
      index('idx_site_jobs_site_submitted', ['site_id', 'submitted_at']),
      index('idx_site_jobs_submitted_at', ['submitted_at']),
      index('idx_site_jobs_owner', ['owner']),
    ],
  }),
  new Table({
    name: 'site_job_events',
    columns: [
      key('site_id'),
      key('event_id'),
      uuidColumnSpec('job_id'),
      timestampColumnSpec('at'),
      varchar('from_state', 16, true),
      varchar('to_state', 16),
      varchar('reason', 255, true),
      varchar('actor', 160),
    ],
    indices: [index('idx_site_job_events_job', ['site_id', 'job_id'])],
  }),
  new Table({
    name: 'site_audit_log',
    columns: [
      key('site_id'),
      key('audit_id'),
      timestampColumnSpec('at'),
      uuidColumnSpec('actor_id', { nullable: true }),
      varchar('actor_name', 128),
      varchar('action', 64),
      varchar('target_type', 64),
      varchar('target_id', 128, true),
      { name: 'details', type: 'text' },
      varchar('outcome', 16),
      varchar('remote_addr', 64),
      varchar('request_id', 128),
    ],
    indices: [index('idx_site_audit_log_at', ['at'])],
  }),
];

const SITE_COLUMNS = () => [
  new TableColumn({ name: 'applied_seq', type: 'bigint', default: 0 }),
  new TableColumn({ name: 'directory_version', type: 'bigint', default: 0 }),
  new TableColumn({ name: 'template_version', type: 'bigint', default: 0 }),
  new TableColumn({ name: 'last_error', type: 'varchar', length: '1024', isNullable: true }),
  new TableColumn({ ...timestampColumnSpec('last_error_at', true) }),
];

export class ReplicatedRecords1763700800000 implements MigrationInterface {
  name = 'ReplicatedRecords1763700800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES()) await queryRunner.createTable(table);
    await queryRunner.addColumns('sites', SITE_COLUMNS());
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('sites', SITE_COLUMNS());
    for (const table of TABLES().reverse()) await queryRunner.dropTable(table.name);
  }
}
