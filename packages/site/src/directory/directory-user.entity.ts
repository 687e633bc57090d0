/**
 * The site's cache of central's directory: the users who may release jobs here, with the lookup keys of their
 * PINs and cards (keyed HMACs: a PIN or card number is never stored), their groups, and their print-job policy.
 * Central fills it through federation; until then an admin or a test fills it through the repository.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { IdColumn, TimestampColumn } from '@quire/common';
import { jsonStringList } from '../queues/queue.entity';

@Entity({ name: 'directory_users' })
export class DirectoryUserEntity {
  @IdColumn()
  id!: string;

  /** The login name, as job owners are named. */
  @Column({ type: 'varchar', length: 128 })
  username!: string;

  /** The lower-cased username, unique. */
  @Index('uq_directory_users_key', { unique: true })
  @Column({ name: 'username_key', type: 'varchar', length: 128 })
  usernameKey!: string;

  @Column({ name: 'full_name', type: 'varchar', length: 255 })
  fullName!: string;

  @Column({ type: 'varchar', length: 255 })
  email!: string;

  @Index('uq_directory_users_pin', { unique: true })
  @Column({ name: 'pin_key', type: 'varchar', length: 64, nullable: true })
  pinKey!: string | null;

  @Index('uq_directory_users_card', { unique: true })
  @Column({ name: 'card_key', type: 'varchar', length: 64, nullable: true })
  cardKey!: string | null;

  /** scrypt hash (`hashPassword`) for username + password login at a terminal; null: no password login. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash!: string | null;

  /** Group names, as JSON text. */
  @Column({ name: 'user_groups', type: 'text', transformer: jsonStringList })
  groups!: string[];

  /** The user's print-job policy "Keep jobs for reprint" (see release/reprint-policy.ts). */
  @Column({ name: 'keep_for_reprint', type: 'boolean' })
  keepForReprint!: boolean;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}

/** One delegate of a user: another user or a group, who may see and release the user's delegated jobs. */
@Entity({ name: 'directory_delegates' })
export class DirectoryDelegateEntity {
  /** The delegating user's username key. */
  @PrimaryColumn({ name: 'owner_key', type: 'varchar', length: 128 })
  ownerKey!: string;

  @PrimaryColumn({ name: 'delegate_kind', type: 'varchar', length: 8 })
  kind!: 'user' | 'group';

  /** A username key or a group name. */
  @PrimaryColumn({ name: 'delegate_key', type: 'varchar', length: 128 })
  key!: string;
}
