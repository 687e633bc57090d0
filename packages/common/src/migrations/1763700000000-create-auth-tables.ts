/**
 * The tables common owns: users, auth tokens and the audit log. Written with the Table API so one migration
 * produces the right DDL on both MySQL/MariaDB and SQLite. Tables are built fresh per run because TypeORM
 * may annotate the Table objects it is given, and tests migrate several databases in one process.
 */
import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '../db/columns';

function varchar(name: string, length: number, nullable = false) {
  return { name, type: 'varchar', length: String(length), isNullable: nullable };
}

function usersTable(): Table {
  return new Table({
    name: 'users',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      varchar('username', 64),
      varchar('display_name', 128),
      varchar('email', 255, true),
      varchar('password_hash', 255, true),
      { name: 'is_admin', type: 'boolean', isNullable: false },
      { name: 'disabled', type: 'boolean', isNullable: false },
      { name: 'failed_login_count', type: 'integer', isNullable: false },
      timestampColumnSpec('locked_until', true),
      timestampColumnSpec('created_at'),
      timestampColumnSpec('updated_at'),
    ],
    indices: [new TableIndex({ name: 'uq_users_username', columnNames: ['username'], isUnique: true })],
  });
}

function authTokensTable(): Table {
  return new Table({
    name: 'auth_tokens',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      varchar('token_hash', 64),
      uuidColumnSpec('user_id'),
      timestampColumnSpec('created_at'),
      timestampColumnSpec('expires_at'),
      timestampColumnSpec('last_used_at', true),
      varchar('remote_addr', 64),
    ],
    indices: [
      new TableIndex({ name: 'uq_auth_tokens_token_hash', columnNames: ['token_hash'], isUnique: true }),
      new TableIndex({ name: 'idx_auth_tokens_user_id', columnNames: ['user_id'] }),
      new TableIndex({ name: 'idx_auth_tokens_expires_at', columnNames: ['expires_at'] }),
    ],
    foreignKeys: [
      // Deleting a user revokes their sessions with it.
      new TableForeignKey({
        name: 'fk_auth_tokens_user_id',
        columnNames: ['user_id'],
        referencedTableName: 'users',
        referencedColumnNames: ['id'],
        onDelete: 'CASCADE',
      }),
    ],
  });
}

// No foreign key to users: the audit trail must outlive the accounts it mentions.
function auditLogTable(): Table {
  return new Table({
    name: 'audit_log',
    columns: [
      uuidColumnSpec('id', { primary: true }),
      timestampColumnSpec('at'),
      uuidColumnSpec('actor_id', { nullable: true }),
      varchar('actor_name', 128),
      varchar('action', 64),
      varchar('target_type', 64),
      varchar('target_id', 128, true),
      { name: 'details', type: 'text', isNullable: false },
      varchar('outcome', 16),
      varchar('remote_addr', 64),
      varchar('request_id', 128),
    ],
    indices: [
      new TableIndex({ name: 'idx_audit_log_at', columnNames: ['at'] }),
      new TableIndex({ name: 'idx_audit_log_actor_id', columnNames: ['actor_id'] }),
    ],
  });
}

/** Creates `users`, `auth_tokens` and `audit_log`; `down` drops them in dependency order. */
export class CreateAuthTables1763700000000 implements MigrationInterface {
  name = 'CreateAuthTables1763700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(usersTable(), false, true, true);
    await queryRunner.createTable(authTokensTable(), false, true, true);
    await queryRunner.createTable(auditLogTable(), false, true, true);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_log', false, true, true);
    await queryRunner.dropTable('auth_tokens', false, true, true);
    await queryRunner.dropTable('users', false, true, true);
  }
}
