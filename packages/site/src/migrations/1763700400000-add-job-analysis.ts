/**
 * Adds what PDL analysis stores on a job: `impressions` and `sheets` (copies and duplex included), the
 * `analysis` JSON (mode, warnings, partial, the paper map, the PJL variables), and turns `duplex` from a boolean
 * into the mode (`simplex`, `long-edge`, `short-edge`). No row has a duplex value yet (nothing wrote one before
 * analysis existed), so the column is dropped and added again rather than converted.
 *
 * Plain `ALTER TABLE` statements that read the same on MySQL/MariaDB and SQLite (3.35+ drops columns in place):
 * the Table API would rebuild the SQLite table, and dropping `jobs` there cascades into `job_events`.
 */
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Adds the job analysis columns; `down` removes them and restores the boolean `duplex`. */
export class AddJobAnalysis1763700400000 implements MigrationInterface {
  name = 'AddJobAnalysis1763700400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE jobs ADD COLUMN impressions integer NULL');
    await queryRunner.query('ALTER TABLE jobs ADD COLUMN sheets integer NULL');
    await queryRunner.query('ALTER TABLE jobs ADD COLUMN analysis text NULL');
    await queryRunner.query('ALTER TABLE jobs DROP COLUMN duplex');
    await queryRunner.query('ALTER TABLE jobs ADD COLUMN duplex varchar(16) NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE jobs DROP COLUMN duplex');
    await queryRunner.query('ALTER TABLE jobs ADD COLUMN duplex boolean NULL');
    await queryRunner.query('ALTER TABLE jobs DROP COLUMN analysis');
    await queryRunner.query('ALTER TABLE jobs DROP COLUMN sheets');
    await queryRunner.query('ALTER TABLE jobs DROP COLUMN impressions');
  }
}
