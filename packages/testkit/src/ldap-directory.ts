/**
 * A generated LDAP directory for directory-sync tests and benchmarks: users (inetOrgPerson) in department and
 * team OUs, and groups (groupOfNames) nested a few levels deep, all derived from a seed. Every user is computed
 * from its index alone, so a test can ask what user 4321 must look like without keeping 100,000 of them around,
 * and the LDIF is streamed to a file.
 *
 * Attribute use, for mapping in tests: uid (login), cn (full name), mail, employeeNumber (personal number),
 * carLicense and pager (cards), employeeType (PIN), initials (alias), telephoneNumber, preferredLanguage.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { seededRandom } from './random';
import { SLAPD_BASE_DN } from './slapd';

/** What to generate, for {@link generateLdapDirectory}. */
export interface LdapDirectoryOptions {
  /** Users with every attribute a sync needs. */
  users: number;
  /** Groups under `ou=groups` (default: one per 20 users, at least 1). */
  groups?: number;
  /** Default 1. */
  seed?: number;
  /** Deepest group nesting: 1 means flat groups (default 4). */
  maxDepth?: number;
  /** Department OUs under `ou=people`; every other one holds two team OUs (default 8). */
  departments?: number;
  /** Users 0 .. N-1 get a userPassword ({@link GeneratedLdapUser.password}); default 10. */
  passwordUsers?: number;
  /** Extra person entries without a uid, which a sync must report as problems (default 0). */
  invalidUsers?: number;
  /** Mailing-list groups under `ou=lists`, outside the groups base DN, that some users belong to (default 2). */
  outsideGroups?: number;
  /**
   * Write `memberOf` values into users and nested groups. Needed for slapadd (which bypasses the memberof
   * overlay); refused by ldapadd, where the overlay computes them (default false).
   */
  memberOf?: boolean;
}

/** One generated user. */
export interface GeneratedLdapUser {
  index: number;
  dn: string;
  uid: string;
  cn: string;
  sn: string;
  mail: string;
  employeeNumber: string;
  /** carLicense values (one card, for most users). */
  carLicense: string[];
  /** A second card, for some users. */
  pager: string | null;
  /** employeeType: a PIN, for half the users. */
  pin: string | null;
  /** initials: an alias login, for some users. */
  alias: string | null;
  phone: string | null;
  language: string;
  /** The OU names of the user's DN, root first (`['people', 'Finance', 'Team A']`). */
  ous: string[];
  /** The clear password, for users that have one. */
  password: string | null;
  /** Indexes of the groups (under `ou=groups`) the user is a direct member of. */
  groups: number[];
  /** Indexes of the mailing lists (under `ou=lists`) the user is a member of. */
  lists: number[];
}

/** One generated group under `ou=groups`. */
export interface GeneratedLdapGroup {
  index: number;
  dn: string;
  cn: string;
  /** The group this one is a member of, or null for a top-level group. */
  parent: number | null;
  /** Group names from the top-level group down to this one. */
  path: string[];
}

const GIVEN = [
  'Anna',
  'Bob',
  'Chloé',
  'David',
  'Eva',
  'František',
  'Greta',
  'Hugo',
  'Iris',
  'Jiří',
  'Karl',
  'Léa',
];
const FAMILY = [
  'Novák',
  'Smith',
  'Dubois',
  'Müller',
  'Rossi',
  'García',
  'Nowak',
  'Jensen',
  'Silva',
  'Kowalski',
];
const DEPARTMENTS = [
  'Finance',
  'Sales, EMEA',
  'Engineering',
  'Support',
  'Marketing',
  'Legal',
  'Operations',
  'HR',
];
const LANGUAGES = ['en', 'fr', 'de', 'cs', 'es'];
// Printable ASCII, not starting with space, colon or '<' (RFC 2849 SAFE-STRING, minus control characters).
const SAFE_VALUE = /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/;

/** One LDIF attribute line; values LDIF cannot carry as they are (non-ASCII, leading space or colon) go base64. */
export function ldifLine(attribute: string, value: string): string {
  if (value === '' || (SAFE_VALUE.test(value) && !value.endsWith(' '))) return `${attribute}: ${value}`;
  return `${attribute}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

/** An RDN value escaped for a DN string (RFC 4514). */
export function escapeDnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]|[ ]$/g, (c) => `\\${c}`);
}

/** `{SSHA}` hash of `password`, as slapd stores userPassword. */
export function sshaPassword(password: string, salt: Buffer): string {
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** A 32-bit bijection of the index, so card numbers are unique without bookkeeping. */
function cardNumber(n: number): string {
  return (Math.imul(n, 0x9e3779b1) >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/**
 * A directory generated from {@link LdapDirectoryOptions}: users and groups by index, the group paths a sync
 * must produce for a user, and the LDIF of the whole tree (base entry excluded; {@link startSlapd} creates it).
 */
export class GeneratedLdapDirectory {
  readonly baseDn = SLAPD_BASE_DN;
  readonly peopleDn = `ou=people,${SLAPD_BASE_DN}`;
  readonly groupsDn = `ou=groups,${SLAPD_BASE_DN}`;
  readonly listsDn = `ou=lists,${SLAPD_BASE_DN}`;
  readonly userCount: number;
  readonly groupCount: number;
  private readonly seed: number;
  private readonly options: Required<LdapDirectoryOptions>;
  private readonly groupList: GeneratedLdapGroup[];
  private readonly leaves: number[];
  private members: { users: number[][]; lists: number[][] } | undefined;

  constructor(options: LdapDirectoryOptions) {
    this.options = {
      groups: Math.max(1, Math.round(options.users / 20)),
      seed: 1,
      maxDepth: 4,
      departments: 8,
      passwordUsers: 10,
      invalidUsers: 0,
      outsideGroups: 2,
      memberOf: false,
      ...options,
    };
    this.userCount = this.options.users;
    this.groupCount = this.options.groups;
    this.seed = this.options.seed;
    this.groupList = this.buildGroups();
    const parents = new Set(this.groupList.map((group) => group.parent));
    this.leaves = this.groupList.filter((group) => !parents.has(group.index)).map((group) => group.index);
  }

  /** The DNs of the entries without a uid (see {@link LdapDirectoryOptions.invalidUsers}). */
  get invalidUserDns(): string[] {
    return Array.from({ length: this.options.invalidUsers }, (_, n) => `cn=Nameless ${n},${this.peopleDn}`);
  }

  /** The DN of mailing list `index` (outside the groups base DN). */
  listDn(index: number): string {
    return `cn=list-${index},${this.listsDn}`;
  }

  /** Group `index`. */
  group(index: number): GeneratedLdapGroup {
    return this.groupList[index];
  }

  /** User `index`, computed from the seed and the index alone. */
  user(index: number): GeneratedLdapUser {
    const random = seededRandom((Math.imul(this.seed, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0);
    const uid = `u${pad(index, 6)}`;
    const given = pick(random, GIVEN);
    const sn = pick(random, FAMILY);
    const department = index % this.options.departments;
    const ous = ['people', DEPARTMENTS[department] ?? `Department ${pad(department + 1, 2)}`];
    if (department % 2 === 0) ous.push(`Team ${'AB'[Math.floor(index / this.options.departments) % 2]}`);
    const rdnPath = [...ous].reverse().map((ou) => `ou=${escapeDnValue(ou)}`);
    const groups = [this.leaves[index % this.leaves.length]];
    const extra = Math.floor(random() * this.groupCount);
    if (random() < 0.3 && !groups.includes(extra)) groups.push(extra);
    const lists =
      this.options.outsideGroups > 0 && random() < 0.05 ? [index % this.options.outsideGroups] : [];
    return {
      index,
      dn: `uid=${uid},${rdnPath.join(',')},${SLAPD_BASE_DN}`,
      uid,
      cn: `${given} ${sn}`,
      sn,
      mail: `${uid}@quire.test`,
      employeeNumber: String(100_000 + index),
      carLicense: random() < 0.9 ? [cardNumber(index)] : [],
      pager: random() < 0.2 ? cardNumber(index + 0x80000000) : null,
      pin: random() < 0.5 ? String(1000 + Math.floor(random() * 900_000)) : null,
      alias: random() < 0.1 ? `alias${pad(index, 6)}` : null,
      phone: random() < 0.6 ? `+1 555 ${pad(index % 10_000, 4)}` : null,
      language: pick(random, LANGUAGES),
      ous,
      password: index < this.options.passwordUsers ? `Pw-${uid}-secret` : null,
      groups,
      lists,
    };
  }

  /** The paths (top-level group first) of every group `user` is a direct member of, sorted. */
  groupPathsOf(user: GeneratedLdapUser): string[][] {
    return user.groups
      .map((index) => this.group(index).path)
      .sort((a, b) => a.join('/').localeCompare(b.join('/')));
  }

  /** The names of every group `user` belongs to directly or through nesting, sorted. */
  flatGroupsOf(user: GeneratedLdapUser): string[] {
    return [...new Set(this.groupPathsOf(user).flat())].sort();
  }

  /** The whole tree as LDIF text; for directories small enough to hold in memory (online ldapadd). */
  toLdif(): string {
    const chunks: string[] = [];
    for (const chunk of this.ldifChunks()) chunks.push(chunk);
    return chunks.join('');
  }

  /** Stream the whole tree as LDIF to `file` (for slapadd), honouring back-pressure. */
  async writeLdif(file: string): Promise<void> {
    const out = createWriteStream(file);
    const failed = once(out, 'error').then(([err]) => Promise.reject(err as Error));
    failed.catch(() => undefined);
    let buffer = '';
    for (const chunk of this.ldifChunks()) {
      buffer += chunk;
      if (buffer.length < 1 << 20) continue;
      if (!out.write(buffer)) await Promise.race([once(out, 'drain'), failed]);
      buffer = '';
    }
    out.end(buffer);
    await Promise.race([once(out, 'finish'), failed]);
  }

  private buildGroups(): GeneratedLdapGroup[] {
    const random = seededRandom(this.seed ^ 0x5bd1e995);
    const roots = Math.max(1, Math.ceil(this.groupCount / 25));
    const groups: GeneratedLdapGroup[] = [];
    const depth: number[] = [];
    for (let index = 0; index < this.groupCount; index++) {
      let parent: number | null = null;
      if (index >= roots) {
        parent = Math.floor(random() * index);
        while (depth[parent] >= this.options.maxDepth) parent = groups[parent].parent as number;
      }
      depth.push(parent === null ? 1 : depth[parent] + 1);
      const cn = `grp-${pad(index, 4)}`;
      const path = parent === null ? [cn] : [...groups[parent].path, cn];
      groups.push({ index, dn: `cn=${cn},${this.groupsDn}`, cn, parent, path });
    }
    return groups;
  }

  private membership(): { users: number[][]; lists: number[][] } {
    if (!this.members) {
      const users = this.groupList.map((): number[] => []);
      const lists = Array.from({ length: this.options.outsideGroups }, (): number[] => []);
      for (let index = 0; index < this.userCount; index++) {
        const user = this.user(index);
        for (const group of user.groups) users[group].push(index);
        for (const list of user.lists) lists[list].push(index);
      }
      this.members = { users, lists };
    }
    return this.members;
  }

  private *ldifChunks(): Generator<string> {
    yield* this.ouEntries();
    for (let index = 0; index < this.userCount; index++) yield this.userEntry(this.user(index));
    for (const [n, dn] of this.invalidUserDns.entries()) {
      yield [`dn: ${dn}`, 'objectClass: inetOrgPerson', `cn: Nameless ${n}`, 'sn: Nameless', '', ''].join(
        '\n',
      );
    }
    // Deepest groups first: online, the memberof overlay only marks members that already exist.
    const byDepth = [...this.groupList].sort((a, b) => b.path.length - a.path.length || a.index - b.index);
    const { users, lists } = this.membership();
    const children = this.groupList.map((): string[] => []);
    for (const group of this.groupList) if (group.parent !== null) children[group.parent].push(group.dn);
    for (const group of byDepth) {
      const members = [...users[group.index].map((index) => this.user(index).dn), ...children[group.index]];
      const parentDn = group.parent === null ? [] : [this.group(group.parent).dn];
      yield this.groupEntry(group.dn, group.cn, members, parentDn);
    }
    for (const [index, memberIndexes] of lists.entries()) {
      const members = memberIndexes.map((member) => this.user(member).dn);
      yield this.groupEntry(this.listDn(index), `list-${index}`, members, []);
    }
  }

  private *ouEntries(): Generator<string> {
    const ou = (dn: string, name: string): string =>
      [`dn: ${dn}`, 'objectClass: organizationalUnit', ldifLine('ou', name), '', ''].join('\n');
    yield ou(this.peopleDn, 'people');
    for (let department = 0; department < this.options.departments; department++) {
      const name = DEPARTMENTS[department] ?? `Department ${pad(department + 1, 2)}`;
      const dn = `ou=${escapeDnValue(name)},${this.peopleDn}`;
      yield ou(dn, name);
      if (department % 2 === 0) for (const team of ['Team A', 'Team B']) yield ou(`ou=${team},${dn}`, team);
    }
    yield ou(this.groupsDn, 'groups');
    if (this.options.outsideGroups > 0) yield ou(this.listsDn, 'lists');
  }

  private userEntry(user: GeneratedLdapUser): string {
    const lines = [
      ldifLine('dn', user.dn),
      'objectClass: inetOrgPerson',
      `uid: ${user.uid}`,
      ldifLine('cn', user.cn),
      ldifLine('sn', user.sn),
      `mail: ${user.mail}`,
      `employeeNumber: ${user.employeeNumber}`,
      `preferredLanguage: ${user.language}`,
      ...user.carLicense.map((card) => `carLicense: ${card}`),
    ];
    if (user.pager) lines.push(`pager: ${user.pager}`);
    if (user.pin) lines.push(`employeeType: ${user.pin}`);
    if (user.alias) lines.push(`initials: ${user.alias}`);
    if (user.phone) lines.push(`telephoneNumber: ${user.phone}`);
    if (user.password) lines.push(`userPassword: ${sshaPassword(user.password, Buffer.from(user.uid))}`);
    if (this.options.memberOf) {
      for (const group of user.groups) lines.push(ldifLine('memberOf', this.group(group).dn));
      for (const list of user.lists) lines.push(ldifLine('memberOf', this.listDn(list)));
    }
    return `${lines.join('\n')}\n\n`;
  }

  private groupEntry(dn: string, cn: string, members: string[], memberOf: string[]): string {
    // groupOfNames needs at least one member; a dangling DN is what an emptied group looks like in practice.
    const memberDns = members.length > 0 ? members : [`cn=nobody,${SLAPD_BASE_DN}`];
    const lines = [`dn: ${dn}`, 'objectClass: groupOfNames', `cn: ${cn}`];
    for (const member of memberDns) lines.push(ldifLine('member', member));
    if (this.options.memberOf) for (const parent of memberOf) lines.push(ldifLine('memberOf', parent));
    return `${lines.join('\n')}\n\n`;
  }
}

/** Generate the directory described by `options` (deterministic for a given seed). */
export function generateLdapDirectory(options: LdapDirectoryOptions): GeneratedLdapDirectory {
  return new GeneratedLdapDirectory(options);
}
