/**
 * Creates the directory: users, the shared username/alias namespace, cards, groups, memberships, delegates,
 * rights, the change feed with its version counter, the configured sources, and the sync-run history; and the
 * built-in system users.
 */
import { createHash } from 'node:crypto';
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { newId, timestampColumnSpec, uuidColumnSpec } from '@quire/common';

const varchar = (name: string, length: number, nullable = false) => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const flag = (name: string) => ({ name, type: 'boolean' });
const integer = (name: string) => ({ name, type: 'integer' });
const unique = (name: string, columns: string[]) =>
  new TableIndex({ name, columnNames: columns, isUnique: true });
const index = (name: string, columns: string[]) => new TableIndex({ name, columnNames: columns });

const TABLES = () => [
  new Table({
    name: 'directory_users',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      varchar('username', 128),
      varchar('full_name', 255),
      varchar('email', 255),
      varchar('personal_number', 64, true),
      varchar('phone', 32, true),
      varchar('language', 8, true),
      { name: 'notes', type: 'text' },
      varchar('pin_key', 64, true),
      varchar('password_hash', 255, true),
      varchar('source', 80),
      varchar('state', 16),
      flag('system'),
      flag('anonymised'),
      flag('keep_for_reprint'),
      integer('version'),
      timestampColumnSpec('created_at'),
      timestampColumnSpec('updated_at'),
    ],
    indices: [
      unique('uq_directory_users_personal_number', ['personal_number']),
      unique('uq_directory_users_pin', ['pin_key']),
      index('idx_directory_users_source', ['source']),
      index('idx_directory_users_state', ['state']),
    ],
  }),
  new Table({
    name: 'directory_names',
    columns: [
      { ...varchar('name_key', 64), isPrimary: true },
      varchar('name', 128),
      uuidColumnSpec('user_id'),
      varchar('kind', 8),
    ],
    indices: [index('idx_directory_names_user', ['user_id'])],
  }),
  new Table({
    name: 'directory_cards',
    columns: [
      { ...varchar('card_key', 64), isPrimary: true },
      uuidColumnSpec('user_id'),
      timestampColumnSpec('valid_until', true),
    ],
    indices: [index('idx_directory_cards_user', ['user_id'])],
  }),
  new Table({
    name: 'directory_groups',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      varchar('name', 128),
      varchar('name_key', 64),
      uuidColumnSpec('parent_id', { nullable: true }),
      varchar('parent_key', 36),
      varchar('source', 80),
      integer('version'),
      timestampColumnSpec('updated_at'),
    ],
    indices: [unique('uq_directory_groups_parent_name', ['parent_key', 'name_key'])],
  }),
  new Table({
    name: 'directory_memberships',
    columns: [
      { ...varchar('user_id', 36), isPrimary: true },
      { ...varchar('group_id', 36), isPrimary: true },
      flag('accounting'),
      flag('manager'),
    ],
    indices: [index('idx_directory_memberships_group', ['group_id'])],
  }),
  new Table({
    name: 'directory_delegates',
    columns: [
      { ...varchar('user_id', 36), isPrimary: true },
      { ...varchar('delegate_kind', 8), isPrimary: true },
      { ...varchar('delegate_id', 36), isPrimary: true },
    ],
    indices: [index('idx_directory_delegates_delegate', ['delegate_id'])],
  }),
  new Table({
    name: 'directory_rights',
    columns: [
      { ...varchar('subject_kind', 8), isPrimary: true },
      { ...varchar('subject_id', 36), isPrimary: true },
      { ...varchar('right_name', 40), isPrimary: true },
    ],
  }),
  new Table({
    name: 'directory_changes',
    columns: [
      { ...integer('version'), isPrimary: true },
      varchar('entity_kind', 8),
      uuidColumnSpec('entity_id'),
      varchar('op', 8),
      timestampColumnSpec('at'),
    ],
    indices: [index('idx_directory_changes_entity', ['entity_id'])],
  }),
  new Table({
    name: 'directory_version',
    columns: [{ ...varchar('id', 16), isPrimary: true }, integer('value')],
  }),
  new Table({
    name: 'directory_sources',
    columns: [
      { ...varchar('name', 64), isPrimary: true },
      varchar('type', 16),
      { name: 'settings', type: 'text' },
      timestampColumnSpec('updated_at'),
    ],
  }),
  new Table({
    name: 'directory_settings',
    columns: [
      { ...varchar('key', 64), isPrimary: true },
      { name: 'value', type: 'text' },
      timestampColumnSpec('updated_at'),
    ],
  }),
  new Table({
    name: 'directory_pin_resets',
    columns: [
      { ...varchar('user_id', 36), isPrimary: true },
      varchar('code_hash', 64),
      integer('tries'),
      timestampColumnSpec('expires_at'),
    ],
  }),
  new Table({
    name: 'directory_sync_runs',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      varchar('source', 80),
      flag('dry_run'),
      varchar('status', 16),
      timestampColumnSpec('started_at'),
      integer('duration_ms'),
      { name: 'counts', type: 'text' },
      { name: 'errors', type: 'text' },
    ],
    indices: [index('idx_directory_sync_runs_source', ['source'])],
  }),
];

/** The built-in accounts every directory has (MyQ's system users). */
export const SYSTEM_USERNAMES = ['*admin', '*unauthenticated', '*system'] as const;

export class CreateDirectory1763700600000 implements MigrationInterface {
  name = 'CreateDirectory1763700600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES()) await queryRunner.createTable(table);
    await queryRunner.query("INSERT INTO directory_version (id, value) VALUES ('directory', 0)");
    // Plain SQL, so the migration does not depend on today's entity classes; `?` placeholders work on both drivers.
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    for (const username of SYSTEM_USERNAMES) {
      const id = newId();
      await queryRunner.query(
        'INSERT INTO directory_users (id, username, full_name, email, notes, source, state, `system`, anonymised, ' +
          'keep_for_reprint, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [id, username, username, '', '', 'system', 'active', 1, 0, 0, 0, now, now],
      );
      await queryRunner.query(
        'INSERT INTO directory_names (name_key, name, user_id, kind) VALUES (?, ?, ?, ?)',
        [createHash('sha256').update(username, 'utf8').digest('hex'), username, id, 'username'],
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES().reverse()) await queryRunner.dropTable(table.name);
  }
}
