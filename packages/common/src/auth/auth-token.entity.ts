/**
 * A bearer token issued by login. Only its SHA-256 is stored: a copy of the database must not let anyone act as
 * a signed-in user.
 */
import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '../db/columns';

/** The `auth_tokens` table. */
@Entity({ name: 'auth_tokens' })
export class AuthTokenEntity {
  @IdColumn()
  id!: string;

  /** Hex SHA-256 of the bearer token: the lookup key. */
  @Index('uq_auth_tokens_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Index('idx_auth_tokens_user_id')
  @UuidColumn({ name: 'user_id' })
  userId!: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @Index('idx_auth_tokens_expires_at')
  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;

  @TimestampColumn({ name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;

  /** Address the login came from, for the session list an admin sees. */
  @Column({ name: 'remote_addr', type: 'varchar', length: 64 })
  remoteAddr!: string;
}
