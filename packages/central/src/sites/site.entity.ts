/**
 * A branch site known to central. Enrolment secrets are stored only as SHA-256 hashes: the one-time enrolment
 * token until it is exchanged, then the per-site credential the site authenticates its session with.
 */
import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';

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

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
