/**
 * DB access for the directory cache's look-ups (by PIN, card, username, delegation) and for the one-user writes
 * of a standalone site. The bulk writes of federation are in directory-cache-writer.ts. Every method takes an
 * optional EntityManager to join a transaction.
 */
import { In, type DataSource, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { CacheSql } from './directory-cache-sql';
import { DirectoryDelegateEntity, DirectoryUserEntity } from './directory-user.entity';

/** The lower-cased username users are looked up by. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

/** A standalone site's delegate: by username key or group name. */
export type NamedDelegate = Pick<DirectoryDelegateEntity, 'kind' | 'key'>;

/** Reads the directory cache, and writes single users for standalone sites. */
export class DirectoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  private manager(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** Run `fn` in a transaction (joining `manager`'s when it is inside one). */
  transaction<T>(fn: (manager: EntityManager) => Promise<T>, manager?: EntityManager): Promise<T> {
    return manager?.queryRunner?.isTransactionActive ? fn(manager) : this.dataSource.transaction(fn);
  }

  /** A user by id, or null. */
  findById(id: string, manager?: EntityManager): Promise<DirectoryUserEntity | null> {
    return this.manager(manager).findOneBy(DirectoryUserEntity, { id });
  }

  /**
   * A user by username in any case, or null. When several users' names differ only by case, the one written
   * exactly as asked wins, else the first by id (so the answer never changes between calls).
   */
  async findByUsername(username: string, manager?: EntityManager): Promise<DirectoryUserEntity | null> {
    const users = await this.manager(manager).find(DirectoryUserEntity, {
      where: { usernameKey: usernameKey(username) },
      order: { id: 'ASC' },
    });
    return users.find((user) => user.username === username) ?? users[0] ?? null;
  }

  /** A user by PIN lookup key, or null. */
  findByPinKey(pinKey: string, manager?: EntityManager): Promise<DirectoryUserEntity | null> {
    return this.manager(manager).findOneBy(DirectoryUserEntity, { pinKey });
  }

  /** The holder of a card and the card's end of validity, or null when no user holds it. */
  async findCard(
    cardKey: string,
    manager?: EntityManager,
  ): Promise<{ user: DirectoryUserEntity; validUntil: Date | null } | null> {
    const sql = new CacheSql(this.manager(manager));
    const [card] = await sql.query<Array<{ user_id: string; valid_until: unknown }>>(
      'SELECT user_id, valid_until FROM directory_user_cards WHERE card_key = ?',
      [cardKey],
    );
    const user = card ? await this.findById(card.user_id, manager) : null;
    return user ? { user, validUntil: sql.readDate(card.valid_until) } : null;
  }

  /**
   * Store a standalone site's user: replaces the row of `user.id` with its card (if any) and its delegates
   * (by name). Joins `manager`'s transaction when there is one.
   */
  async save(
    user: DirectoryUserEntity,
    cardKey: string | null,
    delegates: NamedDelegate[],
    manager?: EntityManager,
  ): Promise<void> {
    await this.transaction(async (tx) => {
      const sql = new CacheSql(tx);
      for (const [table, column] of [
        ['directory_user_cards', 'user_id'],
        ['directory_memberships', 'user_id'],
        ['directory_delegates', 'owner_id'],
        ['directory_users', 'id'],
      ]) {
        await sql.query(`DELETE FROM ${table} WHERE ${column} = ?`, [user.id]);
      }
      await tx.insert(DirectoryUserEntity, user);
      if (cardKey) {
        await sql.insertRows(
          'directory_user_cards',
          ['card_key', 'user_id', 'valid_until'],
          [[cardKey, user.id, null]],
        );
      }
      const rows = uniqueBy(delegates, (d) => `${d.kind}:${d.key}`).map((d) => ({
        ownerId: user.id,
        kind: d.kind,
        delegateId: '',
        key: d.key,
      }));
      if (rows.length > 0) await tx.insert(DirectoryDelegateEntity, rows);
    }, manager);
  }

  /**
   * The ids of the users who made `user` their delegate: by id (central's delegates) or by username key
   * (a standalone site's), or who delegated to one of the user's groups, by id or by name.
   */
  async delegatorIds(user: DirectoryUserEntity, manager?: EntityManager): Promise<string[]> {
    const where: Array<FindOptionsWhere<DirectoryDelegateEntity>> = [
      { kind: 'user', delegateId: user.id },
      { kind: 'user', delegateId: '', key: user.usernameKey },
    ];
    if (user.groupIds.length > 0) where.push({ kind: 'group', delegateId: In(user.groupIds) });
    if (user.groups.length > 0) where.push({ kind: 'group', delegateId: '', key: In(user.groups) });
    const rows = await this.manager(manager).find(DirectoryDelegateEntity, { where });
    return [...new Set(rows.map((row) => row.ownerId))];
  }

  /** The users with these ids. */
  findByIds(ids: readonly string[], manager?: EntityManager): Promise<DirectoryUserEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.manager(manager).findBy(DirectoryUserEntity, { id: In([...ids]) });
  }
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...new Map(items.map((item) => [key(item), item])).values()];
}
