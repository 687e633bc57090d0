/**
 * Shared set-up of the directory integration tests: a migrated database with the directory services composed as
 * central composes them (with a known lookup key, so tests can compute PIN and card keys), source records and
 * sync rules with neutral defaults, a dump of every directory table (to prove that a run changed nothing), and
 * an injected database failure (a trigger) that stops a sync halfway through writing.
 */
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import {
  commonEntities,
  commonMigrations,
  createSilentLogger,
  isQuireError,
  loadConfig,
  LookupKeys,
  openDatabase,
  type ErrorCode,
} from '@quire/common';
import {
  type DirectoryChangeFeed,
  type DirectoryGroupEntity,
  type DirectoryGroupsService,
  type DirectoryRepository,
  type DirectorySyncService,
  type DirectoryUsersService,
  type RightsService,
  type SourceUser,
  type SyncRules,
} from '../src/directory';
import { centralMigrations } from '../src/migrations';
import { buildDirectory, centralEntities } from '../src/server';

/** The lookup-key secret of every test directory. */
export const TEST_LOOKUP_KEY = 'directory-test-lookup-key-0123456789';

/** An open test directory: the DataSource and the services built on it. */
export interface DirectoryFixture {
  dataSource: DataSource;
  repository: DirectoryRepository;
  lookupKeys: LookupKeys;
  users: DirectoryUsersService;
  groups: DirectoryGroupsService;
  rights: RightsService;
  feed: DirectoryChangeFeed;
  sync: DirectorySyncService;
  close(): Promise<void>;
}

/** Open (and migrate) the database at `url` and compose the directory services on it with server.ts's buildDirectory. */
export async function openDirectory(url: string, pinMinLength = 4): Promise<DirectoryFixture> {
  const { dataSource } = await openDatabase({
    url,
    entities: [...commonEntities, ...centralEntities],
    migrations: [...commonMigrations, ...centralMigrations],
  });
  const config = loadConfig({
    role: 'central',
    env: {
      QUIRE_DB_URL: url,
      QUIRE_DIRECTORY_LOOKUP_KEY: TEST_LOOKUP_KEY,
      QUIRE_DIRECTORY_PIN_MIN_LENGTH: String(pinMinLength),
    },
  });
  const directory = await buildDirectory(config, createSilentLogger(), dataSource);
  return {
    ...directory,
    dataSource,
    lookupKeys: new LookupKeys(TEST_LOOKUP_KEY),
    close: () => dataSource.destroy(),
  };
}

/** A chain of `levels` nested groups named PREFIX1, PREFIX2, ..., top first. */
export async function groupChain(
  dir: DirectoryFixture,
  levels: number,
  prefix: string,
): Promise<DirectoryGroupEntity[]> {
  const groups: DirectoryGroupEntity[] = [];
  for (let level = 1; level <= levels; level += 1) {
    groups.push(await dir.groups.create(`${prefix}${level}`, groups.at(-1)?.id ?? null));
  }
  return groups;
}

/** A source record with empty lists; `origin` defaults to the username. */
export function sourceUser(username: string, fields: Partial<SourceUser> = {}): SourceUser {
  return {
    username,
    aliases: [],
    fullName: `${username} (full name)`,
    email: '',
    personalNumber: null,
    phone: null,
    language: null,
    pins: [],
    cards: [],
    groups: [],
    managedGroups: [],
    delegates: [],
    origin: `record ${username}`,
    ...fields,
  };
}

/** Sync rules for `source`: add new users, nothing else, every list merged `full`. */
export function syncRules(source: string, rules: Partial<SyncRules> = {}): SyncRules {
  return {
    source,
    addNew: true,
    disableMissing: false,
    lowercaseUsernames: false,
    pairByPersonalNumber: false,
    merge: { cards: 'full', pin: 'full', groups: 'full', delegates: 'full' },
    ...rules,
  };
}

/** Names of the directory's tables as the database lists them (the sync history excluded unless asked). */
async function directoryTables(dataSource: DataSource, withHistory: boolean): Promise<string[]> {
  const rows: Array<{ name: string }> =
    dataSource.options.type === 'better-sqlite3'
      ? await dataSource.query(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'directory%' ORDER BY name",
        )
      : await dataSource.query(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ' +
            "AND table_name LIKE 'directory%' ORDER BY table_name",
        );
  return rows.map((row) => row.name).filter((name) => withHistory || name !== 'directory_sync_runs');
}

/**
 * Every row of every directory table (the sync history aside), each table's rows sorted, so two dumps are
 * equal exactly when the directory holds the same data.
 */
export async function dumpDirectory(dataSource: DataSource): Promise<Record<string, string[]>> {
  const dump: Record<string, string[]> = {};
  for (const table of await directoryTables(dataSource, false)) {
    const rows: unknown[] = await dataSource.query(`SELECT * FROM ${table}`);
    dump[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return dump;
}

/** Every row of the user, name and card tables as raw JSON, to search for secrets. */
export async function rawSecretTables(dataSource: DataSource): Promise<string> {
  const tables = ['directory_users', 'directory_names', 'directory_cards', 'audit_log'];
  const rows = await Promise.all(tables.map((table) => dataSource.query(`SELECT * FROM ${table}`)));
  return JSON.stringify(rows);
}

const FAILURE_TRIGGER = 'quire_test_injected_failure';

/**
 * Make the database refuse the change-feed row of any user: a sync writes those last, after its groups, users,
 * names, cards, memberships and delegates, so the failure strikes when nearly everything has been written.
 * Returns the function that removes the trigger.
 */
export async function injectUserChangeFailure(dataSource: DataSource): Promise<() => Promise<void>> {
  if (dataSource.options.type === 'better-sqlite3') {
    await dataSource.query(
      `CREATE TRIGGER ${FAILURE_TRIGGER} BEFORE INSERT ON directory_changes WHEN NEW.entity_kind = 'user' ` +
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    );
  } else {
    await dataSource.query(
      `CREATE TRIGGER ${FAILURE_TRIGGER} BEFORE INSERT ON directory_changes FOR EACH ROW BEGIN ` +
        "IF NEW.entity_kind = 'user' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; " +
        'END IF; END',
    );
  }
  return async () => {
    await dataSource.query(`DROP TRIGGER ${FAILURE_TRIGGER}`);
  };
}

/** Await `promise`, expect it to reject with a QuireError of `code`, and return the message. */
export async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<string> {
  const outcome = await promise.then(
    () => new Error('expected a rejection'),
    (err: unknown) => err,
  );
  expect(isQuireError(outcome, code), String(outcome)).to.equal(true);
  return (outcome as Error).message;
}

/** The lists of a user as paths and names, for comparing what a sync stored. */
export async function listsOf(dir: DirectoryFixture, username: string) {
  const user = await dir.users.findByName(username);
  if (!user) throw new Error(`no user ${username}`);
  const tx = dir.dataSource.manager;
  const [cards, memberships, delegates, groups] = await Promise.all([
    dir.repository.cardsOf(tx, [user.id]),
    dir.repository.membershipsOf(tx, [user.id]),
    dir.repository.delegatesOf(tx, [user.id]),
    dir.groups.list(),
  ]);
  const byId = new Map(groups.map((group) => [group.id, group]));
  const pathOf = (id: string): string => {
    const group = byId.get(id);
    return group ? [group.parentId ? pathOf(group.parentId) : '', group.name].filter(Boolean).join('/') : id;
  };
  const names = await dir.repository.namesOf(
    tx,
    delegates.map((d) => d.delegateId),
  );
  return {
    user,
    cardKeys: cards.map((card) => card.cardKey).sort(),
    pinKey: user.pinKey,
    groups: memberships.map((m) => pathOf(m.groupId)).sort(),
    delegates: delegates
      .map((d) => names.find((n) => n.userId === d.delegateId && n.kind === 'username')?.name ?? d.delegateId)
      .sort(),
  };
}
