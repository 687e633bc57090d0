/**
 * The site's cache of central's directory: the users who may release jobs here, with the lookup keys of their
 * PINs (keyed HMACs: a PIN or card number is never stored), their groups as names the release side matches,
 * their rights and their print-job policy. Cards, groups and memberships live in tables of their own
 * (`directory_user_cards`, `directory_groups`, `directory_memberships`), written in bulk by the federation sink
 * (directory-cache-writer.ts); central fills the cache through federation, and on a standalone site an admin
 * fills it through the REST API.
 *
 * A federated user keeps central's id. Usernames are not unique here: central's names are case-sensitive, so
 * "Pear" and "pear" may be two users; `username_key` (lower-cased) finds both, and look-ups prefer the exact case.
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

  /** The lower-cased username; not unique (see the file comment). */
  @Index('idx_directory_users_key')
  @Column({ name: 'username_key', type: 'varchar', length: 128 })
  usernameKey!: string;

  /** Other names of the user at central, as JSON text. */
  @Column({ type: 'text', transformer: jsonStringList })
  aliases!: string[];

  @Column({ name: 'full_name', type: 'varchar', length: 255 })
  fullName!: string;

  @Column({ type: 'varchar', length: 255 })
  email!: string;

  @Column({ type: 'varchar', length: 8, nullable: true })
  language!: string | null;

  @Index('uq_directory_users_pin', { unique: true })
  @Column({ name: 'pin_key', type: 'varchar', length: 64, nullable: true })
  pinKey!: string | null;

  /** scrypt hash (`hashPassword`) for username + password login at a terminal; null: no password login. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash!: string | null;

  /** How the user signs in at central: `local`, or `ldap:NAME` (a bind to that source). */
  @Column({ type: 'varchar', length: 80 })
  auth!: string;

  /**
   * Group names, as JSON text: the names of the user's direct groups and of all their ancestors, resolved when
   * central's records were applied (on a standalone site, the names an admin gave).
   */
  @Column({ name: 'user_groups', type: 'text', transformer: jsonStringList })
  groups!: string[];

  /** Central ids of the same groups (direct and ancestors), as JSON text; empty on a standalone site. */
  @Column({ name: 'group_ids', type: 'text', transformer: jsonStringList })
  groupIds!: string[];

  /** Rights granted to the user directly, as JSON text (group grants are on `directory_groups`). */
  @Column({ type: 'text', transformer: jsonStringList })
  rights!: string[];

  /** The user's print-job policy "Keep jobs for reprint" (see release/reprint-policy.ts). */
  @Column({ name: 'keep_for_reprint', type: 'boolean' })
  keepForReprint!: boolean;

  /** False for a user disabled at central: kept, but cannot sign in. */
  @Column({ type: 'boolean' })
  enabled!: boolean;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}

/**
 * One delegate of a user: another user or a group, who may see and release the user's delegated jobs. Central's
 * delegates are held by id (`delegate_id`, with an empty `delegate_key`), so renames never break them; a
 * standalone site's are held by name (`delegate_key`: a username key or a group name, with an empty id).
 */
@Entity({ name: 'directory_delegates' })
@Index('idx_directory_delegates_key', ['kind', 'key'])
export class DirectoryDelegateEntity {
  /** The delegating user's id. */
  @PrimaryColumn({ name: 'owner_id', type: 'varchar', length: 36 })
  ownerId!: string;

  @PrimaryColumn({ name: 'delegate_kind', type: 'varchar', length: 8 })
  kind!: 'user' | 'group';

  @Index('idx_directory_delegates_id')
  @PrimaryColumn({ name: 'delegate_id', type: 'varchar', length: 36 })
  delegateId!: string;

  @PrimaryColumn({ name: 'delegate_key', type: 'varchar', length: 128 })
  key!: string;
}
