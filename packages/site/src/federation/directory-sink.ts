/**
 * Where the directory from central lands on a site: a VersionedSink that applies each batch to the directory
 * cache in ONE transaction, with the version it reaches stored in the same transaction (`federation_state`), so
 * the version the hello reports is always one the cache really holds.
 *
 * Order inside a batch: groups first (so users resolve their group names against the batch's groups), then
 * every changed or deleted user is cleared, the PINs and cards the batch hands out are freed from any other
 * holder, and the users are written; then users whose groups were renamed, moved, added or deleted are
 * re-resolved. No unique index trips, whatever moved from whom.
 *
 * Snapshots: the first batch takes a new snapshot mark (a counter in `federation_state`, never reused, since
 * central numbers snapshots per session); every row a snapshot batch writes carries it, and the last batch
 * removes the rows without it. Batches before the last commit on their own; if the session ends halfway, the
 * site still holds its old version (with some rows already fresh) and central starts over.
 *
 * Deleted users leave the cache; disabled users stay, with `enabled` false, and cannot sign in.
 */
import { type DataSource } from 'typeorm';
import { ErrorCode, QuireError, type Logger } from '@quire/common';
import type { DirectoryChange, GroupRecord, UserRecord } from '@quire/shared-proto';
import { CacheSql } from '../directory/directory-cache-sql';
import {
  DirectoryCacheWriter,
  type CacheUserRow,
  type CachedGroup,
} from '../directory/directory-cache-writer';
import { GroupResolver } from '../directory/group-names';
import { checkedDirectoryChanges } from './directory-sink-schema';
import { VersionedApplier, type AppliedBatch, type VersionedSink } from './versioned-applier';

/** The `federation_state` value holding the directory version the cache holds. */
export const DIRECTORY_VERSION_STATE = 'directory.version';

/** The `federation_state` value holding the last snapshot mark taken (marks are never reused). */
export const DIRECTORY_SNAPSHOT_STATE = 'directory.snapshotMark';

/** What the directory sink writes to. */
export interface DirectorySinkOptions {
  dataSource: DataSource;
  now?: () => Date;
}

/** The changes of a batch by kind. */
interface SortedChanges {
  groups: GroupRecord[];
  deletedGroups: string[];
  users: UserRecord[];
  deletedUsers: string[];
}

/** The directory cache's VersionedSink; see the file comment. */
export class DirectorySink implements VersionedSink<DirectoryChange> {
  private groupCache: Map<string, CachedGroup> | null = null;
  private snapshot: { id: number; mark: number } | null = null;
  private readonly now: () => Date;

  constructor(private readonly options: DirectorySinkOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async appliedVersion(): Promise<number> {
    const value = await new CacheSql(this.options.dataSource.manager).state(DIRECTORY_VERSION_STATE);
    return value === null ? 0 : Number(value);
  }

  async apply(batch: AppliedBatch<DirectoryChange>): Promise<void> {
    const changes = sortChanges(checkedDirectoryChanges(batch.changes));
    if (batch.snapshotId !== 0 && !batch.first && this.snapshot?.id !== batch.snapshotId) {
      throw new QuireError(
        ErrorCode.ValidationFailed,
        `directory snapshot ${batch.snapshotId} continues without its first batch`,
      );
    }
    let snapshot = batch.snapshotId === 0 ? null : this.snapshot;
    const groups = await this.options.dataSource.transaction(async (tx) => {
      const sql = new CacheSql(tx);
      if (batch.snapshotId !== 0 && batch.first) {
        const mark = Number((await sql.state(DIRECTORY_SNAPSHOT_STATE)) ?? 0) + 1;
        await sql.setState(DIRECTORY_SNAPSHOT_STATE, String(mark));
        snapshot = { id: batch.snapshotId, mark };
      }
      const writer = new DirectoryCacheWriter(sql, snapshot?.mark ?? 0, this.now());
      const groups = new Map(this.groupCache ?? (await writer.groups()));
      await this.applyChanges(writer, groups, changes);
      if (snapshot && batch.last) {
        const swept = await writer.sweep();
        for (const id of swept.groups) groups.delete(id);
        await this.reresolve(writer, groups, swept.members);
      }
      if (batch.snapshotId === 0 || batch.last) {
        await sql.setState(DIRECTORY_VERSION_STATE, String(batch.toVersion));
      }
      return groups;
    });
    this.groupCache = groups;
    this.snapshot = snapshot && !batch.last ? snapshot : null;
  }

  private async applyChanges(
    writer: DirectoryCacheWriter,
    groups: Map<string, CachedGroup>,
    changes: SortedChanges,
  ): Promise<void> {
    const regrouped = new Set<string>();
    for (const group of changes.groups) {
      const before = groups.get(group.id);
      if (!before || before.name !== group.name || before.parentId !== group.parentId)
        regrouped.add(group.id);
      groups.set(group.id, { ...group, rights: [...group.rights] });
    }
    await writer.writeGroups(changes.groups.map((group) => groups.get(group.id) as CachedGroup));
    for (const id of changes.deletedGroups) groups.delete(id);
    const orphaned = await writer.deleteGroups(changes.deletedGroups);

    const resolver = new GroupResolver(groups);
    const written = [...changes.users.map((user) => user.id), ...changes.deletedUsers];
    const rows = changes.users.map((user) => cacheRow(user, resolver));
    await writer.clearUsers(written);
    await writer.releaseKeys(
      rows.flatMap((row) => (row.pinKey ? [row.pinKey] : [])),
      rows.flatMap((row) => row.cards.map((card) => card.key)),
    );
    await writer.writeUsers(rows);

    if (regrouped.size === 0 && orphaned.length === 0) return;
    const writtenIds = new Set(written);
    const affected = new Set(orphaned);
    if (regrouped.size > 0) {
      for (const id of await writer.membersOf([...resolver.withDescendants(regrouped)])) affected.add(id);
    }
    await this.reresolve(
      writer,
      groups,
      [...affected].filter((id) => !writtenIds.has(id)),
    );
  }

  /** Resolve the group names of `userIds` again from their memberships. */
  private async reresolve(
    writer: DirectoryCacheWriter,
    groups: Map<string, CachedGroup>,
    userIds: string[],
  ): Promise<void> {
    if (userIds.length === 0) return;
    const resolver = new GroupResolver(groups);
    const memberships = await writer.membershipsOf(userIds);
    await writer.setGroupsOf(
      userIds.map((id) => ({ id, groups: resolver.resolve(memberships.get(id) ?? []) })),
    );
  }
}

/** The applier of the directory: payload `directory`, acks `directoryAck`, hello field `directoryVersion`. */
export function directoryApplier(options: {
  sink: VersionedSink<DirectoryChange>;
  logger: Logger;
  onApplied?(version: number): void;
}): VersionedApplier<DirectoryChange> {
  return new VersionedApplier<DirectoryChange>({
    payload: 'directory',
    ack: 'directoryAck',
    helloField: 'directoryVersion',
    sink: options.sink,
    logger: options.logger,
    onApplied: options.onApplied,
  });
}

/** Changes by kind; an entity listed twice keeps its last state (central lists each once). */
function sortChanges(changes: DirectoryChange[]): SortedChanges {
  const latest = new Map<string, DirectoryChange>();
  for (const change of changes) {
    const key = `${change.kind}:${change.id}`;
    latest.delete(key);
    latest.set(key, change);
  }
  const sorted: SortedChanges = { groups: [], deletedGroups: [], users: [], deletedUsers: [] };
  for (const change of latest.values()) {
    if ('group' in change) sorted.groups.push(change.group);
    else if ('user' in change) sorted.users.push(change.user);
    else if (change.kind === 'group') sorted.deletedGroups.push(change.id);
    else sorted.deletedUsers.push(change.id);
  }
  dedupeKeys(sorted.users);
  return sorted;
}

/**
 * Central hands each PIN and card to one user at a time, so a batch never lists one twice; if a broken batch
 * did, the later user keeps it rather than the whole batch failing on the unique index forever.
 */
function dedupeKeys(users: UserRecord[]): void {
  const pins = new Map<string, UserRecord>();
  const cards = new Set<string>();
  for (let i = users.length - 1; i >= 0; i -= 1) {
    const user = users[i];
    if (user.pinKey && pins.has(user.pinKey)) users[i] = { ...user, pinKey: null };
    else if (user.pinKey) pins.set(user.pinKey, user);
    const own = users[i].cards.filter((card) => !cards.has(card.key));
    for (const card of own) cards.add(card.key);
    if (own.length !== user.cards.length) users[i] = { ...users[i], cards: own };
  }
}

/** A user record as the writer stores it, its groups resolved against the batch's group tree. */
function cacheRow(user: UserRecord, resolver: GroupResolver): CacheUserRow {
  return {
    id: user.id,
    username: user.username,
    aliases: user.aliases,
    fullName: user.fullName,
    email: user.email,
    language: user.language,
    pinKey: user.pinKey,
    auth: user.auth,
    groups: resolver.resolve(user.groups),
    rights: user.rights,
    keepForReprint: user.keepForReprint,
    enabled: user.state === 'active',
    cards: user.cards.map((card) => ({
      key: card.key,
      validUntil: card.validUntil === null ? null : new Date(card.validUntil),
    })),
    memberships: user.groups,
    delegates: user.delegates,
  };
}
