/**
 * The measured phases of `bench/ldap-sync` that run the sync engine, and the shapes every phase shares.
 *
 * Each repetition of the benchmark runs, in order: a full sync of the whole slapd into a fresh SQLite directory
 * (central's directory services as server.ts's buildDirectory composes them, the source saved as the API saves
 * it), then a delta sync into that same directory after changing 1% of the users in slapd (new cn and mail),
 * removing 1% and renaming 10 (new uid; users are paired by employeeNumber, so they keep their accounts).
 * Opening the database and changing slapd are preparation, outside the timed part. Each repetition touches users
 * no earlier one touched, and only users without a PIN: the generator draws PINs at random, so some users share
 * one and are conflicts, and an untouched set keeps every count exact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  commonEntities,
  commonMigrations,
  createSilentLogger,
  loadConfig,
  openDatabase,
} from '@quire/common';
import { ldifLine, type GeneratedLdapDirectory, type GeneratedLdapUser, type Slapd } from '@quire/testkit';
import { type SyncReport } from '@quire/central/dist/src/directory/directory-sync.service';
import { type LdapSourceConfig } from '@quire/central/dist/src/directory/ldap-source-config';
import { centralMigrations } from '@quire/central/dist/src/migrations';
import { buildDirectory, centralEntities } from '@quire/central/dist/src/server';

/** What every measured phase gets; `state` carries what one phase leaves for the next. */
export interface LdapSyncBench {
  slapd: Slapd;
  directory: GeneratedLdapDirectory;
  config: LdapSourceConfig;
  pageSize: number;
  /** A directory of the bench's own, for SQLite files. */
  scratch: string;
  state: SyncState;
}

/** One measured phase: `prepare` (untimed), then `run` does the work once and returns a one-line check. */
export interface MeasuredPhase {
  name: string;
  prepare?(bench: LdapSyncBench): Promise<void>;
  run(bench: LdapSyncBench): Promise<string>;
}

/** What the sync phases share across phases and repetitions. */
export interface SyncState {
  /** Completed repetitions of the delta (each touches its own users). */
  rounds: number;
  /** Users removed from slapd so far. */
  removed: number;
  /** Users sharing a PIN with an earlier one: conflicts in every sync. */
  pinConflicts: number;
  /** The directory of the current repetition. */
  open: OpenDirectory | null;
}

interface OpenDirectory {
  file: string;
  directory: Awaited<ReturnType<typeof buildDirectory>>;
  close(): Promise<void>;
}

const LOOKUP_KEY = 'ldap-sync-bench-lookup-key-0123456789';
const RENAMED = 10;
// Repetition r touches users whose index is r modulo this, so no two repetitions touch the same user.
const ROUND_STRIDE = 16;

/** The state the sync phases start from: how many users share a PIN (the planner reports them as conflicts). */
export function initialSyncState(directory: GeneratedLdapDirectory): SyncState {
  const holders = new Set<string>();
  let pinConflicts = 0;
  for (let index = 0; index < directory.userCount; index++) {
    const pin = directory.user(index).pin;
    if (pin === null) continue;
    if (holders.has(pin)) pinConflicts += 1;
    holders.add(pin);
  }
  return { rounds: 0, removed: 0, pinConflicts, open: null };
}

/** Users in slapd right now. */
export function usersInSlapd(bench: LdapSyncBench): number {
  return bench.directory.userCount - bench.state.removed;
}

/** A fresh, migrated SQLite directory with the bench's source saved in it. */
async function openFreshDirectory(bench: LdapSyncBench): Promise<OpenDirectory> {
  const dataDir = mkdtempSync(path.join(bench.scratch, 'central-'));
  const file = path.join(dataDir, 'central.db');
  const env = {
    QUIRE_DB_URL: `sqlite:${file}`,
    QUIRE_DATA_DIR: dataDir,
    QUIRE_DIRECTORY_LOOKUP_KEY: LOOKUP_KEY,
  };
  const { dataSource } = await openDatabase({
    url: env.QUIRE_DB_URL,
    entities: [...commonEntities, ...centralEntities],
    migrations: [...commonMigrations, ...centralMigrations],
  });
  const directory = await buildDirectory(
    loadConfig({ role: 'central', env }),
    createSilentLogger(),
    dataSource,
  );
  await directory.sources.save(bench.config);
  return {
    file,
    directory,
    async close() {
      await directory.sources.stop();
      await dataSource.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function counted(report: SyncReport): string {
  const c = report.counts;
  return `added ${c.added}, updated ${c.updated}, disabled ${c.disabled}, unchanged ${c.unchanged}, conflicts ${c.conflicts}`;
}

function checked(report: SyncReport, expected: Partial<SyncReport['counts']>): string {
  const wrong = Object.entries(expected).filter(
    ([key, value]) => report.counts[key as keyof SyncReport['counts']] !== value,
  );
  if (report.status === 'failed' || wrong.length > 0) {
    throw new Error(
      `sync ${report.status} (${report.error ?? counted(report)}); expected ${JSON.stringify(expected)}`,
    );
  }
  return `${counted(report)}; engine ${(report.durationMs / 1000).toFixed(2)} s`;
}

async function syncNow(bench: LdapSyncBench): Promise<SyncReport> {
  const open = bench.state.open;
  if (!open) throw new Error('no directory is open: the full sync phase runs first');
  return open.directory.sources.sync(bench.config.name, { dryRun: false });
}

/** The full sync: every user of slapd into a fresh directory. */
export const fullSync: MeasuredPhase = {
  name: 'Quire full sync (read + plan + apply, fresh SQLite)',
  async prepare(bench) {
    await bench.state.open?.close();
    bench.state.open = await openFreshDirectory(bench);
  },
  async run(bench) {
    const { pinConflicts } = bench.state;
    const report = await syncNow(bench);
    return checked(report, {
      added: usersInSlapd(bench) - pinConflicts,
      conflicts: pinConflicts,
      updated: 0,
    });
  },
};

/** 1% of the generated users: how many a delta changes, and how many it removes. */
function onePercent(directory: GeneratedLdapDirectory): number {
  return Math.round(directory.userCount / 100);
}

/** The users repetition `round` touches: PIN-less users with index ≡ round (mod 16), spread over the directory. */
function touchedUsers(directory: GeneratedLdapDirectory, round: number) {
  const share = onePercent(directory);
  const wanted = 2 * share + RENAMED;
  const users: GeneratedLdapUser[] = [];
  for (let index = round; index < directory.userCount && users.length < wanted; index += ROUND_STRIDE) {
    const user = directory.user(index);
    if (user.pin === null) users.push(user);
  }
  if (users.length < wanted) throw new Error(`too few users for delta round ${round + 1}`);
  return {
    changed: users.slice(0, share),
    removed: users.slice(share, 2 * share),
    renamed: users.slice(2 * share),
  };
}

function modifyLdif(users: GeneratedLdapUser[], round: number): string {
  return users
    .map((user) =>
      [
        ldifLine('dn', user.dn),
        'changetype: modify',
        'replace: cn',
        ldifLine('cn', `${user.cn} (round ${round})`),
        '-',
        'replace: mail',
        `mail: ${user.uid}.r${round}@changed.quire.test`,
        '-',
        '',
      ].join('\n'),
    )
    .join('\n');
}

function renameLdif(users: GeneratedLdapUser[]): string {
  return users
    .map((user) =>
      [
        ldifLine('dn', user.dn),
        'changetype: modrdn',
        `newrdn: uid=renamed-${user.uid}`,
        'deleteoldrdn: 1',
        '',
      ].join('\n'),
    )
    .join('\n');
}

/** The delta: 1% changed, 1% removed and 10 renamed in slapd (untimed), then a sync of the same directory. */
export const deltaSync: MeasuredPhase = {
  name: 'Quire delta sync (1% changed, 1% removed, 10 renamed)',
  async prepare(bench) {
    const { changed, removed, renamed } = touchedUsers(bench.directory, bench.state.rounds);
    await bench.slapd.modify(modifyLdif(changed, bench.state.rounds));
    await bench.slapd.delete(removed.map((user) => user.dn));
    await bench.slapd.modify(renameLdif(renamed));
    bench.state.rounds += 1;
    bench.state.removed += removed.length;
  },
  async run(bench) {
    const share = onePercent(bench.directory);
    const report = await syncNow(bench);
    return checked(report, {
      added: 0,
      updated: share + RENAMED,
      disabled: share,
      conflicts: bench.state.pinConflicts,
      unchanged: usersInSlapd(bench) - share - RENAMED - bench.state.pinConflicts,
    });
  },
};

/** Close the directory the last repetition left open. */
export async function closeSyncState(state: SyncState): Promise<void> {
  await state.open?.close();
  state.open = null;
}
