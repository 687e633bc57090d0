/**
 * Adds the `slot` of a card: `primary` or `secondary` for a card that bulk generation made (PaperCut's primary
 * and secondary card/ID number), NULL for a card from a source, a CSV file or an admin. A unique index over
 * (user_id, slot) keeps one card per user and slot; NULLs never collide in a unique index on SQLite or MariaDB,
 * so a user keeps any number of unslotted cards (and SQLite's index holds only slotted cards). The TypeORM schema API writes the right DDL for each driver
 * (SQLite rebuilds the table for a new column), so no branch on the driver is needed.
 */
import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

const SLOT_INDEX = 'uq_directory_cards_user_slot';

export class DirectoryCardSlots1763700700000 implements MigrationInterface {
  name = 'DirectoryCardSlots1763700700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'directory_cards',
      new TableColumn({ name: 'slot', type: 'varchar', length: '16', isNullable: true }),
    );
    await queryRunner.createIndex(
      'directory_cards',
      new TableIndex({
        name: SLOT_INDEX,
        columnNames: ['user_id', 'slot'],
        isUnique: true,
        // SQLite can leave the unslotted cards (nearly all of them) out of the index, which keeps a
        // 100,000-user sync from maintaining one more B-tree; MariaDB has no partial indexes.
        where: queryRunner.connection.driver.options.type === 'mysql' ? undefined : '"slot" IS NOT NULL',
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('directory_cards', SLOT_INDEX);
    await queryRunner.dropColumn('directory_cards', 'slot');
  }
}
