/**
 * The bulk writes of the directory cache, as the federation sink makes them inside one transaction per batch:
 * groups, users with their cards, memberships and delegates, the re-resolution of group names, and the sweep
 * that ends a snapshot. Each method is a few multi-row statements whatever the number of rows.
 *
 * Unique keys (a user's PIN, a card) can move between users from one version to the next, so a writer first
 * clears every row of the users it is about to write and frees their new keys from any other holder (a user
 * whose own change comes in a later batch), and only then inserts.
 */
import { type SqlValue } from '@quire/common';
import { type CacheSql } from './directory-cache-sql';
import { usernameKey } from './directory.repository';
import { type GroupNode, type ResolvedGroups } from './group-names';

/** A group as the cache holds it. */
export interface CachedGroup extends GroupNode {
  id: string;
  rights: string[];
}

/** A user as the writer stores it, with the lists that live in other tables. */
export interface CacheUserRow {
  id: string;
  username: string;
  aliases: string[];
  fullName: string;
  email: string;
  language: string | null;
  pinKey: string | null;
  auth: string;
  groups: ResolvedGroups;
  rights: string[];
  keepForReprint: boolean;
  enabled: boolean;
  cards: Array<{ key: string; validUntil: Date | null }>;
  /** Direct group ids. */
  memberships: string[];
  delegates: Array<{ kind: 'user' | 'group'; id: string }>;
}

const USER_COLUMNS = [
  'id',
  'username',
  'username_key',
  'aliases',
  'full_name',
  'email',
  'language',
  'pin_key',
  'password_hash',
  'auth',
  'user_groups',
  'group_ids',
  'rights',
  'keep_for_reprint',
  'enabled',
  'updated_at',
  'snapshot_mark',
];

/** Writes the cache's tables for one batch; `mark` is the snapshot mark of the rows it writes (0: a delta). */
export class DirectoryCacheWriter {
  constructor(
    private readonly sql: CacheSql,
    private readonly mark: number,
    private readonly now: Date,
  ) {}

  /** Every cached group, by id. */
  async groups(): Promise<Map<string, CachedGroup>> {
    const rows = await this.sql.query<
      Array<{ id: string; name: string; parent_id: string | null; rights: string }>
    >('SELECT id, name, parent_id, rights FROM directory_groups');
    return new Map(
      rows.map((row) => [
        row.id,
        { id: row.id, name: row.name, parentId: row.parent_id, rights: parseList(row.rights) },
      ]),
    );
  }

  /** Insert or replace `groups`. */
  async writeGroups(groups: CachedGroup[]): Promise<void> {
    if (groups.length === 0) return;
    await this.sql.eachIn(
      'DELETE FROM directory_groups WHERE id IN (?)',
      groups.map((g) => g.id),
    );
    await this.sql.insertRows(
      'directory_groups',
      ['id', 'name', 'parent_id', 'rights', 'snapshot_mark'],
      groups.map((g) => [g.id, g.name, g.parentId, JSON.stringify(g.rights), this.mark]),
    );
  }

  /** Remove groups with their memberships and the delegations to them; returns the ids of their members. */
  async deleteGroups(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const members = await this.membersOf(ids);
    await this.sql.eachIn('DELETE FROM directory_memberships WHERE group_id IN (?)', ids);
    await this.sql.eachIn(
      "DELETE FROM directory_delegates WHERE delegate_kind = 'group' AND delegate_id IN (?)",
      ids,
    );
    await this.sql.eachIn('DELETE FROM directory_groups WHERE id IN (?)', ids);
    return members;
  }

  /** Ids of the direct members of any of `groupIds`. */
  async membersOf(groupIds: string[]): Promise<string[]> {
    const rows = await this.sql.selectIn<{ user_id: string }>(
      'SELECT DISTINCT user_id FROM directory_memberships WHERE group_id IN (?)',
      groupIds,
    );
    return [...new Set(rows.map((row) => row.user_id))];
  }

  /** Direct group ids of each of `userIds` (users without groups are absent). */
  async membershipsOf(userIds: string[]): Promise<Map<string, string[]>> {
    const rows = await this.sql.selectIn<{ user_id: string; group_id: string }>(
      'SELECT user_id, group_id FROM directory_memberships WHERE user_id IN (?)',
      userIds,
    );
    const byUser = new Map<string, string[]>();
    for (const row of rows) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), row.group_id]);
    return byUser;
  }

  /** Remove users and everything they own (cards, memberships, delegates). */
  async clearUsers(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.eachIn('DELETE FROM directory_user_cards WHERE user_id IN (?)', ids);
    await this.sql.eachIn('DELETE FROM directory_memberships WHERE user_id IN (?)', ids);
    await this.sql.eachIn('DELETE FROM directory_delegates WHERE owner_id IN (?)', ids);
    await this.sql.eachIn('DELETE FROM directory_users WHERE id IN (?)', ids);
  }

  /** Take PINs and cards away from whoever else holds them: central has given them to the users being written. */
  async releaseKeys(pinKeys: string[], cardKeys: string[]): Promise<void> {
    if (pinKeys.length > 0)
      await this.sql.eachIn('UPDATE directory_users SET pin_key = NULL WHERE pin_key IN (?)', pinKeys);
    if (cardKeys.length > 0)
      await this.sql.eachIn('DELETE FROM directory_user_cards WHERE card_key IN (?)', cardKeys);
  }

  /** Insert users (cleared beforehand) with their cards, memberships and delegates. */
  async writeUsers(users: CacheUserRow[]): Promise<void> {
    if (users.length === 0) return;
    const updatedAt = this.sql.date(this.now);
    await this.sql.insertRows(
      'directory_users',
      USER_COLUMNS,
      users.map((u) => this.userValues(u, updatedAt)),
    );
    await this.sql.insertRows(
      'directory_user_cards',
      ['card_key', 'user_id', 'valid_until'],
      users.flatMap((u) => u.cards.map((c) => [c.key, u.id, this.sql.date(c.validUntil)])),
    );
    await this.sql.insertRows(
      'directory_memberships',
      ['user_id', 'group_id'],
      users.flatMap((u) => [...new Set(u.memberships)].map((groupId) => [u.id, groupId])),
    );
    await this.sql.insertRows(
      'directory_delegates',
      ['owner_id', 'delegate_kind', 'delegate_id', 'delegate_key'],
      users.flatMap((u) => uniqueDelegates(u.delegates).map((d) => [u.id, d.kind, d.id, ''])),
    );
  }

  /** Store re-resolved group names; users with the same result share one statement. */
  async setGroupsOf(updates: Array<{ id: string; groups: ResolvedGroups }>): Promise<void> {
    const byResult = new Map<string, { names: string; ids: string; users: string[] }>();
    for (const { id, groups } of updates) {
      const names = JSON.stringify(groups.names);
      const ids = JSON.stringify(groups.ids);
      const key = `${names}\n${ids}`;
      const entry = byResult.get(key) ?? { names, ids, users: [] };
      entry.users.push(id);
      byResult.set(key, entry);
    }
    for (const { names, ids, users } of byResult.values()) {
      await this.sql.eachIn(
        'UPDATE directory_users SET user_groups = ?, group_ids = ? WHERE id IN (?)',
        users,
        [names, ids],
      );
    }
  }

  /**
   * End a snapshot: remove users and groups it did not write. Returns the ids of the groups removed and of the
   * remaining users who were members of one of them.
   */
  async sweep(): Promise<{ groups: string[]; members: string[] }> {
    const stale = 'SELECT id FROM directory_users WHERE snapshot_mark <> ?';
    for (const table of ['directory_user_cards', 'directory_memberships']) {
      await this.sql.query(`DELETE FROM ${table} WHERE user_id IN (${stale})`, [this.mark]);
    }
    await this.sql.query(`DELETE FROM directory_delegates WHERE owner_id IN (${stale})`, [this.mark]);
    await this.sql.query('DELETE FROM directory_users WHERE snapshot_mark <> ?', [this.mark]);
    const groups = await this.sql.query<Array<{ id: string }>>(
      'SELECT id FROM directory_groups WHERE snapshot_mark <> ?',
      [this.mark],
    );
    const ids = groups.map((row) => row.id);
    return { groups: ids, members: await this.deleteGroups(ids) };
  }

  private userValues(u: CacheUserRow, updatedAt: SqlValue): SqlValue[] {
    return [
      u.id,
      u.username,
      usernameKey(u.username),
      JSON.stringify(u.aliases),
      u.fullName,
      u.email,
      u.language,
      u.pinKey,
      null,
      u.auth,
      JSON.stringify(u.groups.names),
      JSON.stringify(u.groups.ids),
      JSON.stringify(u.rights),
      this.sql.bool(u.keepForReprint),
      this.sql.bool(u.enabled),
      updatedAt,
      this.mark,
    ];
  }
}

/** A JSON list column's strings (anything else reads as empty). */
export function parseList(text: string | null): string[] {
  try {
    const parsed: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

function uniqueDelegates(delegates: CacheUserRow['delegates']): CacheUserRow['delegates'] {
  const seen = new Map(delegates.map((d) => [`${d.kind}:${d.id}`, d]));
  return [...seen.values()];
}
