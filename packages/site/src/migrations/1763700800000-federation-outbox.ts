/**
 * Creates the federation outbox (`federation_outbox`) and its counter (`federation_outbox_counter`, seeded with
 * its one row at 0/0). Sequence numbers are a SQLite `integer` primary key, which makes them the rowid (the table
 * is then stored in sequence order and read by range without a second index), and a MySQL `bigint`. Bodies are
 * MEDIUMTEXT on MySQL: an audit entry may carry 16,000 characters of details, which JSON escaping can push past
 * TEXT's 64 KiB.
 */
import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec } from '@quire/common';

function isMysql(queryRunner: QueryRunner): boolean {
  return queryRunner.connection.driver.options.type === 'mysql';
}

function outboxTable(mysql: boolean): Table {
  return new Table({
    name: 'federation_outbox',
    columns: [
      { name: 'seq', type: mysql ? 'bigint' : 'integer', isPrimary: true },
      { name: 'kind', type: 'varchar', length: '16' },
      { name: 'record_key', type: 'varchar', length: '64' },
      { name: 'body', type: mysql ? 'mediumtext' : 'text' },
      timestampColumnSpec('created_at'),
    ],
  });
}

function counterTable(): Table {
  return new Table({
    name: 'federation_outbox_counter',
    columns: [
      { name: 'id', type: 'integer', isPrimary: true },
      { name: 'last_seq', type: 'bigint' },
      { name: 'acked_seq', type: 'bigint' },
    ],
  });
}

/** Creates the outbox tables and the counter row; `down` drops them. */
export class FederationOutbox1763700800000 implements MigrationInterface {
  name = 'FederationOutbox1763700800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(outboxTable(isMysql(queryRunner)), false, true, true);
    await queryRunner.createTable(counterTable(), false, true, true);
    await queryRunner.query(
      'INSERT INTO federation_outbox_counter (id, last_seq, acked_seq) VALUES (1, 0, 0)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('federation_outbox_counter', false, true, true);
    await queryRunner.dropTable('federation_outbox', false, true, true);
  }
}
