/**
 * A branch site known to central. Enrolment secrets are stored only as SHA-256 hashes: the one-time enrolment
 * token until it is exchanged, then the per-site credential the site authenticates its session with. The
 * replication figures say how far central has applied the site's outbox and which directory and template
 * versions the site has acknowledged, and keep the last replication error.
 */
import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';
import { BigintColumn } from '../replication/columns';

/** Longest replication error kept on a site row. */
export const SITE_ERROR_MAX_CHARS = 1024;

/** The `sites` table. */
@Entity({ name: 'sites' })
export class SiteEntity {
  @IdColumn()
  id!: string;

  @Index('uq_sites_name', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  name!: string;

  @Index('uq_sites_enrolment_token_hash', { unique: true })
  @Column({ name: 'enrolment_token_hash', type: 'varchar', length: 64, nullable: true })
  enrolmentTokenHash!: string | null;

  @TimestampColumn({ name: 'enrolment_expires_at', nullable: true })
  enrolmentExpiresAt!: Date | null;

  @Column({ name: 'credential_hash', type: 'varchar', length: 64, nullable: true })
  credentialHash!: string | null;

  @TimestampColumn({ name: 'enrolled_at', nullable: true })
  enrolledAt!: Date | null;

  @TimestampColumn({ name: 'last_seen_at', nullable: true })
  lastSeenAt!: Date | null;

  @Column({ name: 'site_version', type: 'varchar', length: 64, nullable: true })
  siteVersion!: string | null;

  @TimestampColumn({ name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;

  /** The highest outbox sequence applied at central with none missing below it. */
  @BigintColumn({ name: 'applied_seq', default: 0 })
  appliedSeq!: number;

  /** The directory version the site last acknowledged. */
  @BigintColumn({ name: 'directory_version', default: 0 })
  directoryVersion!: number;

  /** The configuration-template version the site last acknowledged. */
  @BigintColumn({ name: 'template_version', default: 0 })
  templateVersion!: number;

  /** The latest replication error, or null once replication works again. */
  @Column({ name: 'last_error', type: 'varchar', length: SITE_ERROR_MAX_CHARS, nullable: true })
  lastError!: string | null;

  @TimestampColumn({ name: 'last_error_at', nullable: true })
  lastErrorAt!: Date | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
