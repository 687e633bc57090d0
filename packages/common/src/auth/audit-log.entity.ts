/**
 * One audited action: who did what to which target, with what outcome, from where, in which request. Rows are
 * only ever inserted; the site replicates them to central through the outbox.
 */
import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '../db/columns';

/** Whether the audited action happened (`ok`), was refused by authorisation (`denied`) or was tried and failed. */
export type AuditOutcome = 'ok' | 'denied' | 'failed';

/** The `audit_log` table. */
@Entity({ name: 'audit_log' })
export class AuditLogEntity {
  @IdColumn()
  id!: string;

  @Index('idx_audit_log_at')
  @TimestampColumn()
  at!: Date;

  /** Null for the system itself and for callers that are not (yet) authenticated. */
  @Index('idx_audit_log_actor_id')
  @UuidColumn({ name: 'actor_id', nullable: true })
  actorId!: string | null;

  /** The actor's user name at the time (or `system`, or the user name a failed login tried). */
  @Column({ name: 'actor_name', type: 'varchar', length: 128 })
  actorName!: string;

  /** Dotted verb such as `site.create` or `auth.login`. */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'target_type', type: 'varchar', length: 64 })
  targetType!: string;

  @Column({ name: 'target_id', type: 'varchar', length: 128, nullable: true })
  targetId!: string | null;

  /** JSON object with action-specific context; never secrets. */
  @Column({ type: 'text' })
  details!: string;

  @Column({ type: 'varchar', length: 16 })
  outcome!: AuditOutcome;

  @Column({ name: 'remote_addr', type: 'varchar', length: 64 })
  remoteAddr!: string;

  @Column({ name: 'request_id', type: 'varchar', length: 128 })
  requestId!: string;
}
