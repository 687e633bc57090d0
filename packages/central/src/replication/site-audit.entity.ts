/**
 * One entry of a site's audit log, as central keeps it from the site's outbox, so auditors read every site's
 * log in one place. Entries never change once written. Property names are the AuditRecord field names.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn, UuidColumn } from '@quire/common';

/** The `site_audit_log` table. */
@Entity({ name: 'site_audit_log' })
export class SiteAuditEntity {
  /** The authenticated site the record came from. */
  @PrimaryColumn({ name: 'site_id', type: 'varchar', length: 36 })
  siteId!: string;

  @PrimaryColumn({ name: 'audit_id', type: 'varchar', length: 36 })
  id!: string;

  @Index('idx_site_audit_log_at')
  @TimestampColumn()
  at!: Date;

  @UuidColumn({ name: 'actor_id', nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_name', type: 'varchar', length: 128 })
  actorName!: string;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'target_type', type: 'varchar', length: 64 })
  targetType!: string;

  @Column({ name: 'target_id', type: 'varchar', length: 128, nullable: true })
  targetId!: string | null;

  /** JSON object with the action's context, as the site wrote it. */
  @Column({ type: 'text' })
  details!: string;

  @Column({ type: 'varchar', length: 16 })
  outcome!: string;

  @Column({ name: 'remote_addr', type: 'varchar', length: 64 })
  remoteAddr!: string;

  @Column({ name: 'request_id', type: 'varchar', length: 128 })
  requestId!: string;
}
