/**
 * The site's directory cache as the release side uses it: finding the user behind a PIN, a card or a username
 * and password, and who may release whose jobs. Disabled users are found by name (their jobs still have an
 * owner) but never sign in; a card past its end of validity does not sign anyone in.
 *
 * Central fills the cache through federation (federation/directory-sink.ts). `saveUser` is the standalone
 * site's way (the REST API, tests): it turns PINs and cards into lookup keys and passwords into scrypt hashes
 * before anything is stored, and refuses a PIN or card another user holds.
 */
import { type EntityManager } from 'typeorm';
import { ErrorCode, hashPassword, newId, QuireError, verifyPassword, type LookupKeys } from '@quire/common';
import { type DirectoryUserEntity } from './directory-user.entity';
import { usernameKey, type DirectoryRepository, type NamedDelegate } from './directory.repository';

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

/** Directory look-ups and standalone cache filling. */
export class DirectoryService {
  constructor(
    private readonly repository: DirectoryRepository,
    readonly lookupKeys: LookupKeys,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Store a user, replacing the one of the same username (in any case, the exact case first), with their
   * delegates. CONFLICT (naming the field) when another user holds the PIN or the card.
   */
  async saveUser(input: DirectoryUserInput, manager?: EntityManager): Promise<DirectoryUserEntity> {
    const pinKey = input.pin ? this.lookupKeys.pin(input.pin) : null;
    const cardKey = input.card ? this.lookupKeys.card(input.card) : null;
    const passwordHash = input.password ? await hashPassword(input.password) : null;
    return this.repository.transaction(async (tx) => {
      const existing = await this.repository.findByUsername(input.username, tx);
      const id = existing?.id ?? newId();
      await this.assertKeysFree(id, pinKey, cardKey, tx);
      const user: DirectoryUserEntity = {
        id,
        username: input.username,
        usernameKey: usernameKey(input.username),
        aliases: [],
        fullName: input.fullName ?? input.username,
        email: input.email ?? '',
        language: null,
        pinKey,
        passwordHash,
        auth: 'local',
        groups: input.groups ?? [],
        groupIds: [],
        rights: [],
        keepForReprint: input.keepForReprint ?? false,
        enabled: input.enabled ?? true,
        updatedAt: this.now(),
      };
      await this.repository.save(user, cardKey, (input.delegates ?? []).map(namedDelegate), tx);
      return user;
    }, manager);
  }

  /** The enabled user with this PIN, or null. */
  async byPin(pin: string): Promise<DirectoryUserEntity | null> {
    return enabledOnly(await this.repository.findByPinKey(this.lookupKeys.pin(pin)));
  }

  /** The enabled user with this card, or null; a card past its `valid_until` matches nobody. */
  async byCard(card: string): Promise<DirectoryUserEntity | null> {
    const found = await this.repository.findCard(this.lookupKeys.card(card));
    if (!found || (found.validUntil !== null && found.validUntil.getTime() <= this.now().getTime()))
      return null;
    return enabledOnly(found.user);
  }

  /** The enabled user with this username and password, or null (a user without a password never matches). */
  async byPassword(username: string, password: string): Promise<DirectoryUserEntity | null> {
    const user = enabledOnly(await this.repository.findByUsername(username));
    if (!user?.passwordHash) return null;
    return (await verifyPassword(password, user.passwordHash)) ? user : null;
  }

  /** A user by username in any case (the exact case first), or null. */
  byUsername(username: string): Promise<DirectoryUserEntity | null> {
    return this.repository.findByUsername(username);
  }

  /** The usernames of the users whose delegated jobs `user` may see and release. */
  async delegatorsOf(user: DirectoryUserEntity): Promise<string[]> {
    const ids = await this.repository.delegatorIds(user);
    const owners = await this.repository.findByIds(ids.filter((id) => id !== user.id));
    return owners.map((owner) => owner.username);
  }

  private async assertKeysFree(
    userId: string,
    pinKey: string | null,
    cardKey: string | null,
    tx: EntityManager,
  ): Promise<void> {
    const pinHolder = pinKey ? await this.repository.findByPinKey(pinKey, tx) : null;
    if (pinHolder && pinHolder.id !== userId) throw taken('pin', 'PIN');
    const card = cardKey ? await this.repository.findCard(cardKey, tx) : null;
    if (card && card.user.id !== userId) throw taken('card', 'card');
  }
}

function taken(field: 'pin' | 'card', what: string): QuireError {
  return new QuireError(ErrorCode.Conflict, `This ${what} already belongs to another user`, {
    details: { field },
  });
}

/** `group:NAME` is a group; `user:NAME` or a bare name is a user, held by username key. */
function namedDelegate(entry: string): NamedDelegate {
  return entry.startsWith('group:')
    ? { kind: 'group', key: entry.slice(6) }
    : { kind: 'user', key: usernameKey(entry.replace(/^user:/, '')) };
}

function enabledOnly(user: DirectoryUserEntity | null): DirectoryUserEntity | null {
  return user?.enabled ? user : null;
}
