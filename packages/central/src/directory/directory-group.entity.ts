/**
 * Groups (a tree at most 10 levels deep), memberships (with MyQ's accounting-group and manager flags), delegates
 * (users or groups who may release a user's delegated jobs), and rights granted to users or groups.
 */
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { IdColumn, TimestampColumn, UuidColumn } from '@quire/common';

@Entity({ name: 'directory_groups' })
@Index('uq_directory_groups_parent_name', ['parentKey', 'nameKey'], { unique: true })
export class DirectoryGroupEntity {
  @IdColumn()
  id!: string;

  @Column({ type: 'varchar', length: 128 })
  name!: string;

  /** SHA-256 of the exact name: names are unique among siblings, case-sensitively. */
  @Column({ name: 'name_key', type: 'varchar', length: 64 })
  nameKey!: string;

  @UuidColumn({ name: 'parent_id', nullable: true })
  parentId!: string | null;

  /** `parent_id`, or `-` for a root group, so the unique index also covers roots (NULLs never collide). */
  @Column({ name: 'parent_key', type: 'varchar', length: 36 })
  parentKey!: string;

  @Column({ type: 'varchar', length: 80 })
  source!: string;

  @Column({ type: 'integer' })
  version!: number;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}

@Entity({ name: 'directory_memberships' })
export class DirectoryMembershipEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @Index('idx_directory_memberships_group')
  @PrimaryColumn({ name: 'group_id', type: 'varchar', length: 36 })
  groupId!: string;

  /** The group the user is counted under in reports; at most one per user. */
  @Column({ type: 'boolean' })
  accounting!: boolean;

  /** Sees the jobs and reports of the group's members and subgroups. */
  @Column({ type: 'boolean' })
  manager!: boolean;
}

@Entity({ name: 'directory_delegates' })
export class DirectoryDelegateEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @PrimaryColumn({ name: 'delegate_kind', type: 'varchar', length: 8 })
  kind!: 'user' | 'group';

  @Index('idx_directory_delegates_delegate')
  @PrimaryColumn({ name: 'delegate_id', type: 'varchar', length: 36 })
  delegateId!: string;
}

@Entity({ name: 'directory_rights' })
export class DirectoryRightEntity {
  @PrimaryColumn({ name: 'subject_kind', type: 'varchar', length: 8 })
  subjectKind!: 'user' | 'group';

  @PrimaryColumn({ name: 'subject_id', type: 'varchar', length: 36 })
  subjectId!: string;

  /** `right` is a reserved word in MySQL, hence the column name. */
  @PrimaryColumn({ name: 'right_name', type: 'varchar', length: 40 })
  right!: string;
}

/**
 * The change feed: one row per change of a user or group, numbered by the directory version it made. Sites ask
 * for "changes since V"; a deleted entity's row says `delete`, so deletions travel like any change.
 */
@Entity({ name: 'directory_changes' })
export class DirectoryChangeEntity {
  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ name: 'entity_kind', type: 'varchar', length: 8 })
  entityKind!: 'user' | 'group';

  @Index('idx_directory_changes_entity')
  @UuidColumn({ name: 'entity_id' })
  entityId!: string;

  @Column({ type: 'varchar', length: 8 })
  op!: 'upsert' | 'delete';

  @TimestampColumn()
  at!: Date;
}

/** One sync or import run: what it did, how long it took, and what went wrong. */
@Entity({ name: 'directory_sync_runs' })
export class DirectorySyncRunEntity {
  @IdColumn()
  id!: string;

  @Index('idx_directory_sync_runs_source')
  @Column({ type: 'varchar', length: 80 })
  source!: string;

  @Column({ name: 'dry_run', type: 'boolean' })
  dryRun!: boolean;

  /** `ok`, `failed` (nothing applied), or `partial` (applied, with records skipped). */
  @Column({ type: 'varchar', length: 16 })
  status!: string;

  @TimestampColumn({ name: 'started_at' })
  startedAt!: Date;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  /** JSON: added, updated, disabled, unchanged, conflicts, skipped. */
  @Column({ type: 'text' })
  counts!: string;

  /** JSON list of problems (at most 1,000 kept), or the error that stopped the run. */
  @Column({ type: 'text' })
  errors!: string;
}

/**
 * A configured directory source (LDAP), by name: its settings as JSON, validated on every write
 * (ldap-source-config.ts). The bind password is part of them; the REST API never returns it.
 */
@Entity({ name: 'directory_sources' })
export class DirectorySourceEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  type!: string;

  @Column({ type: 'text' })
  settings!: string;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
