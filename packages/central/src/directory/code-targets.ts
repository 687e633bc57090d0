/**
 * Where a bulk-generated code goes: the user's PIN, or the card in their primary or secondary slot (PaperCut's
 * "randomly generate primary / secondary card/ID number"). Each target knows its own lookup-key domain, so
 * uniqueness is checked where a terminal would look the code up: a PIN among all PINs, a card among ALL cards
 * (from sources, CSV files and admins too), and "only if empty" means no PIN, or no card in that slot.
 */
import { In, IsNull, Not, type EntityManager } from 'typeorm';
import { type LookupKeys } from '@quire/common';
import { DirectoryCardEntity, DirectoryUserEntity } from './directory-user.entity';

/** What a bulk run fills. */
export const CODE_TARGETS = ['pin', 'primaryCard', 'secondaryCard'] as const;
export type CodeTarget = (typeof CODE_TARGETS)[number];

/** How one target stores and checks codes; every method takes the caller's EntityManager. */
export interface CodeStore {
  /** Whether any user already has `code` in this target's lookup domain. */
  isTaken(manager: EntityManager, code: string): Promise<boolean>;
  /** How many codes the lookup domain holds, for the generator's code-space fill check. */
  usedCount(manager: EntityManager): Promise<number>;
  /** The ids among `users` that already have a code in this target (those "only if empty" leaves out). */
  holders(manager: EntityManager, users: DirectoryUserEntity[]): Promise<Set<string>>;
  /**
   * Give the user `code`, replacing the one they had in this target; resolves with the columns of the user row
   * to change as well (the caller adds the version bump).
   */
  store(tx: EntityManager, userId: string, code: string): Promise<Partial<DirectoryUserEntity>>;
}

/** Ids per IN (...) list, well under every driver's limit on bound parameters. */
const CHUNK = 500;

function pinStore(lookupKeys: LookupKeys): CodeStore {
  return {
    async isTaken(manager, code) {
      return (await manager.countBy(DirectoryUserEntity, { pinKey: lookupKeys.pin(code) })) > 0;
    },
    usedCount: (manager) => manager.countBy(DirectoryUserEntity, { pinKey: Not(IsNull()) }),
    async holders(_manager, users) {
      return new Set(users.filter((user) => user.pinKey !== null).map((user) => user.id));
    },
    async store(_tx, _userId, code) {
      return { pinKey: lookupKeys.pin(code) };
    },
  };
}

function cardSlotStore(lookupKeys: LookupKeys, slot: 'primary' | 'secondary'): CodeStore {
  return {
    async isTaken(manager, code) {
      return (await manager.countBy(DirectoryCardEntity, { cardKey: lookupKeys.card(code) })) > 0;
    },
    usedCount: (manager) => manager.count(DirectoryCardEntity),
    async holders(manager, users) {
      const ids = users.map((user) => user.id);
      const found = new Set<string>();
      for (let i = 0; i < ids.length; i += CHUNK) {
        const cards = await manager.findBy(DirectoryCardEntity, {
          slot,
          userId: In(ids.slice(i, i + CHUNK)),
        });
        for (const card of cards) found.add(card.userId);
      }
      return found;
    },
    async store(tx, userId, code) {
      await tx.delete(DirectoryCardEntity, { userId, slot });
      await tx.insert(DirectoryCardEntity, {
        cardKey: lookupKeys.card(code),
        userId,
        validUntil: null,
        slot,
      });
      return {};
    },
  };
}

/** The store of `target`, under the directory's lookup keys. */
export function codeStoreFor(target: CodeTarget, lookupKeys: LookupKeys): CodeStore {
  switch (target) {
    case 'pin':
      return pinStore(lookupKeys);
    case 'primaryCard':
      return cardSlotStore(lookupKeys, 'primary');
    case 'secondaryCard':
      return cardSlotStore(lookupKeys, 'secondary');
  }
}
