/** DB access for the directory cache; every method takes an optional EntityManager to join a transaction. */
import { In, type DataSource, type EntityManager } from 'typeorm';
import { DirectoryDelegateEntity, DirectoryUserEntity } from './directory-user.entity';

/** The lower-cased username users are unique and looked up by. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

/** Reads and writes `directory_users` and `directory_delegates`. */
export class DirectoryRepository {
  constructor(private readonly dataSource: DataSource) {}

  private manager(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** Run `fn` in a transaction. */
  transaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  /** A user by username in any case, or null. */
  findByUsername(username: string, manager?: EntityManager): Promise<DirectoryUserEntity | null> {
    return this.manager(manager).findOneBy(DirectoryUserEntity, { usernameKey: usernameKey(username) });
  }

  /** A user by PIN lookup key, or null. */
  findByPinKey(pinKey: string, manager?: EntityManager): Promise<DirectoryUserEntity | null> {
    return this.manager(manager).findOneBy(DirectoryUserEntity, { pinKey });
  }

  /** A user by card lookup key, or null. */
  findByCardKey(cardKey: string, manager?: EntityManager): Promise<DirectoryUserEntity | null> {
    return this.manager(manager).findOneBy(DirectoryUserEntity, { cardKey });
  }

  /** Insert or replace a user (by username key), and replace their delegates. */
  async save(
    user: DirectoryUserEntity,
    delegates: Array<Pick<DirectoryDelegateEntity, 'kind' | 'key'>>,
    manager?: EntityManager,
  ): Promise<void> {
    const run = async (tx: EntityManager) => {
      await tx.delete(DirectoryUserEntity, { usernameKey: user.usernameKey });
      await tx.insert(DirectoryUserEntity, user);
      await tx.delete(DirectoryDelegateEntity, { ownerKey: user.usernameKey });
      const rows = delegates.map((d) => ({ ownerKey: user.usernameKey, kind: d.kind, key: d.key }));
      if (rows.length > 0) await tx.insert(DirectoryDelegateEntity, rows);
    };
    await (manager ? run(manager) : this.transaction(run));
  }

  /** The username keys of the users who made `user` (or one of `groups`) their delegate. */
  async delegatorKeys(
    userKey: string,
    groups: readonly string[],
    manager?: EntityManager,
  ): Promise<string[]> {
    const byUser = await this.manager(manager).findBy(DirectoryDelegateEntity, {
      kind: 'user',
      key: userKey,
    });
    const byGroup =
      groups.length === 0
        ? []
        : await this.manager(manager).findBy(DirectoryDelegateEntity, {
            kind: 'group',
            key: In([...groups]),
          });
    return [...new Set([...byUser, ...byGroup].map((row) => row.ownerKey))];
  }

  /** The users with these username keys. */
  findByKeys(keys: readonly string[], manager?: EntityManager): Promise<DirectoryUserEntity[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.manager(manager).findBy(DirectoryUserEntity, { usernameKey: In([...keys]) });
  }
}
