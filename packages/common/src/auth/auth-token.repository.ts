/**
 * Database access for `auth_tokens`. Tokens are looked up by the SHA-256 of the bearer value; the value itself
 * never reaches this layer's storage.
 */
import { LessThanOrEqual, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { newId } from '../ids';
import { AuthTokenEntity } from './auth-token.entity';

/** What it takes to store a new token. */
export interface NewAuthToken {
  tokenHash: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  remoteAddr: string;
}

/** Reads and writes `auth_tokens` rows. */
export class AuthTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<AuthTokenEntity> {
    return (manager ?? this.dataSource.manager).getRepository(AuthTokenEntity);
  }

  /** Store a token and return the row. */
  async create(input: NewAuthToken, manager?: EntityManager): Promise<AuthTokenEntity> {
    const token = this.repo(manager).create({ id: newId(), lastUsedAt: null, ...input });
    await this.repo(manager).insert(token);
    return token;
  }

  /** The token with this hash, if any (expired or not: the caller decides). */
  findByHash(tokenHash: string, manager?: EntityManager): Promise<AuthTokenEntity | null> {
    return this.repo(manager).findOneBy({ tokenHash });
  }

  /** Record use of a token. */
  async touch(id: string, at: Date, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, { lastUsedAt: at });
  }

  /** Delete the token with this hash; true when there was one. */
  async deleteByHash(tokenHash: string, manager?: EntityManager): Promise<boolean> {
    const result = await this.repo(manager).delete({ tokenHash });
    return (result.affected ?? 0) > 0;
  }

  /** Delete one token by id. */
  async deleteById(id: string, manager?: EntityManager): Promise<void> {
    await this.repo(manager).delete({ id });
  }

  /** Delete every token that expired at or before `now`; returns how many went. */
  async deleteExpired(now: Date, manager?: EntityManager): Promise<number> {
    const result = await this.repo(manager).delete({ expiresAt: LessThanOrEqual(now) });
    return result.affected ?? 0;
  }

  /** Revoke every session of a user, e.g. when the account is disabled or its password changes. */
  async deleteForUser(userId: string, manager?: EntityManager): Promise<number> {
    const result = await this.repo(manager).delete({ userId });
    return result.affected ?? 0;
  }
}
