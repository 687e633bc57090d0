/**
 * Adds what releasing jobs needs: the `printers` registry; on queues, their printers, priority, keep-for-reprint
 * and forced policies; on jobs, the favourite flag, the printer and attempts of the last release, and when the
 * document was removed; the site's directory cache (users with their PIN and card lookup keys, and who may
 * release whose jobs); terminal sessions; and the login failures lockout counts.
 *
 * Columns are added with plain `ALTER TABLE` (see 1763700400000 for why); list-valued queue settings are JSON text,
 * added nullable and then filled, since MySQL gives text columns no default before 8.0.13.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '@quire/common';

const QUEUE_COLUMNS = [
  'printers text NULL',
  'printer_groups text NULL',
  'priority integer NOT NULL DEFAULT 0',
  'keep_for_reprint boolean NOT NULL DEFAULT 0',
  "force_color varchar(8) NOT NULL DEFAULT 'keep'",
  "force_duplex varchar(16) NOT NULL DEFAULT 'keep'",
  "force_toner_save varchar(8) NOT NULL DEFAULT 'keep'",
  'custom_pjl text NULL',
];

const JOB_COLUMNS = [
  'favourite boolean NOT NULL DEFAULT 0',
  'printer_id varchar(36) NULL',
  'print_attempts integer NOT NULL DEFAULT 0',
  'released_by varchar(128) NULL',
  'document_removed_at datetime(3) NULL',
];

function printersTable(): Table {
  return new Table({
    name: 'printers',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      { name: 'name', type: 'varchar', length: '127' },
      { name: 'name_key', type: 'varchar', length: '127' },
      { name: 'uri', type: 'varchar', length: '512' },
      { name: 'location', type: 'varchar', length: '255' },
      { name: 'printer_group', type: 'varchar', length: '64', isNullable: true },
      { name: 'enabled', type: 'boolean' },
      { name: 'page_counter', type: 'integer' },
      { name: 'counter_offset', type: 'integer' },
      timestampColumnSpec('created_at'),
      timestampColumnSpec('updated_at'),
    ],
    indices: [new TableIndex({ name: 'uq_printers_name_key', columnNames: ['name_key'], isUnique: true })],
  });
}

function directoryUsersTable(): Table {
  return new Table({
    name: 'directory_users',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      { name: 'username', type: 'varchar', length: '128' },
      { name: 'username_key', type: 'varchar', length: '128' },
      { name: 'full_name', type: 'varchar', length: '255' },
      { name: 'email', type: 'varchar', length: '255' },
      { name: 'pin_key', type: 'varchar', length: '64', isNullable: true },
      { name: 'card_key', type: 'varchar', length: '64', isNullable: true },
      { name: 'password_hash', type: 'varchar', length: '255', isNullable: true },
      { name: 'user_groups', type: 'text' },
      { name: 'keep_for_reprint', type: 'boolean' },
      { name: 'enabled', type: 'boolean' },
      timestampColumnSpec('updated_at'),
    ],
    indices: [
      new TableIndex({ name: 'uq_directory_users_key', columnNames: ['username_key'], isUnique: true }),
      new TableIndex({ name: 'uq_directory_users_pin', columnNames: ['pin_key'], isUnique: true }),
      new TableIndex({ name: 'uq_directory_users_card', columnNames: ['card_key'], isUnique: true }),
    ],
  });
}

function directoryDelegatesTable(): Table {
  return new Table({
    name: 'directory_delegates',
    columns: [
      { name: 'owner_key', type: 'varchar', length: '128', isPrimary: true },
      { name: 'delegate_kind', type: 'varchar', length: '8', isPrimary: true },
      { name: 'delegate_key', type: 'varchar', length: '128', isPrimary: true },
    ],
    indices: [
      new TableIndex({
        name: 'idx_directory_delegates_delegate',
        columnNames: ['delegate_kind', 'delegate_key'],
      }),
    ],
  });
}

function terminalSessionsTable(): Table {
  return new Table({
    name: 'terminal_sessions',
    columns: [
      { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
      { name: 'username', type: 'varchar', length: '128' },
      { name: 'printer_id', type: 'varchar', length: '36' },
      timestampColumnSpec('created_at'),
      timestampColumnSpec('last_seen_at'),
    ],
  });
}

function loginFailuresTable(): Table {
  return new Table({
    name: 'terminal_login_failures',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      { name: 'credential', type: 'varchar', length: '160' },
      timestampColumnSpec('at'),
    ],
    indices: [new TableIndex({ name: 'idx_terminal_login_failures', columnNames: ['credential', 'at'] })],
  });
}

/** The release tables and columns; `down` removes them. */
export class AddRelease1763700500000 implements MigrationInterface {
  name = 'AddRelease1763700500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(printersTable());
    for (const column of QUEUE_COLUMNS) await queryRunner.query(`ALTER TABLE queues ADD COLUMN ${column}`);
    await queryRunner.query("UPDATE queues SET printers = '[]', printer_groups = '[]', custom_pjl = '[]'");
    for (const column of JOB_COLUMNS) await queryRunner.query(`ALTER TABLE jobs ADD COLUMN ${column}`);
    await queryRunner.createTable(directoryUsersTable());
    await queryRunner.createTable(directoryDelegatesTable());
    await queryRunner.createTable(terminalSessionsTable());
    await queryRunner.createTable(loginFailuresTable());
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['terminal_login_failures', 'terminal_sessions', 'directory_delegates']) {
      await queryRunner.dropTable(table);
    }
    await queryRunner.dropTable('directory_users');
    for (const column of [...JOB_COLUMNS].reverse()) {
      await queryRunner.query(`ALTER TABLE jobs DROP COLUMN ${column.split(' ')[0]}`);
    }
    for (const column of [...QUEUE_COLUMNS].reverse()) {
      await queryRunner.query(`ALTER TABLE queues DROP COLUMN ${column.split(' ')[0]}`);
    }
    await queryRunner.dropTable('printers');
  }
}
