/**
 * One state change of a job, written by the job state machine in the same transaction as the change itself,
 * so the history can never disagree with the job row. The creation of a job is an event from no state.
 */
import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '@quire/common';
import { type JobState } from '../intake/intake-port';

/** The `job_events` table. */
@Entity({ name: 'job_events' })
export class JobEventEntity {
  @IdColumn()
  id!: string;

  @Index('idx_job_events_job_id')
  @UuidColumn({ name: 'job_id' })
  jobId!: string;

  @TimestampColumn()
  at!: Date;

  /** Null for the event that created the job. */
  @Column({ name: 'from_state', type: 'varchar', length: 16, nullable: true })
  fromState!: JobState | null;

  @Column({ name: 'to_state', type: 'varchar', length: 16 })
  toState!: JobState;

  @Column({ type: 'varchar', length: 255, nullable: true })
  reason!: string | null;

  /** Who moved the job: a role (`intake`, `router`, `system`, `release`), or `owner:NAME` / `admin:NAME`. */
  @Column({ type: 'varchar', length: 160 })
  actor!: string;
}
