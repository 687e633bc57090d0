/**
 * Groups of an LDAP source in memberOf mode: the groups under the group base DN, their nesting (a group's own
 * memberOf names its parents), and each user's groups as paths from the top of the tree, or flat.
 *
 * memberOf lists direct memberships only, so nesting is resolved here: a user of C, where C is a member of B and
 * B of A, gets the path A > B > C (tree) or the groups C, B and A (flat). Groups outside the base DN or not
 * matching the group filter are ignored, also as parents. Cycles are cut and depth is capped at the directory's
 * 10 levels; both are reported as problems instead of failing the read.
 */
import { type LdapEntry } from './ldap-connection';
import { type LdapSourceConfig } from './ldap-source-config';
import { normalizeDn, parseDn } from './ldap-dn';
import { type SourceGroup, type SourceProblem, type SourceRead } from './source-user';

/** How deep groups may nest in the directory. */
export const MAX_GROUP_DEPTH = 10;
// A group reachable along many routes (a DAG) would otherwise multiply its paths without bound.
const MAX_PATHS_PER_GROUP = 20;

/** One group entry, with its parents as normalised DNs. */
interface LdapGroup {
  dn: string;
  name: string;
  parents: string[];
}

/** The groups read from the group base DN, by normalised DN. */
export interface GroupIndex {
  groups: Map<string, LdapGroup>;
}

/** A paged search, as the LDAP source runs it (rejects on any failure). */
export type GroupSearch = (
  search: { baseDn: string; filter: string; attributes: string[] },
  onPage: (entries: LdapEntry[]) => void,
) => Promise<void>;

/** Read every group under `groups.baseDn` matching `groups.filter`, with its name (cn) and parents. */
export async function readGroupIndex(
  search: GroupSearch,
  groups: LdapSourceConfig['groups'],
): Promise<GroupIndex> {
  const index: GroupIndex = { groups: new Map() };
  await search(
    { baseDn: groups.baseDn as string, filter: groups.filter, attributes: ['cn', 'memberOf'] },
    (entries) => {
      for (const entry of entries) {
        const rdns = parseDn(entry.dn);
        const cn = entry.attributes.get('cn')?.find((value) => value.trim() !== '');
        const name = cn ?? rdns[0]?.[0]?.value ?? entry.dn;
        const parents = (entry.attributes.get('memberof') ?? []).map((dn) => normalizeDn(dn));
        index.groups.set(normalizeDn(rdns), { dn: entry.dn, name: name.trim(), parents });
      }
    },
  );
  return index;
}

/** Computes, once per group, the paths from the top of the tree down to it. */
class PathResolver {
  private readonly paths = new Map<string, string[][]>();
  private readonly visiting = new Set<string>();
  readonly problems: SourceProblem[] = [];

  constructor(private readonly index: GroupIndex) {}

  pathsOf(key: string): string[][] {
    const known = this.paths.get(key);
    if (known) return known;
    const group = this.index.groups.get(key) as LdapGroup;
    this.visiting.add(key);
    const above: string[][] = [];
    for (const parent of group.parents) {
      if (!this.index.groups.has(parent)) continue;
      if (this.visiting.has(parent)) {
        this.problems.push({
          origin: group.dn,
          message: 'is nested in itself (a membership cycle); the loop is cut',
        });
        continue;
      }
      above.push(...this.pathsOf(parent));
    }
    this.visiting.delete(key);
    const paths = (above.length === 0 ? [[]] : above).slice(0, MAX_PATHS_PER_GROUP).map((path) => {
      const full = [...path, group.name];
      return full.length > MAX_GROUP_DEPTH ? full.slice(full.length - MAX_GROUP_DEPTH) : full;
    });
    if (above.some((path) => path.length >= MAX_GROUP_DEPTH)) {
      this.problems.push({
        origin: group.dn,
        message: `is nested more than ${MAX_GROUP_DEPTH} levels deep; the top levels are left out`,
      });
    }
    this.paths.set(key, paths);
    return paths;
  }

  /** The group and every group above it, nearest first. */
  ancestorsOf(key: string): string[] {
    const order: string[] = [];
    const queue = [key];
    while (queue.length > 0) {
      const next = queue.shift() as string;
      if (order.includes(next)) continue;
      order.push(next);
      queue.push(
        ...(this.index.groups.get(next) as LdapGroup).parents.filter((p) => this.index.groups.has(p)),
      );
    }
    return order;
  }
}

function uniquePaths(paths: string[][]): string[][] {
  const seen = new Set<string>();
  return paths.filter((path) => {
    const key = JSON.stringify(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Each user's groups from their memberOf values, page by page as the users are read, then (`finish`) the known
 * groups and the nesting problems. Thousands of users list the same few groups, so each distinct memberOf value
 * is normalised once and each distinct set of direct groups resolved once; users with the same set share the
 * resulting path arrays.
 */
export class GroupResolution {
  private readonly resolver: PathResolver;
  private readonly normalizedDns = new Map<string, string>();
  private readonly bySet = new Map<string, string[][]>();

  constructor(
    private readonly index: GroupIndex,
    private readonly tree: boolean,
  ) {
    this.resolver = new PathResolver(index);
  }

  /** The groups of a user whose memberOf values are `memberOf`, as paths (tree) or one-name paths (flat). */
  groupsOf(memberOf: string[]): string[][] {
    const direct = memberOf.map((dn) => this.normalized(dn)).filter((key) => this.index.groups.has(key));
    const setKey = direct.join('\n');
    let groups = this.bySet.get(setKey);
    if (groups === undefined) {
      groups = this.tree
        ? uniquePaths(direct.flatMap((key) => this.resolver.pathsOf(key)))
        : uniquePaths(
            direct.flatMap((key) => this.resolver.ancestorsOf(key)).map((key) => [this.nameOf(key)]),
          );
      this.bySet.set(setKey, groups);
    }
    return groups;
  }

  /** Every group of the index as paths, and the nesting problems met, into `read`. */
  finish(read: SourceRead): void {
    const groups: SourceGroup[] = [];
    for (const [key, group] of this.index.groups) {
      const paths = this.tree ? this.resolver.pathsOf(key) : [[group.name]];
      for (const path of paths) groups.push({ path, origin: group.dn });
    }
    read.groups = groups;
    read.problems.push(...this.resolver.problems);
  }

  private normalized(dn: string): string {
    let key = this.normalizedDns.get(dn);
    if (key === undefined) this.normalizedDns.set(dn, (key = normalizeDn(dn)));
    return key;
  }

  private nameOf(key: string): string {
    return (this.index.groups.get(key) as LdapGroup).name;
  }
}
