/**
 * `npm run bench -- ldap-sync`: syncing a 100,000-user directory into Quire against the floor, `ldapsearch`
 * dumping the same entries, in one run on this machine.
 *
 * A generated directory (100,000 users, 5,000 groups nested up to 4 levels, memberOf on every user) is loaded
 * into a private slapd with slapadd. The anchor is two `ldapsearch -E pr=1000/noprompt` runs, users then groups,
 * with the same base DNs, filters and attributes as Quire's read, output to /dev/null. Quire's figures, each
 * checked for its exact counts:
 * - a full `readLdapSource` (same page size, groups resolved into nested paths);
 * - a full sync of every user into a fresh SQLite directory (read, plan, apply in one transaction);
 * - a delta sync of that directory after 1% of the users changed, 1% were removed and 10 renamed in slapd
 *   (phases.ts says how).
 * All bind as the same non-root account. Each side runs `--repeat` times, alternating, and the best run counts:
 * the machine is shared, and the best run is the least disturbed one. Each delta removes 1% of the users for good,
 * so later repetitions (floor and Quire alike) see 1% fewer users per delta before them.
 *
 * Options: --users N (100000), --groups N (5000), --page-size N (1000), --repeat N (3).
 * Goals (issue 6): a full sync within 3× the dump, a delta sync under 10 s.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  generateLdapDirectory,
  startSlapd,
  stopAllTracked,
  testRunDir,
  type GeneratedLdapDirectory,
  type Slapd,
} from '@quire/testkit';
import { readLdapSource } from '@quire/central/dist/src/directory/ldap-source';
import {
  parseLdapSourceConfig,
  type LdapSourceConfig,
} from '@quire/central/dist/src/directory/ldap-source-config';
import {
  closeSyncState,
  deltaSync,
  fullSync,
  initialSyncState,
  usersInSlapd,
  type LdapSyncBench,
  type MeasuredPhase,
} from './phases';

/** Quire's full read: every user, mapped, with nested group paths; it must find exactly every user. */
const fullRead: MeasuredPhase = {
  name: 'Quire readLdapSource (full read)',
  async run(bench) {
    const read = await readLdapSource(bench.config, { pageSize: bench.pageSize });
    if (read.users.length !== usersInSlapd(bench)) {
      throw new Error(`read ${read.users.length} users, expected ${usersInSlapd(bench)}`);
    }
    return `${read.users.length} users, ${read.groups.length} groups`;
  },
};

/** The phases measured against the floor, in order; the delta syncs the directory the full sync made. */
export const PHASES: MeasuredPhase[] = [fullRead, fullSync, deltaSync];

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

function options() {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '100000' },
      groups: { type: 'string', default: '5000' },
      'page-size': { type: 'string', default: '1000' },
      repeat: { type: 'string', default: '3' },
    },
  });
  return {
    users: Number(values.users),
    groups: Number(values.groups),
    pageSize: Number(values['page-size']),
    repeat: Math.max(1, Number(values.repeat)),
  };
}

function sourceConfig(slapd: Slapd, directory: GeneratedLdapDirectory): LdapSourceConfig {
  return parseLdapSourceConfig({
    name: 'bench',
    type: 'ldap',
    urls: [slapd.url],
    bindDn: slapd.readerDn,
    bindPassword: slapd.readerPassword,
    baseDns: [directory.peopleDn],
    userFilter: '(objectClass=inetOrgPerson)',
    mapping: {
      personalNumber: 'employeeNumber',
      cards: ['carLicense', 'pager'],
      pin: 'employeeType',
      aliases: 'initials',
      phone: 'telephoneNumber',
      language: 'preferredLanguage',
    },
    groups: { mode: 'memberOf', baseDn: directory.groupsDn },
    options: { disableMissing: true, pairByPersonalNumber: true },
  });
}

/** One ldapsearch dump to /dev/null, in seconds; fails unless ldapsearch succeeds. */
function ldapsearch(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('ldapsearch', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(seconds(started)) : reject(new Error(`ldapsearch exited with ${code}: ${errors}`)),
    );
  });
}

/** The floor: ldapsearch dumping the users and the groups Quire reads, with the same attributes and page size. */
async function dumpSeconds(bench: LdapSyncBench, passwordFile: string): Promise<number> {
  const { config, slapd, pageSize } = bench;
  const common = ['-x', '-LLL', '-E', `pr=${pageSize}/noprompt`, '-H', slapd.url, '-D', config.bindDn];
  const auth = ['-y', passwordFile];
  const attributes = [...new Set([...Object.values(config.mapping).flat(), 'memberOf'])] as string[];
  const users = await ldapsearch([
    ...common,
    ...auth,
    '-b',
    config.baseDns[0],
    config.userFilter,
    ...attributes,
  ]);
  const groupBase = config.groups.baseDn as string;
  const groups = await ldapsearch([
    ...common,
    ...auth,
    '-b',
    groupBase,
    config.groups.filter,
    'cn',
    'memberOf',
  ]);
  return users + groups;
}

async function timed(
  phase: MeasuredPhase,
  bench: LdapSyncBench,
): Promise<{ seconds: number; check: string }> {
  await phase.prepare?.(bench);
  const started = process.hrtime.bigint();
  const check = await phase.run(bench);
  return { seconds: seconds(started), check };
}

async function prepare(
  users: number,
  groups: number,
): Promise<{ slapd: Slapd; directory: GeneratedLdapDirectory }> {
  const directory = generateLdapDirectory({ users, groups, memberOf: true });
  const file = path.join(testRunDir(), `ldap-sync-bench-${users}.ldif`);
  let started = process.hrtime.bigint();
  await directory.writeLdif(file);
  say(`generated ${users} users and ${groups} groups in ${seconds(started).toFixed(1)} s`);
  started = process.hrtime.bigint();
  try {
    const slapd = await startSlapd({ preload: file });
    say(`slapadd and slapd start: ${seconds(started).toFixed(1)} s (${slapd.url})`);
    return { slapd, directory };
  } finally {
    rmSync(file, { force: true });
  }
}

/** Run the floor and every phase `repeat` times, alternating; the best time of each. */
async function measure(bench: LdapSyncBench, repeat: number, passwordFile: string) {
  let floor = Infinity;
  const best = PHASES.map(() => ({ seconds: Infinity, check: '' }));
  for (let run = 0; run < repeat; run++) {
    floor = Math.min(floor, await dumpSeconds(bench, passwordFile));
    for (const [index, phase] of PHASES.entries()) {
      const result = await timed(phase, bench);
      say(`  run ${run + 1}: ${phase.name}: ${result.seconds.toFixed(2)} s`);
      if (result.seconds < best[index].seconds) best[index] = result;
    }
  }
  return { floor, best };
}

function printResults(
  opts: ReturnType<typeof options>,
  floor: number,
  best: Array<{ seconds: number; check: string }>,
) {
  say(`\nbest of ${opts.repeat} runs, page size ${opts.pageSize}:\n`);
  say('| measure | seconds | × floor | result |');
  say('|---|---|---|---|');
  say(`| floor: ldapsearch dump (users + groups) | ${floor.toFixed(2)} | 1.0× | to /dev/null |`);
  for (const [index, phase] of PHASES.entries()) {
    const { seconds: time, check } = best[index];
    say(`| ${phase.name} | ${time.toFixed(2)} | ${(time / floor).toFixed(1)}× | ${check} |`);
  }
  const full = best[PHASES.indexOf(fullSync)].seconds / floor;
  const delta = best[PHASES.indexOf(deltaSync)].seconds;
  say(`\ngoal: full sync within 3× the dump: ${full.toFixed(1)}× (${full <= 3 ? 'met' : 'MISSED'})`);
  say(`goal: delta sync under 10 s: ${delta.toFixed(2)} s (${delta < 10 ? 'met' : 'MISSED'})`);
}

async function main(): Promise<void> {
  const opts = options();
  const scratch = mkdtempSync(path.join(testRunDir(), 'ldap-sync-bench-'));
  let bench: LdapSyncBench | undefined;
  try {
    const { slapd, directory } = await prepare(opts.users, opts.groups);
    bench = {
      slapd,
      directory,
      config: sourceConfig(slapd, directory),
      pageSize: opts.pageSize,
      scratch,
      state: initialSyncState(directory),
    };
    const passwordFile = path.join(scratch, 'reader.pw');
    writeFileSync(passwordFile, slapd.readerPassword, { mode: 0o600 });
    const { floor, best } = await measure(bench, opts.repeat, passwordFile);
    printResults(opts, floor, best);
    await slapd.stop();
  } finally {
    if (bench) await closeSyncState(bench.state);
    rmSync(scratch, { recursive: true, force: true });
    await stopAllTracked();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`ldap-sync benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
