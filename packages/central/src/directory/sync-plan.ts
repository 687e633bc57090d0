/**
 * The first half of a directory sync, pure: given what a source read and what the directory holds for that
 * source, decide who is added, updated, disabled or left alone, and which names conflict with another source's
 * users, page by page (`SyncPlanner`). The second half (sync-apply.ts) writes each page's plan, all pages in one
 * transaction; a dry run only reports it. Lists (cards, PIN, groups, delegates) merge by mode, as MyQ's CSV sync does; an LDAP source holds
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
  /** The user's id once the sync has written it (delegates are resolved to ids at the end of a run). */
  id?: string;
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
    groupKeys: mergeList(rules.merge.groups, before?.groupKeys ?? [], record.groups.map(groupPathKey)),
    delegates: mergeList(rules.merge.delegates, before?.delegates ?? [], record.delegates.map(delegateKey)),
    origin: record.origin,
  };
}

const pathKeys = new WeakMap<string[], string>();

/**
 * A group path as the planner and the directory key it (`["Staff","Finance"]`). An LDAP read hands every member
 * of a group the same path array, so each distinct path is turned into its key once.
 */
export function groupPathKey(path: string[]): string {
  let key = pathKeys.get(path);
  if (key === undefined) pathKeys.set(path, (key = JSON.stringify(path)));
  return key;
}

const prefixKeys = new WeakMap<string[], string[]>();

/** The keys of `path` and of every group above it (`["Staff"]`, `["Staff","Finance"]`), once per path array. */
export function groupPrefixKeys(path: string[]): string[] {
  let keys = prefixKeys.get(path);
  if (keys === undefined) {
    keys = path.map((_, depth) => JSON.stringify(path.slice(0, depth + 1)));
    prefixKeys.set(path, keys);
  }
  return keys;
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
  names: Map<string, DesiredUser>;
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
  const nameClash = (name: string): string | null => {
    const owner = ctx.nameOwners.get(name);
    if (held(owner?.userId)) return `The name/alias "${name}" is already used by user "${owner?.username}"`;
    const claimant = claims.names.get(name);
    return claimant ? `The name/alias "${name}" is already used by ${claimant.origin}` : null;
  };
  const clash = nameClash(after.username);
  if (clash !== null) return clash;
  for (const alias of after.aliases) {
    const aliasClash = nameClash(alias);
    if (aliasClash !== null) return aliasClash;
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
  claims.names.set(after.username, after);
  for (const alias of after.aliases) claims.names.set(alias, after);
  if (after.pinKey) claims.pins.set(after.pinKey, after.origin);
  for (const card of after.cardKeys) claims.cards.set(card, after.origin);
  if (after.personalNumber) claims.personalNumbers.set(after.personalNumber, after.origin);
}

/** What one batch of records comes to. */
export interface BatchPlan {
  add: DesiredUser[];
  update: Array<{ id: string; before: ExistingUser; after: DesiredUser }>;
  unchanged: number;
  conflicts: SourceProblem[];
}

/**
 * Plans a sync batch by batch, as a source's pages arrive: each record is compared with the directory and with
 * every record planned before it in the run. A record whose name, alias, PIN, card or personal number another
 * user holds, or an earlier record of the same run claimed, is a conflict and is left alone ("The name/alias X
 * is already used by user Y"), so one bad record never fails the run. `finish` then names the owned users the
 * source no longer lists (with `disableMissing`: disabled, never deleted; not after an empty read, which is more
 * likely an outage or a wrong filter than an empty directory) and drops delegates that named nobody.
 */
export class SyncPlanner {
  private readonly byKey = new Map<string, ExistingUser>();
  private readonly claims: Claims = {
    pins: new Map(),
    cards: new Map(),
    personalNumbers: new Map(),
    names: new Map(),
  };
  private readonly seen = new Set<string>();
  // Delegates naming a user this run has not reached yet: settled by finish().
  private readonly pendingDelegates: Array<{ user: DesiredUser; name: string }> = [];
  private records = 0;

  constructor(
    private readonly rules: SyncRules,
    private readonly ctx: PlanContext,
  ) {
    for (const user of ctx.owned) {
      const key = rules.pairByPersonalNumber ? user.personalNumber : user.username;
      if (key) this.byKey.set(key, user);
    }
  }

  /** The user of this run that claimed `name`, if any (its `id` is set once written). */
  claimant(name: string): DesiredUser | undefined {
    return this.claims.names.get(name);
  }

  /** Plan the next batch of records. */
  plan(records: SourceUser[]): BatchPlan {
    const { rules, ctx } = this;
    const batch: BatchPlan = { add: [], update: [], unchanged: 0, conflicts: [] };
    this.records += records.length;
    for (const record of records) {
      const username = rules.lowercaseUsernames ? record.username.toLowerCase() : record.username;
      const key = rules.pairByPersonalNumber ? record.personalNumber : username;
      const before = key ? (this.byKey.get(key) ?? null) : null;
      const after = desired(record, before, rules, ctx);
      const clash = clashOf(after, before?.id ?? null, ctx, this.claims);
      if (before) this.seen.add(before.id);
      if (clash !== null) {
        batch.conflicts.push({ origin: record.origin, message: clash });
        continue;
      }
      claim(after, this.claims);
      this.sortDelegates(after, batch);
      if (before) {
        if (unchanged(before, after)) batch.unchanged += 1;
        else batch.update.push({ id: before.id, before, after });
      } else if (rules.addNew) {
        batch.add.push(after);
      }
    }
    return batch;
  }

  /** The owned users to disable, and the delegates that named no user of the directory or of this run. */
  finish(): { disable: ExistingUser[]; conflicts: SourceProblem[] } {
    const conflicts: SourceProblem[] = [];
    for (const { user, name } of this.pendingDelegates) {
      if (this.claims.names.has(name)) continue;
      user.delegates = user.delegates.filter((d) => d !== name);
      conflicts.push({ origin: user.origin, message: `Delegate ${name} names no user or group; not stored` });
    }
    const disable =
      this.rules.disableMissing && this.records > 0
        ? this.ctx.owned.filter((user) => !this.seen.has(user.id) && user.state === 'active')
        : [];
    return { disable, conflicts };
  }

  /** Drop `group:` delegates naming no group (reported); user delegates not known yet wait for finish(). */
  private sortDelegates(after: DesiredUser, batch: BatchPlan): void {
    if (after.delegates.length === 0) return;
    after.delegates = after.delegates.filter((d) => {
      if (d.startsWith('group:')) {
        if (this.ctx.groupKeys.has(d.slice(6))) return true;
        batch.conflicts.push({
          origin: after.origin,
          message: `Delegate ${d} names no user or group; not stored`,
        });
        return false;
      }
      if (!this.ctx.nameOwners.has(d) && !this.claims.names.has(d))
        this.pendingDelegates.push({ user: after, name: d });
      return true;
    });
  }
}
