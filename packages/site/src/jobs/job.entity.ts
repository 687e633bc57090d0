/**
 * A print job received by this site: who sent it, where it goes, where its document is, and where it stands in
 * the job state machine (`job-state-machine.ts`, the only code that changes `state`). The analysis columns stay
 * null until PDL analysis has run (`pdl/analysis/job-analysis.ts` defines what each count includes).
 */
import { Column, Entity, Index, type ValueTransformer } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '@quire/common';
import { type IntakeProtocol, type JobState } from '../intake/intake-port';
import { type DuplexMode } from '../pdl/pdl-types';

/** How the owner was found: the protocol's sender, a PJL variable, the job name, or not at all. */
export type OwnerMethod = 'sender' | 'pjl' | 'job-name' | 'unauthenticated';

// MySQL hands BIGINT back as a string (so no precision is lost); a spool file fits a JS number exactly.
const bigintAsNumber: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/** The `jobs` table. */
@Entity({ name: 'jobs' })
@Index('idx_jobs_queue_state', ['queueId', 'state'])
export class JobEntity {
  @IdColumn()
  id!: string;

  /** Small positive integer unique on this site: the IPP job-id and the LPD job number. */
  @Index('uq_jobs_number', { unique: true })
  @Column({ type: 'integer' })
  number!: number;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  @Index('idx_jobs_owner')
  @Column({ type: 'varchar', length: 128 })
  owner!: string;

  @Column({ name: 'owner_method', type: 'varchar', length: 16 })
  ownerMethod!: OwnerMethod;

  /** No foreign key: a job's history outlives its queue, which is why the queue's name is kept as well. */
  @UuidColumn({ name: 'queue_id' })
  queueId!: string;

  @Column({ name: 'queue_name', type: 'varchar', length: 128 })
  queueName!: string;

  @Index('idx_jobs_state')
  @Column({ type: 'varchar', length: 16 })
  state!: JobState;

  @Column({ name: 'state_reason', type: 'varchar', length: 255, nullable: true })
  stateReason!: string | null;

  @Column({ type: 'varchar', length: 8 })
  protocol!: IntakeProtocol;

  @Column({ name: 'client_address', type: 'varchar', length: 64 })
  clientAddress!: string;

  @Column({ name: 'sender_user', type: 'varchar', length: 128, nullable: true })
  senderUser!: string | null;

  @Column({ name: 'sender_host', type: 'varchar', length: 255, nullable: true })
  senderHost!: string | null;

  /** The client asked for the job to be held (IPP job-hold-until): routing sends it to `paused`. */
  @Column({ name: 'hold_requested', type: 'boolean' })
  holdRequested!: boolean;

  @Index('idx_jobs_submitted_at')
  @TimestampColumn({ name: 'submitted_at' })
  submittedAt!: Date;

  @TimestampColumn({ name: 'processed_at', nullable: true })
  processedAt!: Date | null;

  @TimestampColumn({ name: 'completed_at', nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'size_bytes', type: 'bigint', transformer: bigintAsNumber })
  sizeBytes!: number;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ name: 'document_format', type: 'varchar', length: 128, nullable: true })
  documentFormat!: string | null;

  /** The document's path relative to the spool directory. */
  @Column({ name: 'spool_path', type: 'varchar', length: 255 })
  spoolPath!: string;

  @Column({ type: 'integer' })
  copies!: number;

  /** Other protocol attributes, as a JSON object. */
  @Column({ type: 'text' })
  attributes!: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  pdl!: string | null;

  @Column({ type: 'integer', nullable: true })
  pages!: number | null;

  @Column({ name: 'color_pages', type: 'integer', nullable: true })
  colorPages!: number | null;

  @Column({ name: 'mono_pages', type: 'integer', nullable: true })
  monoPages!: number | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  duplex!: DuplexMode | null;

  /** PWG media name of the paper most of the job prints on. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  paper!: string | null;

  /** Page sides printed, all copies included. */
  @Column({ type: 'integer', nullable: true })
  impressions!: number | null;

  /** Sheets of paper, duplex and copies included. */
  @Column({ type: 'integer', nullable: true })
  sheets!: number | null;

  /** Marked by its owner to keep: never removed by retention, and reprintable under the keep-for-reprint rules. */
  @Column({ type: 'boolean' })
  favourite!: boolean;

  /** The printer of the latest release, or null before any. */
  @UuidColumn({ name: 'printer_id', nullable: true })
  printerId!: string | null;

  /** Releases started (the first print, new attempts after a failure, reprints). */
  @Column({ name: 'print_attempts', type: 'integer' })
  printAttempts!: number;

  /** Who released it last (`user` at a terminal, `admin:NAME`, `queue` for direct and tandem queues). */
  @Column({ name: 'released_by', type: 'varchar', length: 128, nullable: true })
  releasedBy!: string | null;

  /** When the spool file was removed (after printing, by retention, or on delete); null while it is kept. */
  @TimestampColumn({ name: 'document_removed_at', nullable: true })
  documentRemovedAt!: Date | null;

  /** The rest of the analysis as JSON (`JobAnalysisDetails`): mode, warnings, partial, paper map, PJL variables. */
  @Column({ type: 'text', nullable: true })
  analysis!: string | null;
}
