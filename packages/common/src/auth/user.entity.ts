/**
 * A person who can sign in to a server's API and console. The directory will add PINs, cards and groups in
 * their own tables keyed by `users.id`, so this table keeps only what every account has.
 */
import { Column, Entity, Index } from 'typeorm';
import { IdColumn, TimestampColumn } from '../db/columns';

/** The `users` table. */
@Entity({ name: 'users' })
export class UserEntity {
  @IdColumn()
  id!: string;

  @Index('uq_users_username', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  username!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 128 })
  displayName!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  email!: string | null;

  /** `hashPassword` output; null for accounts that cannot sign in with a local password. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash!: string | null;

  @Column({ name: 'is_admin', type: 'boolean' })
  isAdmin!: boolean;

  @Column({ type: 'boolean' })
  disabled!: boolean;

  /** Consecutive failed logins since the last success or the end of the last lockout. */
  @Column({ name: 'failed_login_count', type: 'integer' })
  failedLoginCount!: number;

  @TimestampColumn({ name: 'locked_until', nullable: true })
  lockedUntil!: Date | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
