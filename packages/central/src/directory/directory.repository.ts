/**
 * DB access for the directory. Every method takes the EntityManager of the caller's transaction: a directory
 * change is always several rows (the entity, its names, the version counter, the change-feed row) that commit
 * together or not at all.
 */
import { createHash } from 'node:crypto';
import { In, Like, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { afterCommit, ErrorCode, QuireError } from '@quire/common';
import {
  DirectoryChangeEntity,
  DirectoryDelegateEntity,
  DirectoryGroupEntity,
  DirectoryMembershipEntity,
  DirectoryRightEntity,
} from './directory-group.entity';
import {
  DirectoryCardEntity,
  DirectoryNameEntity,
  DirectoryUserEntity,
  type UserState,
} from './directory-user.entity';
import { DIRECTORY_VERSION_ROW, DirectoryVersionEntity } from './directory-version.entity';

/** The case-sensitive key of a name: SHA-256 of its exact UTF-8 bytes. */
export function nameKey(name: string): string {
  return createHash('sha256').update(name, 'utf8').digest('hex');
}

/** Which users to list. */
export interface UserQuery {
  /** Substring of the username or full name (case-insensitive on MySQL, as typed on SQLite). */
  search?: string;
  states?: UserState[];
  source?: string;
  limit: number;
  offset: number;
}

/** Reads and writes the directory tables. */
export class DirectoryRepository {
  private readonly changeListeners = new Set<() => void>();

  /**
   * Call `listener` once a transaction that recorded a change has committed (federation's directory source, so
   * sites hear at once that the directory moved on). Returns the function that stops it.
   */
  onCommittedChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Bump the directory version and record that `entityId` changed; returns the new version. */
  async recordChange(
    tx: EntityManager,
    entityKind: 'user' | 'group',
    entityId: string,
    op: 'upsert' | 'delete',
    at: Date,
  ): Promise<number> {
    await tx.increment(DirectoryVersionEntity, { id: DIRECTORY_VERSION_ROW }, 'value', 1);
    const row = await tx.findOneBy(DirectoryVersionEntity, { id: DIRECTORY_VERSION_ROW });
    if (!row)
      throw new QuireError(ErrorCode.Internal, 'The directory version row is missing; run the migrations');
    await tx.insert(DirectoryChangeEntity, { version: row.value, entityKind, entityId, op, at });
    if (this.changeListeners.size > 0)
      afterCommit(tx.connection, tx, () => this.announceChange(), 'directory.changed');
    return row.value;
  }

  /** Tell the listeners (once per committed transaction, however many changes it recorded). */
  private announceChange(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** The current directory version. */
  async currentVersion(tx: EntityManager): Promise<number> {
    return (await tx.findOneBy(DirectoryVersionEntity, { id: DIRECTORY_VERSION_ROW }))?.value ?? 0;
  }

  /** A user by id, or null. */
  userById(tx: EntityManager, id: string): Promise<DirectoryUserEntity | null> {
    return tx.findOneBy(DirectoryUserEntity, { id });
  }

  /** The user owning a username or alias (exact, case-sensitive), or null. */
  async userByName(tx: EntityManager, name: string): Promise<DirectoryUserEntity | null> {
    const owner = await tx.findOneBy(DirectoryNameEntity, { nameKey: nameKey(name) });
    return owner ? this.userById(tx, owner.userId) : null;
  }

  /** The owner of a name, or null. */
  nameOwner(tx: EntityManager, name: string): Promise<DirectoryNameEntity | null> {
    return tx.findOneBy(DirectoryNameEntity, { nameKey: nameKey(name) });
  }

  /** The aliases of a user, in name order. */
  async aliasesOf(tx: EntityManager, userId: string): Promise<string[]> {
    const rows = await tx.find(DirectoryNameEntity, {
      where: { userId, kind: 'alias' },
      order: { name: 'ASC' },
    });
    return rows.map((row) => row.name);
  }

  /** The names (usernames and aliases) of some users. */
  namesOf(tx: EntityManager, userIds: string[]): Promise<DirectoryNameEntity[]> {
    return userIds.length === 0
      ? Promise.resolve([])
      : tx.findBy(DirectoryNameEntity, { userId: In(userIds) });
  }

  /** Replace the names of a user (its username and aliases). */
  async setNames(tx: EntityManager, userId: string, username: string, aliases: string[]): Promise<void> {
    await tx.delete(DirectoryNameEntity, { userId });
    const rows = [
      { nameKey: nameKey(username), name: username, userId, kind: 'username' as const },
      ...aliases.map((alias) => ({ nameKey: nameKey(alias), name: alias, userId, kind: 'alias' as const })),
    ];
    await tx.insert(DirectoryNameEntity, rows);
  }

  /** Users matching `query`, by username, with the total count. */
  async listUsers(
    tx: EntityManager,
    query: UserQuery,
  ): Promise<{ users: DirectoryUserEntity[]; total: number }> {
    const base: FindOptionsWhere<DirectoryUserEntity> = { system: false };
    if (query.states) base.state = In(query.states);
    if (query.source) base.source = query.source;
    const where = query.search
      ? [
          { ...base, username: Like(`%${query.search}%`) },
          { ...base, fullName: Like(`%${query.search}%`) },
        ]
      : base;
    const [users, total] = await tx.findAndCount(DirectoryUserEntity, {
      where,
      order: { username: 'ASC', id: 'ASC' },
      take: query.limit,
      skip: query.offset,
    });
    return { users, total };
  }

  /** Every non-system user of a source. */
  usersOfSource(tx: EntityManager, source: string): Promise<DirectoryUserEntity[]> {
    return tx.findBy(DirectoryUserEntity, { source, system: false });
  }

  /** Cards of some users. */
  cardsOf(tx: EntityManager, userIds: string[]): Promise<DirectoryCardEntity[]> {
    return userIds.length === 0
      ? Promise.resolve([])
      : tx.findBy(DirectoryCardEntity, { userId: In(userIds) });
  }

  /** Memberships of some users. */
  membershipsOf(tx: EntityManager, userIds: string[]): Promise<DirectoryMembershipEntity[]> {
    return userIds.length === 0
      ? Promise.resolve([])
      : tx.findBy(DirectoryMembershipEntity, { userId: In(userIds) });
  }

  /** Delegates of some users. */
  delegatesOf(tx: EntityManager, userIds: string[]): Promise<DirectoryDelegateEntity[]> {
    return userIds.length === 0
      ? Promise.resolve([])
      : tx.findBy(DirectoryDelegateEntity, { userId: In(userIds) });
  }

  /** Every group. */
  groups(tx: EntityManager): Promise<DirectoryGroupEntity[]> {
    return tx.find(DirectoryGroupEntity, { order: { name: 'ASC' } });
  }

  /** Rights granted to these subjects. */
  rightsOf(
    tx: EntityManager,
    subjects: Array<{ kind: 'user' | 'group'; id: string }>,
  ): Promise<DirectoryRightEntity[]> {
    if (subjects.length === 0) return Promise.resolve([]);
    return tx.findBy(
      DirectoryRightEntity,
      subjects.map((subject) => ({ subjectKind: subject.kind, subjectId: subject.id })),
    );
  }

  /** Changes after `version`, oldest first, at most `limit`. */
  changesSince(tx: EntityManager, version: number, limit: number): Promise<DirectoryChangeEntity[]> {
    return tx
      .getRepository(DirectoryChangeEntity)
      .createQueryBuilder('change')
      .where('change.version > :version', { version })
      .orderBy('change.version', 'ASC')
      .limit(limit)
      .getMany();
  }
}
