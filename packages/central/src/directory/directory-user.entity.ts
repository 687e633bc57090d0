/**
 * A person in the directory, as central owns it: names (the username and aliases share one case-sensitive
 * namespace, `directory_names`), contact details, how they sign in (a local scrypt password or a bind to their
 * LDAP source), their PIN and cards as HMAC lookup keys only, where the record comes from, and its state. Deletion
 * is soft and can be undone; anonymising is not.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '@quire/common';

/** Where a user's record comes from: entered by hand, an LDAP source (`ldap:NAME`), or a CSV import. */
export type UserSource = string;

/** active, disabled (kept, cannot sign in), deleted (soft, can be undone). */
export type UserState = 'active' | 'disabled' | 'deleted';

@Entity({ name: 'directory_users' })
export class DirectoryUserEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  username!: string;

  @Column({ name: 'full_name', type: 'varchar', length: 255 })
  fullName!: string;

  @Column({ type: 'varchar', length: 255 })
  email!: string;

  @Index('uq_directory_users_personal_number', { unique: true })
  @Column({ name: 'personal_number', type: 'varchar', length: 64, nullable: true })
  personalNumber!: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  phone!: string | null;

  @Column({ type: 'varchar', length: 8, nullable: true })
  language!: string | null;

  @Column({ type: 'text' })
  notes!: string;

  /** The PIN's lookup key (HMAC); null when the user has no PIN. */
  @Index('uq_directory_users_pin', { unique: true })
  @Column({ name: 'pin_key', type: 'varchar', length: 64, nullable: true })
  pinKey!: string | null;

  /** scrypt hash for local sign-in; null for users who bind to their LDAP source, or have no password. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash!: string | null;

  /** `manual`, `csv`, or `ldap:NAME`. */
  @Index('idx_directory_users_source')
  @Column({ type: 'varchar', length: 80 })
  source!: UserSource;

  @Index('idx_directory_users_state')
  @Column({ type: 'varchar', length: 16 })
  state!: UserState;

  /** Built-in accounts (`*admin`, `*unauthenticated`, `*system`): hidden from sync, never deleted. */
  @Column({ type: 'boolean' })
  system!: boolean;

  @Column({ type: 'boolean' })
  anonymised!: boolean;

  /** The print-job policy "Keep jobs for reprint", carried to sites with the user. */
  @Column({ name: 'keep_for_reprint', type: 'boolean' })
  keepForReprint!: boolean;

  /** The directory version of the user's latest change (the change feed's cursor). */
  @Column({ type: 'integer' })
  version!: number;

  @TimestampColumn({ name: 'created_at' })
  createdAt!: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}

/**
 * One name in the shared username/alias namespace. `name_key` is the SHA-256 of the exact name, so uniqueness is
 * case-sensitive ("Pear" and "pear" are two users) on SQLite and on MySQL, whose default collation ignores case.
 */
@Entity({ name: 'directory_names' })
export class DirectoryNameEntity {
  @PrimaryColumn({ name: 'name_key', type: 'varchar', length: 64 })
  nameKey!: string;

  @Column({ type: 'varchar', length: 128 })
  name!: string;

  @Index('idx_directory_names_user')
  @UuidColumn({ name: 'user_id' })
  userId!: string;

  @Column({ type: 'varchar', length: 8 })
  kind!: 'username' | 'alias';
}

/** A card of a user, by lookup key; a temporary card stops working after `valid_until`. */
@Entity({ name: 'directory_cards' })
@Index('uq_directory_cards_user_slot', ['userId', 'slot'], { unique: true })
export class DirectoryCardEntity {
  @PrimaryColumn({ name: 'card_key', type: 'varchar', length: 64 })
  cardKey!: string;

  @Index('idx_directory_cards_user')
  @UuidColumn({ name: 'user_id' })
  userId!: string;

  @TimestampColumn({ name: 'valid_until', nullable: true })
  validUntil!: Date | null;

  /**
   * The slot bulk generation filled (PaperCut's primary or secondary card/ID number), at most one card per user
   * and slot; null for a card from a source, a CSV file or an admin. Optional, so writers of those may omit it.
   */
  @Column({ type: 'varchar', length: 16, nullable: true })
  slot?: 'primary' | 'secondary' | null;
}
