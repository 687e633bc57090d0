/**
 * The directory's change feed, which federation uses to keep sites in step: "changes since version V" lists each
 * user or group changed after V once, with its state as it is now (or a deletion), and the version to ask from
 * next; "snapshot" is every live user and group at the current version. Sites get what they need to sign users
 * in and route delegated jobs: names, PIN and card lookup keys (never the PIN or card), groups, delegates,
 * rights, the keep-for-reprint policy. Deleted, anonymised and system users travel as deletions (sites have no
 * use for central's built-in accounts).
 *
 * The records are @quire/shared-proto's, the contract both tiers compile against. Building them groups every
 * list by user id once (Maps), so a snapshot of 100,000 users costs a handful of table reads, not a scan of the
 * whole list per user.
 */
import { In, Not, type DataSource, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import type { DirectoryChange, GroupRecord, UserRecord } from '@quire/shared-proto';
import {
  DirectoryDelegateEntity,
  DirectoryGroupEntity,
  DirectoryMembershipEntity,
  DirectoryRightEntity,
} from './directory-group.entity';
import { DirectoryCardEntity, DirectoryNameEntity, DirectoryUserEntity } from './directory-user.entity';
import { type DirectoryRepository } from './directory.repository';

export type { DirectoryChange, GroupRecord, UserRecord } from '@quire/shared-proto';

/** A page of the feed. `version` is where the next page starts; `complete` is false when more follow. */
export interface ChangePage {
  version: number;
  changes: DirectoryChange[];
  complete: boolean;
}

/** Users read per query when the feed builds the records of a page. */
const CHUNK = 1000;

/** The user columns a record needs. */
const USER_FIELDS = [
  'id',
  'username',
  'fullName',
  'email',
  'language',
  'pinKey',
  'keepForReprint',
  'state',
  'source',
] as const satisfies ReadonlyArray<keyof DirectoryUserEntity>;

type UserFields = Pick<DirectoryUserEntity, (typeof USER_FIELDS)[number]>;

/** The lists that live beside a user row, as read for some users (or all of them). */
interface UserLists {
  cards: Array<Pick<DirectoryCardEntity, 'cardKey' | 'userId' | 'validUntil'>>;
  memberships: Array<Pick<DirectoryMembershipEntity, 'userId' | 'groupId'>>;
  delegates: Array<Pick<DirectoryDelegateEntity, 'userId' | 'kind' | 'delegateId'>>;
  aliases: Array<Pick<DirectoryNameEntity, 'userId' | 'name'>>;
  rights: Array<Pick<DirectoryRightEntity, 'subjectId' | 'right'>>;
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

  /**
   * Every live user and group, and the version they are at (one transaction, so one consistent state). The
   * tables are read whole with plain SELECTs of the columns records need: TypeORM's entity hydration was most
   * of the time a 100,000-user snapshot took.
   */
  async snapshot(): Promise<{ version: number; users: UserRecord[]; groups: GroupRecord[] }> {
    return this.dataSource.transaction(async (tx) => {
      const version = await this.repository.currentVersion(tx);
      const users = (await plainRows(tx, DirectoryUserEntity, USER_FIELDS, { system: false })).filter(
        (user) => user.state !== 'deleted',
      );
      const [cards, memberships, delegates, aliases, rights] = await Promise.all([
        plainRows(tx, DirectoryCardEntity, ['cardKey', 'userId', 'validUntil']),
        plainRows(tx, DirectoryMembershipEntity, ['userId', 'groupId']),
        plainRows(tx, DirectoryDelegateEntity, ['userId', 'kind', 'delegateId']),
        plainRows(tx, DirectoryNameEntity, ['userId', 'name'], { kind: 'alias' }),
        plainRows(tx, DirectoryRightEntity, ['subjectId', 'right'], { subjectKind: 'user' }),
      ]);
      const groups = await this.groupRecords(tx, null);
      return {
        version,
        users: toUserRecords(users, { cards, memberships, delegates, aliases, rights }),
        groups,
      };
    });
  }

  /** Records of the live, non-system users among `ids`. */
  private async userRecords(tx: EntityManager, ids: string[]): Promise<UserRecord[]> {
    const records: UserRecord[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const users = await tx.findBy(DirectoryUserEntity, {
        id: In(chunk),
        state: Not('deleted'),
        system: false,
      });
      const [cards, memberships, delegates, names, rights] = await Promise.all([
        this.repository.cardsOf(tx, chunk),
        this.repository.membershipsOf(tx, chunk),
        this.repository.delegatesOf(tx, chunk),
        this.repository.namesOf(tx, chunk),
        tx.findBy(DirectoryRightEntity, { subjectKind: 'user', subjectId: In(chunk) }),
      ]);
      const aliases = names.filter((name) => name.kind === 'alias');
      records.push(...toUserRecords(users, { cards, memberships, delegates, aliases, rights }));
    }
    return records;
  }

  /** Records of the groups among `ids` (null: every group), with the rights granted to each. */
  private async groupRecords(tx: EntityManager, ids: string[] | null): Promise<GroupRecord[]> {
    if (ids !== null && ids.length === 0) return [];
    const groups =
      ids === null
        ? await tx.find(DirectoryGroupEntity)
        : await tx.findBy(DirectoryGroupEntity, { id: In(ids) });
    const rights = await tx.findBy(DirectoryRightEntity, {
      subjectKind: 'group',
      ...(ids === null ? {} : { subjectId: In(ids) }),
    });
    const rightsOf = groupBy(rights, (row) => row.subjectId);
    return groups.map((group) => ({
      id: group.id,
      name: group.name,
      parentId: group.parentId,
      rights: (rightsOf.get(group.id) ?? []).map((row) => row.right).sort(),
    }));
  }
}

/** The records of `users`, their lists looked up by user id. */
function toUserRecords(users: UserFields[], lists: UserLists): UserRecord[] {
  const cards = groupBy(lists.cards, (card) => card.userId);
  const memberships = groupBy(lists.memberships, (m) => m.userId);
  const delegates = groupBy(lists.delegates, (d) => d.userId);
  const aliases = groupBy(lists.aliases, (name) => name.userId);
  const rights = groupBy(lists.rights, (row) => row.subjectId);
  return users.map((user) => ({
    id: user.id,
    username: user.username,
    aliases: (aliases.get(user.id) ?? []).map((name) => name.name).sort(),
    fullName: user.fullName,
    email: user.email,
    language: user.language,
    pinKey: user.pinKey,
    cards: (cards.get(user.id) ?? []).map((c) => ({
      key: c.cardKey,
      validUntil: c.validUntil?.toISOString() ?? null,
    })),
    groups: (memberships.get(user.id) ?? []).map((m) => m.groupId),
    delegates: (delegates.get(user.id) ?? []).map((d) => ({ kind: d.kind, id: d.delegateId })),
    keepForReprint: user.keepForReprint,
    state: user.state === 'disabled' ? 'disabled' : 'active',
    auth: user.source.startsWith('ldap:') ? user.source : 'local',
    rights: (rights.get(user.id) ?? []).map((row) => row.right).sort(),
  }));
}

/**
 * The rows of `entity`'s table matching every equality in `where`, with only `fields`, each value converted as
 * TypeORM converts it when it hydrates an entity (booleans, datetimes) and left as the driver gave it otherwise.
 */
async function plainRows<E extends ObjectLiteral, K extends keyof E & string>(
  tx: EntityManager,
  entity: EntityTarget<E>,
  fields: readonly K[],
  where: Partial<Pick<E, keyof E & string>> = {},
): Promise<Array<Pick<E, K>>> {
  const metadata = tx.connection.getMetadata(entity);
  const driver = tx.connection.driver;
  const column = (property: string) => {
    const found = metadata.findColumnWithPropertyName(property);
    if (!found) throw new Error(`${metadata.tableName} has no column for ${property}`);
    return found;
  };
  const columns = fields.map((field) => column(field));
  const conditions = Object.keys(where).map((property) => column(property));
  const sql =
    `SELECT ${columns.map((c) => driver.escape(c.databaseName)).join(', ')} ` +
    `FROM ${driver.escape(metadata.tableName)}` +
    (conditions.length > 0
      ? ` WHERE ${conditions.map((c) => `${driver.escape(c.databaseName)} = ?`).join(' AND ')}`
      : '');
  const params = conditions.map((c) => driver.preparePersistentValue(where[c.propertyName], c) as unknown);
  const raw = (await tx.query(sql, params)) as Array<Record<string, unknown>>;
  const converted = columns.map((c) => c.type === 'boolean' || c.type === 'datetime' || c.transformer);
  return raw.map((row) => {
    const record: Record<string, unknown> = {};
    columns.forEach((c, i) => {
      const value = row[c.databaseName];
      record[c.propertyName] = converted[i] ? driver.prepareHydratedValue(value, c) : value;
    });
    return record as Pick<E, K>;
  });
}

/** `rows` grouped by `key`, each group in the rows' order. */
function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const id = key(row);
    const list = groups.get(id);
    if (list) list.push(row);
    else groups.set(id, [row]);
  }
  return groups;
}
