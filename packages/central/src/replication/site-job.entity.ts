/**
 * A job as central keeps it from a site's outbox: one row per (site, job), holding the site's JobRecord as of the
 * outbox record with the highest sequence number applied so far (`last_seq`), so an older record that arrives
 * again never rolls a job back. Property names are the JobRecord field names (the record codec relies on it);
 * the job's id is stored as `job_id`, next to the site it belongs to.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn, UuidColumn } from '@quire/common';
import { BigintColumn } from './columns';

/** The `site_jobs` table. */
@Entity({ name: 'site_jobs' })
@Index('idx_site_jobs_site_submitted', ['siteId', 'submittedAt'])
export class SiteJobEntity {
  /** The authenticated site the record came from, never a value from the record. */
  @PrimaryColumn({ name: 'site_id', type: 'varchar', length: 36 })
  siteId!: string;

  @PrimaryColumn({ name: 'job_id', type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'integer' })
  number!: number;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Index('idx_site_jobs_owner')
  @Column({ type: 'varchar', length: 128 })
  owner!: string;

  @Column({ name: 'owner_method', type: 'varchar', length: 16 })
  ownerMethod!: string;

  @UuidColumn({ name: 'queue_id' })
  queueId!: string;

  @Column({ name: 'queue_name', type: 'varchar', length: 128 })
  queueName!: string;

  @Column({ type: 'varchar', length: 16 })
  state!: string;

  @Column({ name: 'state_reason', type: 'varchar', length: 255, nullable: true })
  stateReason!: string | null;

  @Column({ type: 'varchar', length: 8 })
  protocol!: string;

  @Column({ name: 'client_address', type: 'varchar', length: 64 })
  clientAddress!: string;

  @Column({ name: 'sender_host', type: 'varchar', length: 255, nullable: true })
  senderHost!: string | null;

  @Index('idx_site_jobs_submitted_at')
  @TimestampColumn({ name: 'submitted_at' })
  submittedAt!: Date;

  @TimestampColumn({ name: 'processed_at', nullable: true })
  processedAt!: Date | null;

  @TimestampColumn({ name: 'completed_at', nullable: true })
  completedAt!: Date | null;

  @BigintColumn({ name: 'size_bytes' })
  sizeBytes!: number;

  @Column({ name: 'document_format', type: 'varchar', length: 128, nullable: true })
  documentFormat!: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  pdl!: string | null;

  @Column({ type: 'integer' })
  copies!: number;

  @Column({ type: 'integer', nullable: true })
  pages!: number | null;

  @Column({ name: 'color_pages', type: 'integer', nullable: true })
  colorPages!: number | null;

  @Column({ name: 'mono_pages', type: 'integer', nullable: true })
  monoPages!: number | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  duplex!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  paper!: string | null;

  @Column({ type: 'integer', nullable: true })
  impressions!: number | null;

  @Column({ type: 'integer', nullable: true })
  sheets!: number | null;

  @Column({ type: 'boolean' })
  favourite!: boolean;

  @UuidColumn({ name: 'printer_id', nullable: true })
  printerId!: string | null;

  @Column({ name: 'print_attempts', type: 'integer' })
  printAttempts!: number;

  @Column({ name: 'released_by', type: 'varchar', length: 128, nullable: true })
  releasedBy!: string | null;

  @TimestampColumn({ name: 'document_removed_at', nullable: true })
  documentRemovedAt!: Date | null;

  /** The outbox sequence number of the record this row was last written from. */
  @BigintColumn({ name: 'last_seq' })
  lastSeq!: number;
}
