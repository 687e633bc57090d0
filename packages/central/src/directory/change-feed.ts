/**
 * The directory's change feed, which federation uses to keep sites in step: "changes since version V" lists each
 * user or group changed after V once, with its state as it is now (or a deletion), and the version to ask from
 * next; "snapshot" is every live user and group at the current version. Sites get what they need to sign users
 * in and route delegated jobs: names, PIN and card lookup keys (never the PIN or card), groups, delegates, the
 * keep-for-reprint policy. Deleted and anonymised users travel as deletions.
 */
import { In, Not, type DataSource, type EntityManager } from 'typeorm';
import { DirectoryGroupEntity } from './directory-group.entity';
import { DirectoryUserEntity } from './directory-user.entity';
import { type DirectoryRepository } from './directory.repository';

/** A user as sites receive it. */
export interface UserRecord {
  id: string;
  username: string;
  aliases: string[];
  fullName: string;
  email: string;
  language: string | null;
  pinKey: string | null;
  cards: Array<{ key: string; validUntil: string | null }>;
  groups: string[];
  delegates: Array<{ kind: 'user' | 'group'; id: string }>;
  keepForReprint: boolean;
  state: 'active' | 'disabled';
  /** `local`, or `ldap:NAME` for users who sign in by binding to their source. */
  auth: string;
}

/** A group as sites receive it. */
export interface GroupRecord {
  id: string;
  name: string;
  parentId: string | null;
}

/** One change: the entity as it is now, or its deletion. */
export type DirectoryChange =
  | { kind: 'user'; id: string; op: 'upsert'; user: UserRecord }
  | { kind: 'group'; id: string; op: 'upsert'; group: GroupRecord }
  | { kind: 'user' | 'group'; id: string; op: 'delete' };

/** A page of the feed. `version` is where the next page starts; `complete` is false when more follow. */
export interface ChangePage {
  version: number;
  changes: DirectoryChange[];
  complete: boolean;
}

/** Reads the change feed and snapshots. */
export class DirectoryChangeFeed {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: DirectoryRepository,
  ) {}

  /** Changes after `since`, at most `limit` change rows, each entity once with its current state. */
  async changesSince(since: number, limit = 1000): Promise<ChangePage> {
    return this.dataSource.transaction(async (tx) => {
      const rows = await this.repository.changesSince(tx, since, limit);
      const version =
        rows.length > 0 ? rows[rows.length - 1].version : await this.repository.currentVersion(tx);
      const latest = new Map<string, (typeof rows)[number]>();
      for (const row of rows) latest.set(`${row.entityKind}:${row.entityId}`, row);
      const userIds = [...latest.values()].filter((r) => r.entityKind === 'user').map((r) => r.entityId);
      const groupIds = [...latest.values()].filter((r) => r.entityKind === 'group').map((r) => r.entityId);
      const users = new Map((await this.userRecords(tx, userIds)).map((u) => [u.id, u]));
      const groups = new Map((await this.groupRecords(tx, groupIds)).map((g) => [g.id, g]));
      const changes: DirectoryChange[] = [...latest.values()].map((row) => {
        const user = users.get(row.entityId);
        const group = groups.get(row.entityId);
        if (row.entityKind === 'user' && user) return { kind: 'user', id: row.entityId, op: 'upsert', user };
        if (row.entityKind === 'group' && group)
          return { kind: 'group', id: row.entityId, op: 'upsert', group };
        return { kind: row.entityKind, id: row.entityId, op: 'delete' };
      });
      return { version, changes, complete: rows.length < limit };
    });
  }

  /** Every live user and group, and the version they are at. */
  async snapshot(): Promise<{ version: number; users: UserRecord[]; groups: GroupRecord[] }> {
    return this.dataSource.transaction(async (tx) => {
      const version = await this.repository.currentVersion(tx);
      const ids = await tx.find(DirectoryUserEntity, {
        select: { id: true },
        where: { state: Not('deleted'), system: false },
      });
      const groups = await this.groupRecords(tx, null);
      return {
        version,
        users: await this.userRecords(
          tx,
          ids.map((row) => row.id),
        ),
        groups,
      };
    });
  }

  /** Records of the live users among `ids`. */
  private async userRecords(tx: EntityManager, ids: string[]): Promise<UserRecord[]> {
    const records: UserRecord[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const users = await tx.findBy(DirectoryUserEntity, { id: In(chunk), state: Not('deleted') });
      const [cards, memberships, delegates, names] = await Promise.all([
        this.repository.cardsOf(tx, chunk),
        this.repository.membershipsOf(tx, chunk),
        this.repository.delegatesOf(tx, chunk),
        this.repository.namesOf(tx, chunk),
      ]);
      for (const user of users) {
        records.push({
          id: user.id,
          username: user.username,
          aliases: names.filter((n) => n.userId === user.id && n.kind === 'alias').map((n) => n.name),
          fullName: user.fullName,
          email: user.email,
          language: user.language,
          pinKey: user.pinKey,
          cards: cards
            .filter((c) => c.userId === user.id)
            .map((c) => ({ key: c.cardKey, validUntil: c.validUntil?.toISOString() ?? null })),
          groups: memberships.filter((m) => m.userId === user.id).map((m) => m.groupId),
          delegates: delegates
            .filter((d) => d.userId === user.id)
            .map((d) => ({ kind: d.kind, id: d.delegateId })),
          keepForReprint: user.keepForReprint,
          state: user.state === 'disabled' ? 'disabled' : 'active',
          auth: user.source.startsWith('ldap:') ? user.source : 'local',
        });
      }
    }
    return records;
  }

  /** Records of the groups among `ids` (null: every group). */
  private async groupRecords(tx: EntityManager, ids: string[] | null): Promise<GroupRecord[]> {
    const groups =
      ids === null
        ? await tx.find(DirectoryGroupEntity)
        : ids.length === 0
          ? []
          : await tx.findBy(DirectoryGroupEntity, { id: In(ids) });
    return groups.map((group) => ({ id: group.id, name: group.name, parentId: group.parentId }));
  }
}
