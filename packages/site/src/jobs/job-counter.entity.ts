/**
 * Counters the job capability allocates from, one row each. Job numbers come from the `job-number` row: the
 * submitting transaction increments it and reads it back, so the row lock (MySQL) or the single writer
 * (SQLite) makes every number unique, and a rolled-back submission gives its number back.
 */
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The counter row job numbers are allocated from. */
export const JOB_NUMBER_COUNTER = 'job-number';

/** The `job_counters` table. */
@Entity({ name: 'job_counters' })
export class JobCounterEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id!: string;

  @Column({ name: 'last_value', type: 'integer' })
  lastValue!: number;
}
