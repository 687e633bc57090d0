/**
 * Directory users: creating, changing, finding and listing them, soft deletion and its undoing, and GDPR
 * anonymisation. Names (username and aliases) share one case-sensitive namespace; PINs and cards are stored as
 * HMAC lookup keys only, and a PIN or card already in use elsewhere is refused without saying whose it is.
 * Every change bumps the directory version and writes a change-feed row in the same transaction.
 */
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import {
  ErrorCode,
  hashPassword,
  newId,
  QuireError,
  withinTransaction,
  type LookupKeys,
} from '@quire/common';
import {
  DirectoryDelegateEntity,
  DirectoryGroupEntity,
  DirectoryMembershipEntity,
} from './directory-group.entity';
import { DirectoryCardEntity, DirectoryNameEntity, DirectoryUserEntity } from './directory-user.entity';
import { nameKey, type DirectoryRepository, type UserQuery } from './directory.repository';
import { checkedUserInput, newUserSchema, userPatchSchema, type NewUser, type UserPatch } from './user-input';

/** Dependencies of the users service. */
export interface DirectoryUsersOptions {
  dataSource: DataSource;
  repository: DirectoryRepository;
  lookupKeys: LookupKeys;
  /** `directory.pinMinLength`. */
  pinMinLength: number;
  now?: () => Date;
}

/** A user with the lists that live in other tables. */
export interface UserDetails {
  user: DirectoryUserEntity;
  aliases: string[];
  cards: Array<{ validUntil: Date | null }>;
  groups: Array<{ groupId: string; accounting: boolean; manager: boolean }>;
  delegates: Array<{ kind: 'user' | 'group'; id: string }>;
}

/** Directory users; see the file comment. */
export class DirectoryUsersService {
  private readonly now: () => Date;

  constructor(private readonly options: DirectoryUsersOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private get repo(): DirectoryRepository {
    return this.options.repository;
  }

  private run<T>(manager: EntityManager | undefined, fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return withinTransaction(this.options.dataSource, manager, fn);
  }

  /** Create a user (`source`: manual, csv or ldap:NAME). CONFLICT for a name, PIN or card in use. */
  create(input: NewUser, source = 'manual', manager?: EntityManager): Promise<DirectoryUserEntity> {
    const checked = checkedUserInput(newUserSchema, input);
    return this.run(manager, async (tx) => {
      const at = this.now();
      const user: DirectoryUserEntity = {
        id: newId(),
        username: checked.username,
        fullName: checked.fullName,
        email: checked.email ?? '',
        personalNumber: checked.personalNumber ?? null,
        phone: checked.phone ?? null,
        language: checked.language ?? null,
        notes: checked.notes ?? '',
        pinKey: null,
        passwordHash: checked.password ? await hashPassword(checked.password) : null,
        source,
        state: checked.state ?? 'active',
        system: false,
        anonymised: false,
        keepForReprint: checked.keepForReprint ?? false,
        version: 0,
        createdAt: at,
        updatedAt: at,
      };
      await this.assertNamesFree(tx, user.id, [user.username, ...(checked.aliases ?? [])]);
      await this.assertPersonalNumberFree(tx, user.id, user.personalNumber);
      user.pinKey = await this.pinKeyFor(tx, user.id, checked.pin);
      user.version = await this.repo.recordChange(tx, 'user', user.id, 'upsert', at);
      await tx.insert(DirectoryUserEntity, user);
      await this.repo.setNames(tx, user.id, user.username, checked.aliases ?? []);
      await this.applyLists(tx, user.id, checked);
      return user;
    });
  }

  /** Change a user; lists given replace the user's whole list. NOT_FOUND, CONFLICT, VALIDATION_FAILED. */
  update(id: string, patch: UserPatch, manager?: EntityManager): Promise<DirectoryUserEntity> {
    const checked = checkedUserInput(userPatchSchema, patch);
    return this.run(manager, async (tx) => {
      const current = await this.get(id, tx);
      if (current.system || current.anonymised) {
        throw new QuireError(
          ErrorCode.Conflict,
          `User ${current.username} cannot be changed (system or anonymised)`,
        );
      }
      const aliases = checked.aliases ?? (await this.repo.aliasesOf(tx, id));
      const username = checked.username ?? current.username;
      await this.assertNamesFree(tx, id, [username, ...aliases]);
      if (checked.personalNumber !== undefined)
        await this.assertPersonalNumberFree(tx, id, checked.personalNumber);
      const changes: Partial<DirectoryUserEntity> = { updatedAt: this.now() };
      for (const key of [
        'username',
        'fullName',
        'email',
        'personalNumber',
        'phone',
        'language',
        'notes',
      ] as const) {
        if (checked[key] !== undefined) Object.assign(changes, { [key]: checked[key] });
      }
      if (checked.keepForReprint !== undefined) changes.keepForReprint = checked.keepForReprint;
      if (checked.state !== undefined && current.state !== 'deleted') changes.state = checked.state;
      if (checked.pin !== undefined) changes.pinKey = await this.pinKeyFor(tx, id, checked.pin);
      if (checked.password !== undefined) {
        changes.passwordHash = checked.password ? await hashPassword(checked.password) : null;
      }
      changes.version = await this.repo.recordChange(tx, 'user', id, 'upsert', this.now());
      await tx.update(DirectoryUserEntity, { id }, changes);
      if (checked.username !== undefined || checked.aliases !== undefined) {
        await this.repo.setNames(tx, id, username, aliases);
      }
      await this.applyLists(tx, id, checked);
      return { ...current, ...changes };
    });
  }

  /** One user, or NOT_FOUND. */
  async get(id: string, manager?: EntityManager): Promise<DirectoryUserEntity> {
    const user = await this.repo.userById(manager ?? this.options.dataSource.manager, id);
    if (!user) throw new QuireError(ErrorCode.NotFound, `No user with id ${id}`);
    return user;
  }

  /** A user with aliases, cards (validity only), groups and delegates. */
  async details(id: string): Promise<UserDetails> {
    const tx = this.options.dataSource.manager;
    const user = await this.get(id, tx);
    const [aliases, cards, groups, delegates] = await Promise.all([
      this.repo.aliasesOf(tx, id),
      this.repo.cardsOf(tx, [id]),
      this.repo.membershipsOf(tx, [id]),
      this.repo.delegatesOf(tx, [id]),
    ]);
    return {
      user,
      aliases,
      cards: cards.map((card) => ({ validUntil: card.validUntil })),
      groups: groups.map(({ groupId, accounting, manager }) => ({ groupId, accounting, manager })),
      delegates: delegates.map((d) => ({ kind: d.kind, id: d.delegateId })),
    };
  }

  /** The user owning a username or alias (exact case), or null. */
  findByName(name: string): Promise<DirectoryUserEntity | null> {
    return this.repo.userByName(this.options.dataSource.manager, name);
  }

  /** Users matching `query` (system users hidden), with the total. */
  list(query: UserQuery) {
    return this.repo.listUsers(this.options.dataSource.manager, query);
  }

  /** Soft-delete: the user is flagged deleted and leaves every group; `undelete` brings the account back. */
  remove(id: string, manager?: EntityManager): Promise<DirectoryUserEntity> {
    return this.run(manager, async (tx) => {
      const user = await this.get(id, tx);
      if (user.system) throw new QuireError(ErrorCode.Conflict, `${user.username} is a system account`);
      await tx.delete(DirectoryMembershipEntity, { userId: id });
      return this.setState(tx, user, 'deleted');
    });
  }

  /** Undo a soft delete: the user is active again, with no groups (MyQ does not restore memberships). */
  undelete(id: string, manager?: EntityManager): Promise<DirectoryUserEntity> {
    return this.run(manager, async (tx) => {
      const user = await this.get(id, tx);
      if (user.anonymised) throw new QuireError(ErrorCode.Conflict, 'An anonymised user cannot be restored');
      if (user.state !== 'deleted')
        throw new QuireError(ErrorCode.Conflict, `User ${user.username} is not deleted`);
      return this.setState(tx, user, 'active');
    });
  }

  /**
   * GDPR erasure, irreversible: every personal field is cleared, the username becomes `anonymous-<id prefix>`,
   * names, PIN, cards, password, groups and delegates go, and the user stays deleted. Job and accounting records
   * keep the id, so reports still add up.
   */
  anonymise(id: string, manager?: EntityManager): Promise<DirectoryUserEntity> {
    return this.run(manager, async (tx) => {
      const user = await this.get(id, tx);
      if (user.system) throw new QuireError(ErrorCode.Conflict, `${user.username} is a system account`);
      const username = `anonymous-${id.slice(-12)}`;
      const changes: Partial<DirectoryUserEntity> = {
        username,
        fullName: 'Anonymous',
        email: '',
        personalNumber: null,
        phone: null,
        language: null,
        notes: '',
        pinKey: null,
        passwordHash: null,
        state: 'deleted',
        anonymised: true,
        updatedAt: this.now(),
      };
      await tx.delete(DirectoryCardEntity, { userId: id });
      await tx.delete(DirectoryMembershipEntity, { userId: id });
      await tx.delete(DirectoryDelegateEntity, { userId: id });
      await this.repo.setNames(tx, id, username, []);
      changes.version = await this.repo.recordChange(tx, 'user', id, 'delete', this.now());
      await tx.update(DirectoryUserEntity, { id }, changes);
      return { ...user, ...changes };
    });
  }

  private async setState(
    tx: EntityManager,
    user: DirectoryUserEntity,
    state: DirectoryUserEntity['state'],
  ): Promise<DirectoryUserEntity> {
    const op = state === 'deleted' ? 'delete' : 'upsert';
    const version = await this.repo.recordChange(tx, 'user', user.id, op, this.now());
    await tx.update(DirectoryUserEntity, { id: user.id }, { state, version, updatedAt: this.now() });
    return { ...user, state, version };
  }

  /** CONFLICT naming the first name another user holds ("name/alias X is already used by user Y"). */
  private async assertNamesFree(tx: EntityManager, userId: string, names: string[]): Promise<void> {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name))
        throw new QuireError(ErrorCode.ValidationFailed, `The name "${name}" is given twice`);
      seen.add(name);
      const owner = await this.repo.nameOwner(tx, name);
      if (owner && owner.userId !== userId) {
        const holder = await this.repo.userById(tx, owner.userId);
        throw new QuireError(
          ErrorCode.Conflict,
          `The name/alias "${name}" is already used by user "${holder?.username ?? owner.userId}"`,
          { details: { field: 'username', name } },
        );
      }
    }
  }

  private async assertPersonalNumberFree(
    tx: EntityManager,
    userId: string,
    value: string | null,
  ): Promise<void> {
    if (!value) return;
    const other = await tx.findOneBy(DirectoryUserEntity, { personalNumber: value });
    if (other && other.id !== userId) {
      throw new QuireError(
        ErrorCode.Conflict,
        `Personal number ${value} belongs to user "${other.username}"`,
        {
          details: { field: 'personalNumber' },
        },
      );
    }
  }

  /** The lookup key of a PIN after checking its length and that nobody else has it; null clears it. */
  private async pinKeyFor(
    tx: EntityManager,
    userId: string,
    pin: string | null | undefined,
  ): Promise<string | null> {
    if (!pin) return null;
    if (pin.length < this.options.pinMinLength) {
      throw new QuireError(
        ErrorCode.ValidationFailed,
        `A PIN has at least ${this.options.pinMinLength} digits (directory.pinMinLength)`,
        { details: { fields: [{ field: 'pin', problem: 'too short' }] } },
      );
    }
    const key = this.options.lookupKeys.pin(pin);
    const other = await tx.findOneBy(DirectoryUserEntity, { pinKey: key });
    if (other && other.id !== userId) {
      throw new QuireError(ErrorCode.Conflict, 'This PIN is already in use; choose another one', {
        details: { field: 'pin' },
      });
    }
    return key;
  }

  /** Replace the cards, groups and delegates given in `input`. */
  private async applyLists(tx: EntityManager, userId: string, input: UserPatch): Promise<void> {
    if (input.cards !== undefined) await this.applyCards(tx, userId, input.cards);
    if (input.groups !== undefined) await this.applyGroups(tx, userId, input.groups);
    if (input.delegates !== undefined) await this.applyDelegates(tx, userId, input.delegates);
  }

  /** Replace the user's cards; cards generated into a slot (primary, secondary) are not in the list, and stay. */
  private async applyCards(tx: EntityManager, userId: string, cards: NonNullable<UserPatch['cards']>) {
    await tx.delete(DirectoryCardEntity, { userId, slot: IsNull() });
    const rows = new Map<string, DirectoryCardEntity>();
    for (const card of cards) {
      const cardKey = this.options.lookupKeys.card(card.number);
      const other = await tx.findOneBy(DirectoryCardEntity, { cardKey });
      if (other?.slot && other.userId === userId) continue;
      if (other && other.userId !== userId) {
        throw new QuireError(
          ErrorCode.Conflict,
          'A card of this user is already registered to another user',
          {
            details: { field: 'cards' },
          },
        );
      }
      rows.set(cardKey, { cardKey, userId, validUntil: card.validUntil ?? null });
    }
    if (rows.size > 0) await tx.insert(DirectoryCardEntity, [...rows.values()]);
  }

  private async applyGroups(tx: EntityManager, userId: string, groups: NonNullable<UserPatch['groups']>) {
    if (groups.filter((g) => g.accounting).length > 1) {
      throw new QuireError(ErrorCode.ValidationFailed, 'A user has at most one accounting group');
    }
    const ids = [...new Set(groups.map((g) => g.groupId))];
    const found =
      ids.length === 0
        ? []
        : await tx.findBy(
            DirectoryGroupEntity,
            ids.map((id) => ({ id })),
          );
    const missing = ids.filter((id) => !found.some((group) => group.id === id));
    if (missing.length > 0)
      throw new QuireError(ErrorCode.ValidationFailed, `No group with id ${missing.join(', ')}`);
    await tx.delete(DirectoryMembershipEntity, { userId });
    const rows = ids.map((groupId) => {
      const given = groups.filter((g) => g.groupId === groupId);
      return {
        userId,
        groupId,
        accounting: given.some((g) => g.accounting),
        manager: given.some((g) => g.manager),
      };
    });
    if (rows.length > 0) await tx.insert(DirectoryMembershipEntity, rows);
  }

  private async applyDelegates(
    tx: EntityManager,
    userId: string,
    delegates: NonNullable<UserPatch['delegates']>,
  ) {
    await tx.delete(DirectoryDelegateEntity, { userId });
    const rows: DirectoryDelegateEntity[] = [];
    for (const delegate of delegates) {
      if ('user' in delegate) {
        const owner = await tx.findOneBy(DirectoryNameEntity, { nameKey: nameKey(delegate.user) });
        if (!owner)
          throw new QuireError(ErrorCode.ValidationFailed, `No user named "${delegate.user}" to delegate to`);
        rows.push({ userId, kind: 'user', delegateId: owner.userId });
      } else {
        if (!(await tx.findOneBy(DirectoryGroupEntity, { id: delegate.groupId }))) {
          throw new QuireError(
            ErrorCode.ValidationFailed,
            `No group with id ${delegate.groupId} to delegate to`,
          );
        }
        rows.push({ userId, kind: 'group', delegateId: delegate.groupId });
      }
    }
    if (rows.length > 0) await tx.insert(DirectoryDelegateEntity, rows);
  }
}
