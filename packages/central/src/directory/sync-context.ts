/**
 * What a directory sync compares a source with, loaded in the sync's transaction: the source's users in the
 * planner's comparable form (names, card keys, group paths, delegates), who holds every name, PIN, card and
 * personal number in the directory, and every group's path. One query per table, whatever the directory's size.
 */
import { type EntityManager } from 'typeorm';
import { ErrorCode, QuireError } from '@quire/common';
import {
  DirectoryDelegateEntity,
  DirectoryGroupEntity,
  DirectoryMembershipEntity,
} from './directory-group.entity';
import { groupNameProblem, MAX_GROUP_DEPTH } from './directory-groups.service';
import { DirectoryCardEntity, DirectoryNameEntity, DirectoryUserEntity } from './directory-user.entity';
import { type ExistingUser } from './sync-plan';

/**
 * The source's users in comparable form, every holder of a name, PIN, card or number, the group paths, and what
 * rewriting a user's lists must keep (card validity, membership flags).
 */
export async function loadSyncContext(tx: EntityManager, source: string) {
  const groups = await tx.find(DirectoryGroupEntity);
  const pathKeyById = groupPathKeys(groups);
  const groupIdByKey = new Map([...pathKeyById].map(([id, key]) => [key, id]));
  const users = await tx.findBy(DirectoryUserEntity, { source, system: false });
  const names = await tx.find(DirectoryNameEntity);
  const usernameById = new Map<string, string>();
  const aliasesById = new Map<string, string[]>();
  for (const name of names) {
    if (name.kind === 'username') usernameById.set(name.userId, name.name);
    else aliasesById.set(name.userId, [...(aliasesById.get(name.userId) ?? []), name.name]);
  }
  const nameOwners = new Map(
    names.map((n) => [n.name, { userId: n.userId, username: usernameById.get(n.userId) ?? '?' }]),
  );
  const ids = users.map((user) => user.id);
  const holders = await tx.find(DirectoryUserEntity, {
    select: { id: true, pinKey: true, personalNumber: true },
    where: { system: false },
  });
  const pinOwners = new Map<string, string>();
  const personalNumberOwners = new Map<string, string>();
  for (const holder of holders) {
    if (holder.pinKey) pinOwners.set(holder.pinKey, holder.id);
    if (holder.personalNumber) personalNumberOwners.set(holder.personalNumber, holder.id);
  }
  // One query per table, not one per chunk of users: at 100,000 users the round trips were most of a delta.
  const cards = await tx.find(DirectoryCardEntity);
  const cardOwners = new Map(cards.map((card) => [card.cardKey, card.userId]));
  const memberships = ids.length === 0 ? [] : await tx.find(DirectoryMembershipEntity);
  const delegates = ids.length === 0 ? [] : await tx.find(DirectoryDelegateEntity);
  const owned: ExistingUser[] = users.map((user) => ({
    id: user.id,
    username: user.username,
    aliases: aliasesById.get(user.id) ?? [],
    fullName: user.fullName,
    email: user.email,
    personalNumber: user.personalNumber,
    phone: user.phone,
    language: user.language,
    state: user.state,
    pinKey: user.pinKey,
    cardKeys: [],
    groupKeys: [],
    delegates: [],
  }));
  const byId = new Map(owned.map((user) => [user.id, user]));
  // What rewriting a user's lists keeps, for the few cards and memberships that carry anything.
  const cardValidity = new Map<string, Date | null>();
  const membershipFlags = new Map<string, { accounting: boolean; manager: boolean }>();
  // A card generated into a slot is the directory's own, not the source's: it is never compared or rewritten.
  const slotCardOwners = new Map<string, string>();
  for (const card of cards) {
    if (card.slot) slotCardOwners.set(card.cardKey, card.userId);
    else byId.get(card.userId)?.cardKeys.push(card.cardKey);
    if (card.validUntil !== null) cardValidity.set(card.cardKey, card.validUntil);
  }
  for (const m of memberships) {
    byId.get(m.userId)?.groupKeys.push(pathKeyById.get(m.groupId) ?? m.groupId);
    if (m.accounting || m.manager)
      membershipFlags.set(`${m.userId}:${m.groupId}`, { accounting: m.accounting, manager: m.manager });
  }
  for (const d of delegates) {
    const name =
      d.kind === 'user' ? usernameById.get(d.delegateId) : `group:${pathKeyById.get(d.delegateId)}`;
    byId.get(d.userId)?.delegates.push(name ?? d.delegateId);
  }
  return {
    owned,
    nameOwners,
    groupIdByKey,
    pinOwners,
    cardOwners,
    personalNumberOwners,
    cardValidity,
    membershipFlags,
    slotCardOwners,
  };
}

/**
 * The group paths `wanted` needs that do not exist yet, every missing ancestor included, parents before their
 * children; VALIDATION_FAILED for a name the directory refuses or a path deeper than MAX_GROUP_DEPTH.
 */
export function missingGroupPaths(wanted: Set<string>, existing: Map<string, string>): string[][] {
  const missing = new Map<string, string[]>();
  for (const key of wanted) {
    const path = JSON.parse(key) as string[];
    if (path.length === 0 || path.length > MAX_GROUP_DEPTH) {
      throw new QuireError(ErrorCode.ValidationFailed, `A group path has 1 to ${MAX_GROUP_DEPTH} levels`);
    }
    for (let depth = 1; depth <= path.length; depth += 1) {
      const prefix = path.slice(0, depth);
      const prefixKey = JSON.stringify(prefix);
      if (existing.has(prefixKey) || missing.has(prefixKey)) continue;
      const problem = groupNameProblem(prefix[depth - 1]);
      if (problem)
        throw new QuireError(ErrorCode.ValidationFailed, `Group name "${prefix[depth - 1]}" ${problem}`);
      missing.set(prefixKey, prefix);
    }
  }
  return [...missing.values()].sort((a, b) => a.length - b.length);
}

/** Each group's path from its root as a JSON key, as sources name groups. */
export function groupPathKeys(groups: DirectoryGroupEntity[]): Map<string, string> {
  const byId = new Map(groups.map((g) => [g.id, g]));
  const keys = new Map<string, string>();
  for (const group of groups) {
    const path: string[] = [];
    for (let g: DirectoryGroupEntity | undefined = group, steps = 0; g && steps < 12; steps += 1) {
      path.unshift(g.name);
      g = g.parentId ? byId.get(g.parentId) : undefined;
    }
    keys.set(group.id, JSON.stringify(path));
  }
  return keys;
}
