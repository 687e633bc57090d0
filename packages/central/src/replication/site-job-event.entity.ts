/**
 * One state change of a site's job, as central keeps it from the site's outbox. Events never change once
 * written, so a replayed record is simply not inserted again. Property names are the JobEventRecord field names.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn, UuidColumn } from '@quire/common';

/** The `site_job_events` table. */
@Entity({ name: 'site_job_events' })
@Index('idx_site_job_events_job', ['siteId', 'jobId'])
export class SiteJobEventEntity {
  /** The authenticated site the record came from. */
  @PrimaryColumn({ name: 'site_id', type: 'varchar', length: 36 })
  siteId!: string;

  @PrimaryColumn({ name: 'event_id', type: 'varchar', length: 36 })
  id!: string;

  @UuidColumn({ name: 'job_id' })
  jobId!: string;

  @TimestampColumn()
  at!: Date;

  @Column({ name: 'from_state', type: 'varchar', length: 16, nullable: true })
  fromState!: string | null;

  @Column({ name: 'to_state', type: 'varchar', length: 16 })
  toState!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  reason!: string | null;

  @Column({ type: 'varchar', length: 160 })
  actor!: string;
}
