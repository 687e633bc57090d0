/**
 * `npm run bench -- replication`: federation replication, Quire against the bare gRPC stream, in one run on this
 * machine. Central runs in a process of its own (central-child.ts), sites in this one; all on 127.0.0.1.
 *
 * 1. records/s from a site to central: a site outbox (SQLite) preloaded with `--records` job and job-event
 *    records drained by the real CentralLink + OutboxSender into the real central (FederationServer with the
 *    replication inbox storing every record). Goal (issue 7): ≥ 20,000 records/s.
 * 2. lag under a steady `--rate` jobs/s for `--lag-seconds`: the real site job core takes jobs through intake
 *    (spool, admit, analyse, route: four outbox records a job) while connected; p50/p99/max of (applied at
 *    central − written at the site).
 * 3. catch-up of a `--backlog`-record outbox written while central was down, from central listening to drained.
 * 4. fan-out of a `--users`-user directory (PINs, cards, ~1,000 groups) to `--sites` sites, each with its own
 *    SQLite directory cache, the real sink and a CentralLink, from the links' start until all hold the version.
 *
 * Each anchor moves the same bytes in the same batches and window over a bare grpc-js Session to a server (or
 * receivers) that acknowledge without storing: the wire's ceiling on this machine, measured in the same run.
 * Options: --records N (200000), --rate N (200), --lag-seconds N (30), --backlog N (1000000), --users N (100000),
 * --sites N (10), --central-db sqlite|mysql (sqlite, as `npm start` uses; mysql: a scratch MariaDB from testkit),
 * --phases LIST (throughput,lag,backlog,fanout), --cpu-prof-dir DIR (a CPU profile of every central child there;
 * profile the site side with `node --cpu-prof bench/dist/replication/index.js`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startMariaDb, stopAllTracked, testRunDir, type MariaDbServer } from '@quire/testkit';
import { ChildHandle } from './child-handle';
import { fanoutPhase, type FanoutResult } from './fanout';
import { backlogPhase, throughputPhase, type BenchContext, type UpResult } from './phases-up';
import { count, ratio, say, secondsSince } from './stats';
import { lagPhase, type LagResult } from './steady-lag';

const PHASES = ['throughput', 'lag', 'backlog', 'fanout'] as const;
type Phase = (typeof PHASES)[number];
const GOAL_RECORDS_PER_SECOND = 20_000;

function options() {
  const { values } = parseArgs({
    options: {
      records: { type: 'string', default: '200000' },
      rate: { type: 'string', default: '200' },
      'lag-seconds': { type: 'string', default: '30' },
      backlog: { type: 'string', default: '1000000' },
      users: { type: 'string', default: '100000' },
      sites: { type: 'string', default: '10' },
      'central-db': { type: 'string', default: 'sqlite' },
      phases: { type: 'string', default: PHASES.join(',') },
      'cpu-prof-dir': { type: 'string' },
    },
  });
  const positive = (name: string, value: string | undefined) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--${name} must be a whole number ≥ 1, not "${value}"`);
    return n;
  };
  const phases = (values.phases ?? '').split(',').map((p) => p.trim());
  const unknown = phases.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw new Error(`unknown phase ${unknown.join(', ')}; phases: ${PHASES.join(', ')}`);
  const centralDb = values['central-db'];
  if (centralDb !== 'sqlite' && centralDb !== 'mysql') {
    throw new Error(`--central-db must be sqlite or mysql, not "${centralDb}"`);
  }
  return {
    records: positive('records', values.records),
    rate: positive('rate', values.rate),
    lagSeconds: positive('lag-seconds', values['lag-seconds']),
    backlog: positive('backlog', values.backlog),
    users: positive('users', values.users),
    sites: positive('sites', values.sites),
    centralDb: centralDb as 'sqlite' | 'mysql',
    phases: new Set(phases as Phase[]),
    cpuProfDir: values['cpu-prof-dir'],
  };
}

/** Fresh central databases: SQLite files in the scratch dir, or databases on one scratch MariaDB. */
function centralDatabases(kind: 'sqlite' | 'mysql', scratch: string) {
  let mariadb: Promise<MariaDbServer> | null = null;
  return async (label: string): Promise<string> => {
    if (kind === 'sqlite') return `sqlite:${path.join(scratch, `central-${label}.db`)}`;
    mariadb ??= startMariaDb();
    return (await mariadb).createDatabase(`bench_${label}`);
  };
}

/** The 1-minute load average: other work on this shared machine moves every figure. */
function load(): string {
  return loadavg()[0].toFixed(2);
}

function perSecond(records: number, seconds: number): number {
  return records / seconds;
}

function upRow(label: string, result: UpResult, goal: boolean): string {
  const quire = perSecond(result.records, result.quireSeconds);
  const anchor = perSecond(result.records, result.anchorSeconds);
  const verdict = goal
    ? `${quire >= GOAL_RECORDS_PER_SECOND ? 'met' : 'MISSED'}: ≥ ${count(GOAL_RECORDS_PER_SECOND)}/s`
    : '';
  return `| ${label} | ${count(quire)} records/s (${result.quireSeconds.toFixed(2)} s) | ${count(anchor)} records/s (${result.anchorSeconds.toFixed(2)} s) | ${ratio(quire, anchor)} of the rate | ${verdict} |`;
}

function lagRow(result: LagResult): string {
  const { quire, anchor } = result;
  const figures = (p: { p50: number; p99: number; max: number }) =>
    `p50 ${p.p50.toFixed(0)} / p99 ${p.p99.toFixed(0)} / max ${p.max.toFixed(0)} ms`;
  return `| lag at ${result.rate} jobs/s for ${result.seconds} s (${count(quire.count)} records; anchor ${count(anchor.count)}) | ${figures(quire)} | ${figures(anchor)} | ${ratio(quire.p99, anchor.p99)}× the p99 | ${quire.failed > 0 ? `${quire.failed} jobs failed` : ''} |`;
}

function fanoutRow(result: FanoutResult): string {
  return `| ${count(result.users)} users (${count(result.groups)} groups) to ${result.sites} sites in one process | ${result.quireSeconds.toFixed(1)} s (first site ${result.fastestSeconds.toFixed(1)} s; one site alone ${result.soloSeconds.toFixed(1)} s) | ${result.anchorSeconds.toFixed(2)} s (${result.batches} batches, ${(result.snapshotBytes / 1e6).toFixed(1)} MB) | ${ratio(result.quireSeconds, result.anchorSeconds)}× the time | |`;
}

async function main(): Promise<void> {
  const opts = options();
  if (opts.cpuProfDir)
    ChildHandle.nodeFlags = ['--cpu-prof', `--cpu-prof-dir=${path.resolve(opts.cpuProfDir)}`];
  const scratch = mkdtempSync(path.join(testRunDir(), 'replication-bench-'));
  const ctx: BenchContext = { scratch, centralDb: centralDatabases(opts.centralDb, scratch), note: say };
  const rows: string[] = [];
  const notes: string[] = [];
  say(
    `replication benchmark: central on ${opts.centralDb}, sites on SQLite, load average ${load()}, scratch ${scratch}`,
  );
  const started = process.hrtime.bigint();
  let finished = false;
  try {
    if (opts.phases.has('throughput')) {
      say(`\n1. ${count(opts.records)} records from a site outbox to central…`);
      const result = await throughputPhase(ctx, opts.records);
      rows.push(upRow(`site → central, ${count(opts.records)} records`, result, true));
      notes.push(
        `1: ${result.check}; mean body ${result.meanBodyBytes.toFixed(0)} bytes; preload ${result.preloadSeconds.toFixed(1)} s`,
      );
    }
    if (opts.phases.has('lag')) {
      say(`\n2. ${opts.rate} jobs/s for ${opts.lagSeconds} s through the site's intake…`);
      rows.push(lagRow(await lagPhase(ctx, opts.rate, opts.lagSeconds)));
    }
    if (opts.phases.has('backlog')) {
      say(`\n3. a ${count(opts.backlog)}-record backlog written while central is down…`);
      const result = await backlogPhase(ctx, opts.backlog);
      rows.push(upRow(`catch-up of a ${count(opts.backlog)}-record backlog`, result, false));
      notes.push(
        `3: ${result.check}; central start ${result.centralStartSeconds.toFixed(1)} s (not counted); preload ${result.preloadSeconds.toFixed(1)} s`,
      );
    }
    if (opts.phases.has('fanout')) {
      say(`\n4. a ${count(opts.users)}-user directory to ${opts.sites} sites…`);
      const result = await fanoutPhase(ctx, opts.users, opts.sites);
      rows.push(fanoutRow(result));
      notes.push(
        `4: directory fill (sync engine) ${result.fillSeconds.toFixed(1)} s; central snapshot build alone ${result.snapshotSeconds.toFixed(2)} s (anchor excludes it)`,
      );
    }
    say(
      `\nreplication, central on ${opts.centralDb}, ${(secondsSince(started) / 60).toFixed(1)} min in all, load average now ${load()}:\n`,
    );
    say('| measure | Quire | anchor: bare grpc-js stream | ratio | goal |');
    say('|---|---|---|---|---|');
    for (const row of rows) say(row);
    say('');
    for (const note of notes) say(note);
    finished = true;
  } finally {
    await stopAllTracked();
    // A failed run keeps its scratch dir: the central children's logs (central.log) say what went wrong.
    if (finished) rmSync(scratch, { recursive: true, force: true });
    else say(`scratch kept for its logs: ${scratch}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`replication benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
