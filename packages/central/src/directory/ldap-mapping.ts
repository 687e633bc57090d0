/**
 * Turns one LDAP user entry into a SourceUser by the source's attribute mapping.
 *
 * Every mapping names one or more attributes. Single-valued fields (username, full name, email, personal
 * number, phone, language) take the first non-empty value of the first attribute that has one, so
 * `['mail', 'userPrincipalName']` falls back from one to the other. List fields (aliases, PINs, cards) take
 * every value of every listed attribute, in order, without duplicates: cards from `carLicense` and `pager` are
 * all the user's cards.
 */
import { type LdapEntry } from './ldap-connection';
import { normalizeDn, parseDn } from './ldap-dn';
import { type LdapSourceConfig } from './ldap-source-config';
import { type SourceProblem, type SourceUser } from './source-user';

/** A mapped user and its raw memberOf values (resolved into group paths once the whole read is in). */
export interface MappedEntry {
  user: SourceUser;
  memberOf: string[];
}

function valuesOf(entry: LdapEntry, attribute: string): string[] {
  return entry.attributes.get(attribute.toLowerCase()) ?? [];
}

function firstValue(entry: LdapEntry, attributes: readonly string[] | undefined): string | null {
  for (const attribute of attributes ?? []) {
    for (const value of valuesOf(entry, attribute)) {
      const text = value.trim();
      if (text !== '') return text;
    }
  }
  return null;
}

function allValues(entry: LdapEntry, attributes: readonly string[] | undefined): string[] {
  const values = new Set<string>();
  for (const attribute of attributes ?? []) {
    for (const value of valuesOf(entry, attribute)) {
      const text = value.trim();
      if (text !== '') values.add(text);
    }
  }
  return [...values];
}

/** The attributes a read asks for: every mapped one, plus memberOf when groups come from it. */
export function requestedAttributes(config: LdapSourceConfig): string[] {
  const mapped = Object.values(config.mapping).flatMap((names) => names ?? []);
  if (config.groups.mode === 'memberOf') mapped.push('memberOf');
  return [...new Set(mapped)];
}

/** The OU names of `dn` below `stopAt` (a normalised DN; all OUs when null), root first. */
function ouPath(dn: string, stopAt: string | null): string[] {
  const rdns = parseDn(dn).slice(1);
  const stop = stopAt === null ? -1 : rdns.findIndex((_, index) => normalizeDn(rdns.slice(index)) === stopAt);
  const below = stop === -1 ? rdns : rdns.slice(0, stop);
  return below
    .filter((rdn) => rdn.length === 1 && rdn[0].type === 'ou')
    .map((rdn) => rdn[0].value)
    .reverse();
}

/** ou mode: the OU path of the DN as one tree path, or (flat) each OU on its own, nearest first. */
function ouGroups(config: LdapSourceConfig, dn: string): string[][] {
  const path = ouPath(dn, config.groups.baseDn ? normalizeDn(config.groups.baseDn) : null);
  if (path.length === 0) return [];
  return config.groups.tree ? [path] : [...path].reverse().map((name) => [name]);
}

/**
 * Map one user entry; a record without a username or full name comes back as the problem to report. Groups
 * are filled in for ou mode; memberOf groups need the whole group index and are resolved later.
 */
export function mapEntry(config: LdapSourceConfig, entry: LdapEntry): MappedEntry | SourceProblem {
  const { mapping } = config;
  const username = firstValue(entry, mapping.username);
  const fullName = firstValue(entry, mapping.fullName);
  if (username === null)
    return { origin: entry.dn, message: `has no username (${mapping.username.join(', ')})` };
  if (fullName === null)
    return { origin: entry.dn, message: `has no full name (${mapping.fullName.join(', ')})` };
  const user: SourceUser = {
    username,
    aliases: allValues(entry, mapping.aliases).filter((alias) => alias !== username),
    fullName,
    email: firstValue(entry, mapping.email) ?? '',
    personalNumber: firstValue(entry, mapping.personalNumber),
    phone: firstValue(entry, mapping.phone),
    language: firstValue(entry, mapping.language),
    pins: allValues(entry, mapping.pin),
    cards: allValues(entry, mapping.cards),
    groups: config.groups.mode === 'ou' ? ouGroups(config, entry.dn) : [],
    managedGroups: [],
    delegates: [],
    origin: entry.dn,
  };
  return { user, memberOf: config.groups.mode === 'memberOf' ? valuesOf(entry, 'memberOf') : [] };
}
