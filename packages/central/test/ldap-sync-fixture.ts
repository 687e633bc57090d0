/**
 * Shared set-up of the LDAP sync and LDAP login integration tests: a slapd preloaded with a generated directory,
 * the source settings that read it (in the API's shape), LDIF for the changes the tests make in slapd (new cn and
 * mail, renamed uids, users put back), central's configuration for a test database, the directory composed on it
 * exactly as central composes it (server.ts's buildDirectory), and the group paths the directory stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DataSource } from 'typeorm';
import {
  commonEntities,
  commonMigrations,
  createSilentLogger,
  loadConfig,
  openDatabase,
} from '@quire/common';
import {
  ldifLine,
  sshaPassword,
  startSlapd,
  testRunDir,
  type GeneratedLdapDirectory,
  type GeneratedLdapUser,
  type Slapd,
} from '@quire/testkit';
import { DirectoryGroupEntity, DirectoryMembershipEntity } from '../src/directory';
import { type LdapSourceConfigInput } from '../src/directory/ldap-source-config';
import { centralMigrations } from '../src/migrations';
import { buildDirectory, centralEntities } from '../src/server';
import { TEST_LOOKUP_KEY } from './directory-fixture';

/** Start slapd with `directory` loaded by slapadd (its LDIF must carry memberOf: generate with `memberOf`). */
export async function startSlapdWith(directory: GeneratedLdapDirectory): Promise<Slapd> {
  const file = path.join(testRunDir(), `ldap-sync-${directory.userCount}-${process.hrtime.bigint()}.ldif`);
  await directory.writeLdif(file);
  try {
    return await startSlapd({ preload: file });
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * The settings of source `name` reading `directory`'s people as the reader account, in the shape of
 * `POST /api/v1/directory/sources`: nested memberOf groups as a tree, users missing from LDAP disabled, and users
 * paired by employeeNumber so a renamed uid keeps its account. PINs are not mapped: the generator draws them at
 * random, so about a dozen of 10,000 users share one and would be reported as conflicts.
 */
export function ldapSourceInput(
  name: string,
  slapd: Slapd,
  directory: GeneratedLdapDirectory,
  overrides: Partial<LdapSourceConfigInput> = {},
): LdapSourceConfigInput {
  return {
    name,
    type: 'ldap',
    urls: [slapd.url],
    bindDn: slapd.readerDn,
    bindPassword: slapd.readerPassword,
    baseDns: [directory.peopleDn],
    userFilter: '(objectClass=inetOrgPerson)',
    mapping: {
      personalNumber: 'employeeNumber',
      cards: ['carLicense', 'pager'],
      aliases: 'initials',
      phone: 'telephoneNumber',
      language: 'preferredLanguage',
    },
    groups: { mode: 'memberOf', baseDn: directory.groupsDn, tree: true },
    options: { addNew: true, disableMissing: true, pairByPersonalNumber: true },
    ...overrides,
  };
}

/** The full name and email a changed user gets in slapd (`tag` tells several rounds of changes apart). */
export function changedFields(user: GeneratedLdapUser, tag: string): { cn: string; mail: string } {
  return { cn: `${user.cn} ${tag}`, mail: `${user.uid}.${tag}@changed.quire.test` };
}

/** ldapmodify input replacing the cn and mail of each user by {@link changedFields}. */
export function changeLdif(users: readonly GeneratedLdapUser[], tag: string): string {
  return users
    .map((user) => {
      const { cn, mail } = changedFields(user, tag);
      return [
        ldifLine('dn', user.dn),
        'changetype: modify',
        'replace: cn',
        ldifLine('cn', cn),
        '-',
        'replace: mail',
        `mail: ${mail}`,
        '-',
        '',
      ].join('\n');
    })
    .join('\n');
}

/** The uid a renamed user gets. */
export function renamedUid(user: GeneratedLdapUser): string {
  return `renamed-${user.uid}`;
}

/** ldapmodify input renaming each user's entry (its uid is the RDN) to {@link renamedUid}. */
export function renameLdif(users: readonly GeneratedLdapUser[]): string {
  return users
    .map((user) =>
      [
        ldifLine('dn', user.dn),
        'changetype: modrdn',
        `newrdn: uid=${renamedUid(user)}`,
        'deleteoldrdn: 1',
        '',
      ].join('\n'),
    )
    .join('\n');
}

/**
 * ldapadd input putting `user` back as the generator made it, with `password`; no memberOf, which the memberof
 * overlay refuses online (the user comes back without groups).
 */
export function userLdif(user: GeneratedLdapUser, password: string): string {
  return [
    ldifLine('dn', user.dn),
    'objectClass: inetOrgPerson',
    `uid: ${user.uid}`,
    ldifLine('cn', user.cn),
    ldifLine('sn', user.sn),
    `mail: ${user.mail}`,
    `employeeNumber: ${user.employeeNumber}`,
    `preferredLanguage: ${user.language}`,
    ...user.carLicense.map((card) => `carLicense: ${card}`),
    ...(user.pager ? [`pager: ${user.pager}`] : []),
    ...(user.alias ? [`initials: ${user.alias}`] : []),
    ...(user.phone ? [`telephoneNumber: ${user.phone}`] : []),
    `userPassword: ${sshaPassword(password, Buffer.from(user.uid))}`,
    '',
  ].join('\n');
}

/** The QUIRE_* environment of a central on the database at `dbUrl` with its data in `dataDir`. */
export function centralEnv(dbUrl: string, dataDir: string): Record<string, string> {
  return {
    QUIRE_DB_URL: dbUrl,
    QUIRE_DATA_DIR: dataDir,
    QUIRE_DIRECTORY_LOOKUP_KEY: TEST_LOOKUP_KEY,
    QUIRE_LOG_LEVEL: 'error',
  };
}

/** A fresh data directory for a test central (in the OS temp directory, removed by {@link CentralDirectory.close}). */
export function centralDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'quire-central-ldap-'));
}

/** The directory services of central, composed by server.ts's buildDirectory on a migrated database. */
export interface CentralDirectory {
  dataSource: DataSource;
  directory: Awaited<ReturnType<typeof buildDirectory>>;
  dataDir: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Open (and migrate) the database at `dbUrl` and build central's directory on it, as central does. */
export async function openCentralDirectory(dbUrl: string): Promise<CentralDirectory> {
  const dataDir = centralDataDir();
  const env = centralEnv(dbUrl, dataDir);
  const config = loadConfig({ role: 'central', env });
  const { dataSource } = await openDatabase({
    url: dbUrl,
    entities: [...commonEntities, ...centralEntities],
    migrations: [...commonMigrations, ...centralMigrations],
  });
  const directory = await buildDirectory(config, createSilentLogger(), dataSource);
  return {
    dataSource,
    directory,
    dataDir,
    env,
    async close() {
      await directory.sources.stop();
      await dataSource.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every stored group as its path from the top of the tree, with the source that made it. */
export async function storedGroups(
  dataSource: DataSource,
): Promise<Array<{ path: string[]; source: string }>> {
  const groups = await dataSource.manager.find(DirectoryGroupEntity);
  const byId = new Map(groups.map((group) => [group.id, group]));
  const pathOf = (group: DirectoryGroupEntity): string[] => {
    const parent = group.parentId ? byId.get(group.parentId) : undefined;
    return [...(parent ? pathOf(parent) : []), group.name];
  };
  return groups.map((group) => ({ path: pathOf(group), source: group.source }));
}

/** The paths of the groups `userId` is a member of, sorted as the generator sorts them. */
export async function membershipPaths(dataSource: DataSource, userId: string): Promise<string[][]> {
  const groups = await dataSource.manager.find(DirectoryGroupEntity);
  const byId = new Map(groups.map((group) => [group.id, group]));
  const pathOf = (id: string): string[] => {
    const group = byId.get(id);
    if (!group) return [id];
    return [...(group.parentId ? pathOf(group.parentId) : []), group.name];
  };
  const memberships = await dataSource.manager.findBy(DirectoryMembershipEntity, { userId });
  return memberships
    .map((membership) => pathOf(membership.groupId))
    .sort((a, b) => a.join('/').localeCompare(b.join('/')));
}
