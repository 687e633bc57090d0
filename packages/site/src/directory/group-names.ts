/**
 * Group names as the release side matches them. Central sends a user's direct groups by id; a right or a
 * delegation granted to a group also reaches the members of its subgroups, so a user's groups on the site are
 * the direct groups and every ancestor, resolved here from the cached group tree when changes are applied.
 * Resolution is pure and memoised per group, because users share groups: resolving 100,000 users walks each
 * group's ancestry once.
 */

/** A cached group as resolution needs it. */
export interface GroupNode {
  name: string;
  parentId: string | null;
}

/** A user's resolved groups: names and central ids, direct groups first, each once. */
export interface ResolvedGroups {
  names: string[];
  ids: string[];
}

/** Central nests groups at most 10 levels; a longer chain can only be a cycle left by a half-applied move. */
const MAX_DEPTH = 16;

/** Resolves direct group ids against one state of the group tree. */
export class GroupResolver {
  private readonly chains = new Map<string, string[]>();

  constructor(private readonly groups: ReadonlyMap<string, GroupNode>) {}

  /** The names and ids of `direct` and all their ancestors; ids of groups not (yet) cached are left out. */
  resolve(direct: readonly string[]): ResolvedGroups {
    const ids = new Set<string>();
    for (const id of direct) for (const member of this.chain(id)) ids.add(member);
    const names = new Set<string>();
    for (const id of ids) names.add((this.groups.get(id) as GroupNode).name);
    return { names: [...names], ids: [...ids] };
  }

  /** `roots` and every group below any of them. */
  withDescendants(roots: ReadonlySet<string>): Set<string> {
    const found = new Set(roots);
    for (const id of this.groups.keys()) {
      if (this.chain(id).some((member) => roots.has(member))) found.add(id);
    }
    return found;
  }

  /** The group and its ancestors, nearest first (empty for an unknown group). */
  private chain(id: string): string[] {
    const known = this.chains.get(id);
    if (known) return known;
    const chain: string[] = [];
    for (let at: string | null = id; at !== null && chain.length < MAX_DEPTH;) {
      const node = this.groups.get(at);
      if (!node || chain.includes(at)) break;
      chain.push(at);
      at = node.parentId;
    }
    this.chains.set(id, chain);
    return chain;
  }
}
