/**
 * The directory cache, second shape: a faithful copy of central's directory rather than a list of logins.
 *
 * - `directory_users`: users keep central's id; `username_key` is no longer unique (central's names are
 *   case-sensitive); new columns `aliases`, `language`, `auth`, `rights`, `group_ids` (central ids of the
 *   user's groups and their ancestors) and `snapshot_mark` (which snapshot wrote the row; see the directory
 *   sink). The single `card_key` column moves to `directory_user_cards`, one row per card with its end of
 *   validity, so a user may hold several cards.
 * - `directory_groups` (id, name, parent, rights) and `directory_memberships` (direct memberships by id), from
 *   which user group names are resolved when central's changes are applied.
 * - `directory_delegates` is keyed by the delegating user's id, and holds central's delegates by id.
 * - `federation_state`: small named values the site stores in the transactions of replication (the directory
 *   version it holds).
 *
 * Existing rows are kept: cards move to the new table, delegates are re-keyed by their owner's id. Columns are
 * added and dropped with plain `ALTER TABLE` (SQLite 3.35+ drops a column in place once its index is gone);
 * indexes are dropped with each driver's own statement, the one place the two differ.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '@quire/common';

const USER_COLUMNS = [
  'aliases text NULL',
  'language varchar(8) NULL',
  "auth varchar(80) NOT NULL DEFAULT 'local'",
  'rights text NULL',
  'group_ids text NULL',
  'snapshot_mark integer NOT NULL DEFAULT 0',
];

function userCardsTable(): Table {
  return new Table({
    name: 'directory_user_cards',
    columns: [
      { name: 'card_key', type: 'varchar', length: '64', isPrimary: true },
      uuidColumnSpec('user_id'),
      timestampColumnSpec('valid_until', true),
    ],
    indices: [new TableIndex({ name: 'idx_directory_user_cards_user', columnNames: ['user_id'] })],
  });
}

function groupsTable(): Table {
  return new Table({
    name: 'directory_groups',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      { name: 'name', type: 'varchar', length: '128' },
      uuidColumnSpec('parent_id', { nullable: true }),
      { name: 'rights', type: 'text' },
      { name: 'snapshot_mark', type: 'integer', default: 0 },
    ],
    indices: [new TableIndex({ name: 'idx_directory_groups_parent', columnNames: ['parent_id'] })],
  });
}

function membershipsTable(): Table {
  return new Table({
    name: 'directory_memberships',
    columns: [uuidColumnSpec('user_id', { primary: true }), uuidColumnSpec('group_id', { primary: true })],
    indices: [new TableIndex({ name: 'idx_directory_memberships_group', columnNames: ['group_id'] })],
  });
}

function delegatesTable(): Table {
  return new Table({
    name: 'directory_delegates',
    columns: [
      { name: 'owner_id', type: 'varchar', length: '36', isPrimary: true },
      { name: 'delegate_kind', type: 'varchar', length: '8', isPrimary: true },
      { name: 'delegate_id', type: 'varchar', length: '36', isPrimary: true },
      { name: 'delegate_key', type: 'varchar', length: '128', isPrimary: true },
    ],
    indices: [
      new TableIndex({ name: 'idx_directory_delegates_id', columnNames: ['delegate_id'] }),
      new TableIndex({ name: 'idx_directory_delegates_key', columnNames: ['delegate_kind', 'delegate_key'] }),
    ],
  });
}

function federationStateTable(): Table {
  return new Table({
    name: 'federation_state',
    columns: [
      { name: 'name', type: 'varchar', length: '64', isPrimary: true },
      { name: 'value', type: 'varchar', length: '255' },
    ],
  });
}

/** DROP INDEX: MySQL names the table, SQLite does not. */
async function dropIndex(queryRunner: QueryRunner, table: string, index: string): Promise<void> {
  const mysql = queryRunner.connection.driver.options.type === 'mysql';
  await queryRunner.query(mysql ? `DROP INDEX ${index} ON ${table}` : `DROP INDEX ${index}`);
}

/** The directory cache v2; `down` returns to one card per user and name-keyed delegates. */
export class DirectoryCacheV21763700810000 implements MigrationInterface {
  name = 'DirectoryCacheV21763700810000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(userCardsTable());
    await queryRunner.query(
      'INSERT INTO directory_user_cards (card_key, user_id) ' +
        'SELECT card_key, id FROM directory_users WHERE card_key IS NOT NULL',
    );
    await dropIndex(queryRunner, 'directory_users', 'uq_directory_users_card');
    await queryRunner.query('ALTER TABLE directory_users DROP COLUMN card_key');
    for (const column of USER_COLUMNS) {
      await queryRunner.query(`ALTER TABLE directory_users ADD COLUMN ${column}`);
    }
    await queryRunner.query("UPDATE directory_users SET aliases = '[]', rights = '[]', group_ids = '[]'");

    await dropIndex(queryRunner, 'directory_delegates', 'idx_directory_delegates_delegate');
    await queryRunner.query('ALTER TABLE directory_delegates RENAME TO directory_delegates_v1');
    await queryRunner.createTable(delegatesTable());
    await queryRunner.query(
      'INSERT INTO directory_delegates (owner_id, delegate_kind, delegate_id, delegate_key) ' +
        "SELECT u.id, d.delegate_kind, '', d.delegate_key FROM directory_delegates_v1 d " +
        'JOIN directory_users u ON u.username_key = d.owner_key',
    );
    await queryRunner.query('DROP TABLE directory_delegates_v1');

    // Last: the delegates above were matched to their owners through the still-unique username key.
    await dropIndex(queryRunner, 'directory_users', 'uq_directory_users_key');
    await queryRunner.query('CREATE INDEX idx_directory_users_key ON directory_users (username_key)');
    await queryRunner.createTable(groupsTable());
    await queryRunner.createTable(membershipsTable());
    await queryRunner.createTable(federationStateTable());
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['federation_state', 'directory_memberships', 'directory_groups']) {
      await queryRunner.dropTable(table);
    }
    await dropIndex(queryRunner, 'directory_users', 'idx_directory_users_key');
    await queryRunner.query('CREATE UNIQUE INDEX uq_directory_users_key ON directory_users (username_key)');
    await queryRunner.query('ALTER TABLE directory_delegates RENAME TO directory_delegates_v2');
    await queryRunner.query(
      'CREATE TABLE directory_delegates (owner_key varchar(128) NOT NULL, delegate_kind varchar(8) NOT NULL, ' +
        'delegate_key varchar(128) NOT NULL, PRIMARY KEY (owner_key, delegate_kind, delegate_key))',
    );
    await queryRunner.query(
      'INSERT INTO directory_delegates (owner_key, delegate_kind, delegate_key) ' +
        'SELECT DISTINCT u.username_key, d.delegate_kind, d.delegate_key FROM directory_delegates_v2 d ' +
        "JOIN directory_users u ON u.id = d.owner_id WHERE d.delegate_id = ''",
    );
    await queryRunner.query('DROP TABLE directory_delegates_v2');
    await queryRunner.query(
      'CREATE INDEX idx_directory_delegates_delegate ON directory_delegates (delegate_kind, delegate_key)',
    );
    for (const column of [...USER_COLUMNS].reverse()) {
      await queryRunner.query(`ALTER TABLE directory_users DROP COLUMN ${column.split(' ')[0]}`);
    }
    await queryRunner.query('ALTER TABLE directory_users ADD COLUMN card_key varchar(64) NULL');
    await queryRunner.query(
      'UPDATE directory_users SET card_key = ' +
        '(SELECT MIN(c.card_key) FROM directory_user_cards c WHERE c.user_id = directory_users.id)',
    );
    await queryRunner.query('CREATE UNIQUE INDEX uq_directory_users_card ON directory_users (card_key)');
    await queryRunner.dropTable('directory_user_cards');
  }
}
