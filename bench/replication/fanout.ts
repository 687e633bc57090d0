/**
 * Phase 4 of `bench/replication`: fanning a directory out to sites. Central (its own process) holds a directory
 * filled through the sync engine (central-directory.ts) and publishes it with the real directory publisher; N
 * sites in this process, each with its own SQLite database, the real DirectorySink under the directory applier
 * and a CentralLink, start together, and the time runs until every one of them holds central's version. The
 * anchor streams the same snapshot's JSON bytes, in the same batches and window, over bare Sessions to N
 * receivers that discard them.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createSilentLogger, openDatabase } from '@quire/common';
import { directoryApplier, DirectorySink, type CentralLink } from '@quire/site/dist/src/federation';
import { jobCoreEntities, jobCoreMigrations } from '@quire/site/dist/src/job-core';
import { type DataSource } from 'typeorm';
import { receiveDirectory } from './bare-clients';
import { ChildHandle } from './child-handle';
import { within, type BenchContext } from './phases-up';
import { benchLink, enrolSite } from './site-link';

/** The directory fan-out figures. */
export interface FanoutResult {
  users: number;
  groups: number;
  sites: number;
  fillSeconds: number;
  quireSeconds: number;
  /** When the fastest site had the version, from the start of the links. */
  fastestSeconds: number;
  /** One more site alone, after the others (the snapshot is already built and shared by then). */
  soloSeconds: number;
  anchorSeconds: number;
  snapshotSeconds: number;
  snapshotBytes: number;
  batches: number;
}

interface Filled {
  added: number;
  groups: number;
  seconds: number;
  version: number;
}

interface BareDirectory {
  port: number;
  batches: number;
  changes: number;
  bytes: number;
  snapshotSeconds: number;
}

interface FanSite {
  name: string;
  dataSource: DataSource;
  dataDir: string;
  sink: DirectorySink;
  link: CentralLink | null;
}

async function openFanSite(ctx: BenchContext, central: ChildHandle, name: string): Promise<FanSite> {
  const dir = path.join(ctx.scratch, 'fanout', name);
  mkdirSync(dir, { recursive: true });
  const { dataSource } = await openDatabase({
    url: `sqlite:${path.join(dir, 'site.db')}`,
    entities: jobCoreEntities,
    migrations: jobCoreMigrations,
  });
  const dataDir = path.join(dir, 'data');
  const token = await central.request<string>({ command: 'create-site', args: { name } });
  await enrolSite(central.port, dataDir, name, token);
  return { name, dataSource, dataDir, sink: new DirectorySink({ dataSource }), link: null };
}

/** Start every site's link at once; resolves with each site's seconds until it applied `version`. */
function linkAll(sites: FanSite[], port: number, version: number): Promise<number[]> {
  const started = process.hrtime.bigint();
  return Promise.all(
    sites.map(
      (site) =>
        new Promise<number>((resolve) => {
          const applier = directoryApplier({
            sink: site.sink,
            logger: createSilentLogger(),
            onApplied: (applied) => {
              if (applied >= version) resolve(Number(process.hrtime.bigint() - started) / 1e9);
            },
          });
          site.link = benchLink({ port, dataDir: site.dataDir, name: site.name, participants: [applier] });
          site.link.start();
        }),
    ),
  );
}

/** Every site holds `version` and exactly `users` enabled users. */
async function checkSites(sites: FanSite[], version: number, users: number): Promise<void> {
  for (const site of sites) {
    const held = await site.sink.appliedVersion();
    const [{ n }] = await site.dataSource.query(
      'SELECT COUNT(*) AS n FROM directory_users WHERE enabled = 1',
    );
    if (held !== version || Number(n) !== users) {
      throw new Error(`${site.name} holds version ${held} with ${n} users; expected ${version} and ${users}`);
    }
  }
}

/** Link `sites` at once and wait until all hold the filled version; each one's seconds, checked. */
async function fanOut(sites: FanSite[], port: number, filled: Filled, users: number): Promise<number[]> {
  const times = await within(linkAll(sites, port, filled.version), 900_000, 'the fan-out');
  for (const site of sites) await site.link?.stop();
  await checkSites(sites, filled.version, users);
  return times;
}

/** Phase 4: `users` users to `siteCount` sites, and the anchor. */
export async function fanoutPhase(
  ctx: BenchContext,
  users: number,
  siteCount: number,
): Promise<FanoutResult> {
  const dataDir = path.join(ctx.scratch, 'central-directory');
  mkdirSync(dataDir, { recursive: true });
  const central = await ChildHandle.start({
    mode: 'directory',
    dbUrl: await ctx.centralDb('directory'),
    dataDir,
    port: 0,
  });
  const sites: FanSite[] = [];
  try {
    const filled = await within(
      central.request<Filled>({ command: 'fill', args: { users } }),
      600_000,
      'filling the directory',
    );
    if (filled.added !== users) throw new Error(`the fill added ${filled.added} users, not ${users}`);
    ctx.note(
      `  central directory: ${users} users in ${filled.groups} groups synced in ${filled.seconds.toFixed(1)} s`,
    );
    for (let i = 0; i < siteCount; i += 1) sites.push(await openFanSite(ctx, central, `fan-${i + 1}`));
    const times = await fanOut(sites, central.port, filled, users);
    const quireSeconds = Math.max(...times);
    ctx.note(`  quire: ${siteCount} sites hold version ${filled.version} after ${quireSeconds.toFixed(1)} s`);
    const solo = await openFanSite(ctx, central, 'fan-solo');
    sites.push(solo);
    const [soloSeconds] = await fanOut([solo], central.port, filled, users);
    ctx.note(`  quire: one more site alone holds it after ${soloSeconds.toFixed(1)} s`);
    const bare = await central.request<BareDirectory>({ command: 'start-bare-directory' });
    const anchorSeconds = await within(receiveDirectory(bare.port, siteCount), 600_000, 'the bare fan-out');
    ctx.note(
      `  anchor: ${bare.batches} batches (${(bare.bytes / 1e6).toFixed(1)} MB of JSON) to ${siteCount} receivers in ${anchorSeconds.toFixed(2)} s`,
    );
    return {
      users,
      groups: filled.groups,
      sites: siteCount,
      fillSeconds: filled.seconds,
      quireSeconds,
      fastestSeconds: Math.min(...times),
      soloSeconds,
      anchorSeconds,
      snapshotSeconds: bare.snapshotSeconds,
      snapshotBytes: bare.bytes,
      batches: bare.batches,
    };
  } finally {
    for (const site of sites) {
      await site.link?.stop();
      await site.dataSource.destroy();
    }
    await central.stop();
  }
}
