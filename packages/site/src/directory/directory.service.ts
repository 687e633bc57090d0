/**
 * The site's directory cache as the release side uses it: finding the user behind a PIN, a card or a username
 * and password, and who may release whose jobs. `saveUser` is how the cache is filled (by federation from
 * central; by an admin or a test on a standalone site): it turns PINs and cards into lookup keys and passwords
 * into scrypt hashes before anything is stored.
 */
import { type EntityManager } from 'typeorm';
import { hashPassword, newId, verifyPassword } from '@quire/common';
import { type DirectoryUserEntity } from './directory-user.entity';
import { usernameKey, type DirectoryRepository } from './directory.repository';
import { type LookupKeys } from '@quire/common';

/** A user as given to the cache, with clear-text secrets that are never stored as such. */
export interface DirectoryUserInput {
  username: string;
  fullName?: string;
  email?: string;
  pin?: string | null;
  card?: string | null;
  password?: string | null;
  groups?: string[];
  /** The print-job policy "Keep jobs for reprint"; default false, as central's default policy. */
  keepForReprint?: boolean;
  enabled?: boolean;
  /** Users (`user:NAME` or just `NAME`) and groups (`group:NAME`) who may release this user's delegated jobs. */
  delegates?: string[];
}

/** Directory look-ups and cache filling. */
export class DirectoryService {
  constructor(
    private readonly repository: DirectoryRepository,
    readonly lookupKeys: LookupKeys,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Store a user (replacing one of the same username), with their delegates. */
  async saveUser(input: DirectoryUserInput, manager?: EntityManager): Promise<DirectoryUserEntity> {
    const user: DirectoryUserEntity = {
      id: newId(),
      username: input.username,
      usernameKey: usernameKey(input.username),
      fullName: input.fullName ?? input.username,
      email: input.email ?? '',
      pinKey: input.pin ? this.lookupKeys.pin(input.pin) : null,
      cardKey: input.card ? this.lookupKeys.card(input.card) : null,
      passwordHash: input.password ? await hashPassword(input.password) : null,
      groups: input.groups ?? [],
      keepForReprint: input.keepForReprint ?? false,
      enabled: input.enabled ?? true,
      updatedAt: this.now(),
    };
    const delegates = (input.delegates ?? []).map((entry) => {
      const [kind, name] = entry.startsWith('group:')
        ? (['group', entry.slice(6)] as const)
        : (['user', usernameKey(entry.replace(/^user:/, ''))] as const);
      return { kind, key: name };
    });
    await this.repository.save(user, delegates, manager);
    return user;
  }

  /** The enabled user with this PIN, or null. */
  async byPin(pin: string): Promise<DirectoryUserEntity | null> {
    return enabledOnly(await this.repository.findByPinKey(this.lookupKeys.pin(pin)));
  }

  /** The enabled user with this card, or null. */
  async byCard(card: string): Promise<DirectoryUserEntity | null> {
    return enabledOnly(await this.repository.findByCardKey(this.lookupKeys.card(card)));
  }

  /** The enabled user with this username and password, or null (a user without a password never matches). */
  async byPassword(username: string, password: string): Promise<DirectoryUserEntity | null> {
    const user = enabledOnly(await this.repository.findByUsername(username));
    if (!user?.passwordHash) return null;
    return (await verifyPassword(password, user.passwordHash)) ? user : null;
  }

  /** A user by username in any case, or null. */
  byUsername(username: string): Promise<DirectoryUserEntity | null> {
    return this.repository.findByUsername(username);
  }

  /** The usernames of the users whose delegated jobs `user` may see and release. */
  async delegatorsOf(user: DirectoryUserEntity): Promise<string[]> {
    const keys = await this.repository.delegatorKeys(user.usernameKey, user.groups);
    const owners = await this.repository.findByKeys(keys.filter((key) => key !== user.usernameKey));
    return owners.map((owner) => owner.username);
  }
}

function enabledOnly(user: DirectoryUserEntity | null): DirectoryUserEntity | null {
  return user?.enabled ? user : null;
}
