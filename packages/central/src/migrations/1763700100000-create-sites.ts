/** Creates the `sites` table: the branches central federates with, and their enrolment state. */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { timestampColumnSpec, uuidColumnSpec } from '@quire/common';

export class CreateSites1763700100000 implements MigrationInterface {
  name = 'CreateSites1763700100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'sites',
        columns: [
          uuidColumnSpec('id', { primary: true }),
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'enrolment_token_hash', type: 'varchar', length: '64', isNullable: true },
          timestampColumnSpec('enrolment_expires_at', true),
          { name: 'credential_hash', type: 'varchar', length: '64', isNullable: true },
          timestampColumnSpec('enrolled_at', true),
          timestampColumnSpec('last_seen_at', true),
          { name: 'site_version', type: 'varchar', length: '64', isNullable: true },
          timestampColumnSpec('revoked_at', true),
          timestampColumnSpec('created_at'),
          timestampColumnSpec('updated_at'),
        ],
      }),
    );
    await queryRunner.createIndex(
      'sites',
      new TableIndex({ name: 'uq_sites_name', columnNames: ['name'], isUnique: true }),
    );
    await queryRunner.createIndex(
      'sites',
      new TableIndex({
        name: 'uq_sites_enrolment_token_hash',
        columnNames: ['enrolment_token_hash'],
        isUnique: true,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sites');
  }
}
