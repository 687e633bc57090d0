/**
 * Reads users and groups from an LDAP source into the shape the sync engine compares (source-user.ts), and
 * checks LDAP-bind logins.
 *
 * A read is all or nothing: it either returns every matching entry of every base DN, or rejects. A lost
 * connection, a server size limit or a cancelled run never yields a partial read, because the engine would
 * take the missing users for deleted ones. Paged results (RFC 2696) get past per-search limits such as Active
 * Directory's MaxPageSize or OpenLDAP's `size.soft`; a hard total limit makes the read fail and says so.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { AndFilter, EqualityFilter, FilterParser, OrFilter } from 'ldapts';
import { ErrorCode, QuireError, describeError } from '@quire/common';
import {
  LdapConnection,
  LdapResultCode,
  LdapResultError,
  type LdapEntry,
  type LdapSearch,
} from './ldap-connection';
import { normalizeDn } from './ldap-dn';
import { GroupResolution, readGroupIndex } from './ldap-groups';
import { mapEntry, requestedAttributes } from './ldap-mapping';
import { type LdapSourceConfig } from './ldap-source-config';
import { type SourceRead, type SourceUser } from './source-user';

/** Options for {@link readLdapSource}. */
export interface ReadLdapSourceOptions {
  /** Called after each page of users with how many user entries were read so far. */
  onProgress?(count: number): void;
  /** Cancels the read: the connection is closed and the read rejects (reason `cancelled`). */
  signal?: AbortSignal;
  /** Entries per page (default 500: OpenLDAP's default limit, and below AD's MaxPageSize of 1000). */
  pageSize?: number;
  /**
   * Hands each page's users over as it is read, instead of collecting them in `users` (which then stays
   * empty), so the caller can work on one page while the server sends the next.
   */
  onUsers?(users: SourceUser[]): void;
}

/** Why an LDAP operation failed, in `details.reason` of the QuireError. */
export type LdapFailureReason =
  'unavailable' | 'bind-rejected' | 'connection-lost' | 'size-limit' | 'search-failed' | 'cancelled';

const DEFAULT_PAGE_SIZE = 500;
// Bind refusals that another replica would repeat; trying the next server could only lock the account sooner.
const FINAL_BIND_CODES: readonly number[] = [
  LdapResultCode.InvalidCredentials,
  LdapResultCode.InappropriateAuthentication,
  LdapResultCode.ConfidentialityRequired,
];

/**
 * The error of a failed LDAP read or bind. The codes the lead is asked to add (LDAP_UNAVAILABLE 503,
 * LDAP_BIND_FAILED 502, LDAP_SEARCH_FAILED 502) replace ErrorCode.Internal here, in this one place.
 */
export function ldapFailure(reason: LdapFailureReason, message: string, cause?: unknown): QuireError {
  const code =
    reason === 'unavailable' || reason === 'connection-lost' || reason === 'cancelled'
      ? ErrorCode.LdapUnavailable
      : reason === 'bind-rejected'
        ? ErrorCode.LdapBindFailed
        : ErrorCode.LdapSearchFailed;
  return new QuireError(code, message, { details: { reason }, cause });
}

function isLdapFailure(err: unknown, reason: LdapFailureReason): boolean {
  return err instanceof QuireError && err.details?.reason === reason;
}

function tlsOptionsFor(config: LdapSourceConfig, url: string): ConnectionOptions {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return {
    host,
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ...(config.caFile ? { ca: readFileSync(config.caFile) } : {}),
  };
}

/** A connection bound as `dn`; closed again when the bind fails. */
async function openBound(
  config: LdapSourceConfig,
  url: string,
  dn: string,
  password: string,
): Promise<LdapConnection> {
  const connection = await LdapConnection.open({
    url,
    startTls: config.startTls,
    tls: tlsOptionsFor(config, url),
    connectTimeoutMs: config.connectTimeoutSeconds * 1000,
    timeoutMs: config.timeoutSeconds * 1000,
  });
  try {
    await connection.bind(dn, password);
    return connection;
  } catch (err) {
    connection.close();
    throw err;
  }
}

/** A connection bound as the service account, on the first server (in order) that answered. */
interface ServiceConnection {
  connection: LdapConnection;
  url: string;
}

/** Bind as the service account, trying the servers in order; rejects `unavailable` when none answered. */
async function connectService(config: LdapSourceConfig): Promise<ServiceConnection> {
  const failures: string[] = [];
  for (const url of config.urls) {
    try {
      return { connection: await openBound(config, url, config.bindDn, config.bindPassword), url };
    } catch (err) {
      if (err instanceof LdapResultError && FINAL_BIND_CODES.includes(err.resultCode)) {
        throw ldapFailure(
          'bind-rejected',
          `LDAP source "${config.name}": ${url} refused the bind as ${config.bindDn} (${err.message}); ` +
            'check bindDn and bindPassword',
          err,
        );
      }
      failures.push(`${url}: ${describeError(err)}`);
    }
  }
  throw ldapFailure(
    'unavailable',
    `LDAP source "${config.name}": no server answered (${failures.join('; ')})`,
  );
}

function searchFailure(config: LdapSourceConfig, baseDn: string, count: number, err: unknown): QuireError {
  if (err instanceof QuireError) return err;
  const where = `LDAP source "${config.name}", base ${baseDn}`;
  if (err instanceof LdapResultError && err.resultCode === LdapResultCode.SizeLimitExceeded) {
    return ldapFailure(
      'size-limit',
      `${where}: the server's size limit stopped the read after ${count} entries; nothing was applied. ` +
        `Lift the limit for ${config.bindDn} (OpenLDAP: olcLimits size.prtotal=unlimited)`,
      err,
    );
  }
  if (err instanceof LdapResultError && err.resultCode === LdapResultCode.NoSuchObject) {
    return ldapFailure('search-failed', `${where}: the base DN does not exist`, err);
  }
  if (err instanceof LdapResultError) {
    return ldapFailure('search-failed', `${where}: the server refused the search (${err.message})`, err);
  }
  return ldapFailure(
    'connection-lost',
    `${where}: the connection was lost after ${count} entries (${describeError(err)}); nothing was applied`,
    err,
  );
}

/**
 * Every entry under `search.baseDn` matching its filter, page by page; `onPage` sees each page. Rejects with a
 * QuireError (`details.reason`) on any failure, however far the search got. Aborting `signal` closes the
 * connection, so a page in flight fails at once.
 */
async function searchAll(
  service: ServiceConnection,
  config: LdapSourceConfig,
  search: LdapSearch & { signal?: AbortSignal },
  onPage: (entries: LdapEntry[]) => void,
): Promise<void> {
  const { signal } = search;
  const cancel = (): void => service.connection.close();
  const checkCancelled = (): void => {
    if (signal?.aborted)
      throw ldapFailure('cancelled', `LDAP source "${config.name}": the read was cancelled`);
  };
  let count = 0;
  // A failure of the caller's own work on a page is its error, not the server's.
  let pageFailure: { error: unknown } | null = null;
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    checkCancelled();
    await service.connection.search(search, (entries) => {
      checkCancelled();
      count += entries.length;
      try {
        onPage(entries);
      } catch (error) {
        pageFailure = { error };
        throw error;
      }
    });
  } catch (err) {
    if (pageFailure) throw (pageFailure as { error: unknown }).error;
    checkCancelled();
    throw searchFailure(config, search.baseDn, count, err);
  } finally {
    signal?.removeEventListener('abort', cancel);
  }
}

/**
 * Read every user of the source (all base DNs, paged) and their groups, mapped to SourceUsers. Records without a
 * username or full name, and second records for a username already read, go to `problems`. Rejects with a
 * QuireError whose `details.reason` says why (`unavailable`, `bind-rejected`, `connection-lost`, `size-limit`,
 * `search-failed`, `cancelled`) and never returns a partial read.
 */
export async function readLdapSource(
  config: LdapSourceConfig,
  options: ReadLdapSourceOptions = {},
): Promise<SourceRead> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const { signal } = options;
  const service = await connectService(config);
  try {
    const resolution =
      config.groups.mode === 'memberOf'
        ? new GroupResolution(
            await readGroupIndex(
              (search, onPage) => searchAll(service, config, { ...search, pageSize, signal }, onPage),
              config.groups,
            ),
            config.groups.tree,
          )
        : null;
    const read: SourceRead = { users: [], groups: [], problems: [] };
    const seenDns = new Set<string>();
    let entriesRead = 0;
    const byUsername = new Map<string, string>();
    const fold = (name: string): string => (config.options.lowercaseUsernames ? name.toLowerCase() : name);
    const attributes = requestedAttributes(config);
    for (const baseDn of config.baseDns) {
      const search = { baseDn, filter: config.userFilter, attributes, pageSize, signal };
      await searchAll(service, config, search, (entries) => {
        const users: SourceUser[] = [];
        for (const entry of entries) {
          // Only overlapping base DNs can return an entry twice.
          if (config.baseDns.length > 1) {
            const key = normalizeDn(entry.dn);
            if (seenDns.has(key)) continue;
            seenDns.add(key);
          }
          entriesRead += 1;
          const mapped = mapEntry(config, entry);
          if (!('user' in mapped)) {
            read.problems.push(mapped);
            continue;
          }
          const { username } = mapped.user;
          const earlier = byUsername.get(fold(username));
          if (earlier !== undefined) {
            read.problems.push({ origin: entry.dn, message: `username "${username}" is also ${earlier}` });
            continue;
          }
          byUsername.set(fold(username), entry.dn);
          if (resolution) mapped.user.groups = resolution.groupsOf(mapped.memberOf);
          users.push(mapped.user);
        }
        if (options.onUsers) options.onUsers(users);
        else for (const user of users) read.users.push(user);
        options.onProgress?.(entriesRead);
      });
    }
    resolution?.finish(read);
    return read;
  } finally {
    service.connection.close();
  }
}

/** The DN of the one user entry whose username attribute equals `username`; null when none or several match. */
async function findUserDn(
  connection: LdapConnection,
  config: LdapSourceConfig,
  username: string,
): Promise<string | null> {
  const filter = new AndFilter({
    filters: [
      FilterParser.parseString(config.userFilter),
      new OrFilter({
        filters: config.mapping.username.map(
          (attribute) => new EqualityFilter({ attribute, value: username }),
        ),
      }),
    ],
  });
  const found: string[] = [];
  for (const baseDn of config.baseDns) {
    try {
      const search = { baseDn, filter, attributes: ['1.1'], pageSize: 0, sizeLimit: 2 };
      await connection.search(search, (entries) => found.push(...entries.map((entry) => entry.dn)));
    } catch (err) {
      if (!(err instanceof LdapResultError && err.resultCode === LdapResultCode.NoSuchObject)) throw err;
    }
  }
  return found.length === 1 ? found[0] : null;
}

/**
 * Check a login by binding as the user: find the user's DN by the username attribute (bound as the service
 * account), then bind as that DN with `password`. A wrong password, an unknown or ambiguous username and an
 * empty password (which LDAP would take for an anonymous bind) all return false, and an unknown user costs the
 * same bind as a known one, so the answer reveals nothing about who exists. Returns 'unavailable' when no
 * server can be reached; throws a QuireError (`bind-rejected`, `search-failed`) when the service account is
 * refused or may not search.
 */
export async function authenticateLdapUser(
  config: LdapSourceConfig,
  username: string,
  password: string,
): Promise<boolean | 'unavailable'> {
  if (username === '' || password === '') return false;
  let service: ServiceConnection;
  try {
    service = await connectService(config);
  } catch (err) {
    if (isLdapFailure(err, 'unavailable')) return 'unavailable';
    throw err;
  }
  let dn: string | null;
  try {
    dn = await findUserDn(service.connection, config, username);
  } catch (err) {
    if (err instanceof LdapResultError) throw searchFailure(config, config.baseDns[0], 0, err);
    return 'unavailable';
  } finally {
    service.connection.close();
  }
  const bindDn = dn ?? `cn=quire-no-such-user,${config.baseDns[0]}`;
  try {
    (await openBound(config, service.url, bindDn, password)).close();
    return dn !== null;
  } catch (err) {
    return err instanceof LdapResultError ? false : 'unavailable';
  }
}
