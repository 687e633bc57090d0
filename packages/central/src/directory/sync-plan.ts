/**
 * The first half of a directory sync, pure: given what a source read and what the directory holds for that
 * source, decide who is added, updated, disabled or left alone, and which names conflict with another source's
 * users. The second half (directory-sync.service.ts) applies the plan in one transaction, or only reports it for
 * a dry run. Lists (cards, PIN, groups, delegates) merge by mode, as MyQ's CSV sync does; an LDAP source holds
 * its users' cards authoritatively (`full`).
 */
import { type CsvMergeMode } from './csv-user-import';
import { type SourceProblem, type SourceUser } from './source-user';

/** How a sync treats the source's records. */
export interface SyncRules {
  /** The source tag of the users it owns: `csv`, or `ldap:NAME`. */
  source: string;
  addNew: boolean;
  disableMissing: boolean;
  lowercaseUsernames: boolean;
  pairByPersonalNumber: boolean;
  merge: { cards: CsvMergeMode; pin: CsvMergeMode; groups: CsvMergeMode; delegates: CsvMergeMode };
}

/** A directory user as the planner compares it: scalar fields and lists already in comparable form. */
export interface ExistingUser {
  id: string;
  username: string;
  aliases: string[];
  fullName: string;
  email: string;
  personalNumber: string | null;
  phone: string | null;
  language: string | null;
  state: 'active' | 'disabled' | 'deleted';
  pinKey: string | null;
  cardKeys: string[];
  /** Group paths as JSON keys (`["Staff","Finance"]`). */
  groupKeys: string[];
  delegates: string[];
}

/** A user as the sync wants it stored. */
export interface DesiredUser extends Omit<ExistingUser, 'id' | 'state'> {
  origin: string;
}

/** The plan of one sync. */
export interface SyncPlan {
  add: DesiredUser[];
  update: Array<{ id: string; before: ExistingUser; after: DesiredUser }>;
  disable: ExistingUser[];
  unchanged: number;
  conflicts: SourceProblem[];
}

/** What the planner needs besides the read and the rules. */
export interface PlanContext {
  /** Users owned by the rules' source. */
  owned: ExistingUser[];
  /** Every name (username or alias) in the directory, and the username of its owner. */
  nameOwners: Map<string, { userId: string; username: string }>;
  /** Who holds each PIN key, card key and personal number in the directory (user ids). */
  pinOwners: Map<string, string>;
  cardOwners: Map<string, string>;
  personalNumberOwners: Map<string, string>;
  /** Group path keys that exist or that this run creates; `group:` delegates must name one. */
  groupKeys: Set<string>;
  /** PIN lookup key of a clear PIN; card lookup key of a card number. */
  pinKey(pin: string): string;
  cardKey(card: string): string;
}

/** Merge a list by mode: the local list, the source's, or both. */
export function mergeList(mode: CsvMergeMode, local: string[], incoming: string[]): string[] {
  if (mode === 'none') return local;
  if (mode === 'full') return incoming;
  if (mode === 'ifNotEmpty') return incoming.length > 0 ? incoming : local;
  return [...new Set([...local, ...incoming])];
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
}

/** True when nothing the sync writes differs. */
export function unchanged(before: ExistingUser, after: DesiredUser): boolean {
  return (
    // A user the source lists again is enabled again; one an admin deleted stays deleted.
    before.state !== 'disabled' &&
    before.username === after.username &&
    before.fullName === after.fullName &&
    before.email === after.email &&
    before.personalNumber === after.personalNumber &&
    before.phone === after.phone &&
    before.language === after.language &&
    before.pinKey === after.pinKey &&
    sameSet(before.aliases, after.aliases) &&
    sameSet(before.cardKeys, after.cardKeys) &&
    sameSet(before.groupKeys, after.groupKeys) &&
    sameSet(before.delegates, after.delegates)
  );
}

/** The user `record` describes, merged over `before` (null for a new user) by the rules. */
function desired(
  record: SourceUser,
  before: ExistingUser | null,
  rules: SyncRules,
  ctx: PlanContext,
): DesiredUser {
  const username = rules.lowercaseUsernames ? record.username.toLowerCase() : record.username;
  const aliases = record.aliases.map((alias) => (rules.lowercaseUsernames ? alias.toLowerCase() : alias));
  const clearPins = record.pins.filter((pin) => !pin.startsWith('md5:'));
  const pins = mergeList(rules.merge.pin, before?.pinKey ? [before.pinKey] : [], clearPins.map(ctx.pinKey));
  return {
    username,
    aliases: aliases.filter((alias) => alias !== username),
    fullName: record.fullName,
    email: record.email,
    personalNumber: record.personalNumber,
    phone: record.phone,
    language: record.language,
    pinKey: pins[0] ?? null,
    cardKeys: mergeList(rules.merge.cards, before?.cardKeys ?? [], record.cards.map(ctx.cardKey)),
    groupKeys: mergeList(
      rules.merge.groups,
      before?.groupKeys ?? [],
      record.groups.map((path) => JSON.stringify(path)),
    ),
    delegates: mergeList(rules.merge.delegates, before?.delegates ?? [], record.delegates.map(delegateKey)),
    origin: record.origin,
  };
}

/** A delegate as the planner compares it: a username, or `group:` and the group's path key. */
function delegateKey(delegate: string): string {
  return delegate.startsWith('group:') ? `group:${JSON.stringify(delegate.slice(6).split('|'))}` : delegate;
}

/** Who claimed each PIN key, card key, personal number and name earlier in this read (by origin). */
interface Claims {
  pins: Map<string, string>;
  cards: Map<string, string>;
  personalNumbers: Map<string, string>;
  names: Map<string, string>;
}

/**
 * Why `after` cannot be stored for `beforeId`, or null: a name, PIN, card or personal number another user holds
 * or an earlier record of this read claimed. PINs and cards never name their holder.
 */
function clashOf(
  after: DesiredUser,
  beforeId: string | null,
  ctx: PlanContext,
  claims: Claims,
): string | null {
  const held = (owner: string | undefined) => owner !== undefined && owner !== beforeId;
  for (const name of [after.username, ...after.aliases]) {
    const owner = ctx.nameOwners.get(name);
    if (held(owner?.userId)) return `The name/alias "${name}" is already used by user "${owner?.username}"`;
    if (claims.names.has(name))
      return `The name/alias "${name}" is already used by ${claims.names.get(name)}`;
  }
  if (after.pinKey && (held(ctx.pinOwners.get(after.pinKey)) || claims.pins.has(after.pinKey))) {
    return 'The PIN is already in use by another user';
  }
  for (const card of after.cardKeys) {
    if (held(ctx.cardOwners.get(card)) || claims.cards.has(card))
      return 'A card is already registered to another user';
  }
  const number = after.personalNumber;
  if (number && (held(ctx.personalNumberOwners.get(number)) || claims.personalNumbers.has(number))) {
    return `The personal number "${number}" already belongs to another user`;
  }
  return null;
}

function claim(after: DesiredUser, claims: Claims): void {
  for (const name of [after.username, ...after.aliases]) claims.names.set(name, after.origin);
  if (after.pinKey) claims.pins.set(after.pinKey, after.origin);
  for (const card of after.cardKeys) claims.cards.set(card, after.origin);
  if (after.personalNumber) claims.personalNumbers.set(after.personalNumber, after.origin);
}

/** Drop delegates that name no user or group; they are reported, not stored. */
function storableDelegates(
  after: DesiredUser,
  ctx: PlanContext,
  readNames: Set<string>,
  plan: SyncPlan,
): void {
  const keep = after.delegates.filter((d) =>
    d.startsWith('group:') ? ctx.groupKeys.has(d.slice(6)) : ctx.nameOwners.has(d) || readNames.has(d),
  );
  for (const dropped of after.delegates.filter((d) => !keep.includes(d))) {
    plan.conflicts.push({
      origin: after.origin,
      message: `Delegate ${dropped} names no user or group; not stored`,
    });
  }
  after.delegates = keep;
}

/**
 * Plan a sync of `records` under `rules`. A record whose name, alias, PIN, card or personal number another user
 * holds, or an earlier record of the same read claimed, is a conflict and is left alone ("The name/alias X is
 * already used by user Y"), so one bad record never fails the run. With `disableMissing`, owned users
 * the source no longer lists are disabled, never deleted; not when the read is empty, which is more likely an
 * outage or a wrong filter than an empty directory.
 */
export function planSync(records: SourceUser[], rules: SyncRules, ctx: PlanContext): SyncPlan {
  const byKey = new Map<string, ExistingUser>();
  for (const user of ctx.owned) {
    const key = rules.pairByPersonalNumber ? user.personalNumber : user.username;
    if (key) byKey.set(key, user);
  }
  const claims: Claims = { pins: new Map(), cards: new Map(), personalNumbers: new Map(), names: new Map() };
  const seen = new Set<string>();
  // Delegates may name users this same read adds.
  const readNames = new Set(
    records.flatMap((r) =>
      [r.username, ...r.aliases].map((name) => (rules.lowercaseUsernames ? name.toLowerCase() : name)),
    ),
  );
  const plan: SyncPlan = { add: [], update: [], disable: [], unchanged: 0, conflicts: [] };
  for (const record of records) {
    const username = rules.lowercaseUsernames ? record.username.toLowerCase() : record.username;
    const key = rules.pairByPersonalNumber ? record.personalNumber : username;
    const before = key ? (byKey.get(key) ?? null) : null;
    const after = desired(record, before, rules, ctx);
    const clash = clashOf(after, before?.id ?? null, ctx, claims);
    if (clash !== null) {
      plan.conflicts.push({ origin: record.origin, message: clash });
      if (before) seen.add(before.id);
      continue;
    }
    claim(after, claims);
    storableDelegates(after, ctx, readNames, plan);
    if (before) {
      seen.add(before.id);
      if (unchanged(before, after)) plan.unchanged += 1;
      else plan.update.push({ id: before.id, before, after });
    } else if (rules.addNew) {
      plan.add.push(after);
    }
  }
  if (rules.disableMissing && records.length > 0) {
    plan.disable = ctx.owned.filter((user) => !seen.has(user.id) && user.state === 'active');
  }
  return plan;
}
