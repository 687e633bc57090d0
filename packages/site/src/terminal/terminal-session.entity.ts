/**
 * Terminal sessions (a user signed in at a printer's terminal) and the failed logins that lock a credential.
 * A session is found by the SHA-256 of its bearer token; the token itself is never stored.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '@quire/common';

@Entity({ name: 'terminal_sessions' })
export class TerminalSessionEntity {
  @PrimaryColumn({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Column({ type: 'varchar', length: 128 })
  username!: string;

  @UuidColumn({ name: 'printer_id' })
  printerId!: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  /** Sessions end after `terminal.sessionIdleSeconds` without a request. */
  @TimestampColumn({ name: 'last_seen_at' })
  lastSeenAt!: Date;
}

/** One failed terminal login against a credential (`pin:KEY`, `card:KEY` or `user:NAME`). */
@Entity({ name: 'terminal_login_failures' })
@Index('idx_terminal_login_failures', ['credential', 'at'])
export class TerminalLoginFailureEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 160 })
  credential!: string;

  @TimestampColumn()
  at!: Date;
}
