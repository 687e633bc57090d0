/**
 * Database access for `users`. Every method takes an optional EntityManager so a caller can run it inside its
 * own transaction; without one it runs on the DataSource's default manager.
 */
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { newId } from '../ids';
import { UserEntity } from './user.entity';

/** What it takes to create a user; everything else starts at its neutral value. */
export interface NewUser {
  username: string;
  displayName: string;
  email?: string | null;
  passwordHash: string | null;
  isAdmin: boolean;
  disabled?: boolean;
}

/** Reads and writes `users` rows. */
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<UserEntity> {
    return (manager ?? this.dataSource.manager).getRepository(UserEntity);
  }

  /** Run `fn` in a transaction on this repository's database. */
  transaction<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  /** Number of users; zero means the server has never been set up. */
  count(manager?: EntityManager): Promise<number> {
    return this.repo(manager).count();
  }

  /** The user with exactly this user name, if any. */
  findByUsername(username: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.repo(manager).findOneBy({ username });
  }

  /** The user with this id, if any. */
  findById(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /** Insert a user and return the stored row. */
  async create(input: NewUser, now: Date, manager?: EntityManager): Promise<UserEntity> {
    const user = this.repo(manager).create({
      id: newId(),
      username: input.username,
      displayName: input.displayName,
      email: input.email ?? null,
      passwordHash: input.passwordHash,
      isAdmin: input.isAdmin,
      disabled: input.disabled ?? false,
      failedLoginCount: 0,
      lockedUntil: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.repo(manager).insert(user);
    return user;
  }

  /**
   * Count one more failed login and return the new count. The increment happens in SQL so concurrent attempts
   * against one account cannot lose updates and slip past the lockout threshold.
   */
  async incrementFailedLogins(id: string, now: Date, manager?: EntityManager): Promise<number> {
    await this.repo(manager)
      .createQueryBuilder()
      .update(UserEntity)
      .set({ failedLoginCount: () => 'failed_login_count + 1', updatedAt: now })
      .where('id = :id', { id })
      .execute();
    const row = await this.repo(manager).findOne({
      where: { id },
      select: { id: true, failedLoginCount: true },
    });
    return row?.failedLoginCount ?? 0;
  }

  /** Lock the account until `until`. */
  async lockUntil(id: string, until: Date, now: Date, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, { lockedUntil: until, updatedAt: now });
  }

  /** Forget failed logins and any lock, after a successful login or when a lock has run out. */
  async clearFailedLogins(id: string, now: Date, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, { failedLoginCount: 0, lockedUntil: null, updatedAt: now });
  }
}
