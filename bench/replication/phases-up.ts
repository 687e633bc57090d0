/**
 * Phases 1 and 3 of `bench/replication`, site → central, each against the bare-stream anchor:
 * 1. throughput: a preloaded outbox drained by the real CentralLink and OutboxSender into the real central (its
 *    replication inbox storing every record), timed from the link's start until central has applied the last one;
 * 3. backlog: the outbox fills while central is down; central starts, and the drain is timed from the moment it
 *    listens (the link is already retrying, at most 200 ms apart) until it has applied the last record.
 * The anchor sends the same records (same bytes, batch size and window) over a bare Session to a server that
 * acknowledges without storing, in a process of its own like central.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@quire/testkit';
import { streamBatches } from './bare-clients';
import { ChildHandle } from './child-handle';
import { type ChildConfig } from './child-protocol';
import { benchWireBatches, meanBodyBytes } from './records';
import { enrolSite, OutboxSite, SENDER_BATCH, SENDER_WINDOW, until } from './site-link';
import { secondsSince } from './stats';

/** What every phase gets from the benchmark. */
export interface BenchContext {
  scratch: string;
  /** A fresh, empty central database for `label`: SQLite in the scratch dir, or a MariaDB database. */
  centralDb(label: string): Promise<string>;
  /** Progress lines while a phase runs. */
  note(text: string): void;
}

/** One up-replication measure: Quire's and the anchor's seconds for the same records. */
export interface UpResult {
  records: number;
  quireSeconds: number;
  anchorSeconds: number;
  preloadSeconds: number;
  meanBodyBytes: number;
  /** What central holds afterwards, for the report. */
  check: string;
}

interface Stored {
  jobs: number;
  events: number;
  appliedSeq: number;
}

/** A phase fails rather than hang: slower than 1,000 records/s (plus a minute) is not a figure worth waiting for. */
function drainTimeoutMs(records: number): number {
  return 60_000 + records;
}

/** Reject with `what` if `promise` has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function childDir(ctx: BenchContext, name: string): string {
  const dir = path.join(ctx.scratch, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Central's stored rows, checked against what `records` bench records must leave. */
async function checkStored(central: ChildHandle, records: number): Promise<string> {
  const stored = await central.request<Stored>({ command: 'stored' });
  if (stored.appliedSeq !== records)
    throw new Error(`central stored seq ${stored.appliedSeq}, not ${records}`);
  return `central holds ${stored.jobs} jobs, ${stored.events} events, applied seq ${stored.appliedSeq}`;
}

/** The anchor: the same records over a bare Session to a server that acks without storing; seconds. */
export async function bareUpSeconds(ctx: BenchContext, records: number): Promise<number> {
  const batches = benchWireBatches(records, SENDER_BATCH, Date.now());
  const bare = await ChildHandle.start({
    mode: 'bare-up',
    dbUrl: '',
    dataDir: childDir(ctx, 'bare-up'),
    port: 0,
  });
  try {
    const started = Date.now();
    await within(streamBatches(bare.port, batches, SENDER_WINDOW), drainTimeoutMs(records), 'bare stream');
    const reachedAt = await bare.request<number>({ command: 'await-applied', args: { seq: records } });
    return (reachedAt - started) / 1000;
  } finally {
    await bare.stop();
  }
}

/** A fresh site, enrolled at `central` with a site it creates there. */
async function enrolledSite(ctx: BenchContext, central: ChildHandle, name: string): Promise<OutboxSite> {
  const site = await OutboxSite.open(path.join(ctx.scratch, name));
  const token = await central.request<string>({ command: 'create-site', args: { name } });
  await enrolSite(central.port, site.dataDir, name, token);
  return site;
}

async function preload(ctx: BenchContext, site: OutboxSite, records: number): Promise<number> {
  const started = process.hrtime.bigint();
  await site.preload(records);
  const seconds = secondsSince(started);
  ctx.note(`  preloaded ${records} records into the site outbox in ${seconds.toFixed(1)} s`);
  return seconds;
}

/** Phase 1: records/s from a preloaded site outbox to central, and the anchor. */
export async function throughputPhase(ctx: BenchContext, records: number): Promise<UpResult> {
  const dataDir = childDir(ctx, 'central-throughput');
  const central = await ChildHandle.start({
    mode: 'central',
    dbUrl: await ctx.centralDb('up'),
    dataDir,
    port: 0,
  });
  let quireSeconds: number;
  let preloadSeconds: number;
  let check: string;
  try {
    const site = await enrolledSite(ctx, central, 'site-throughput');
    try {
      preloadSeconds = await preload(ctx, site, records);
      const started = Date.now();
      site.startLink(central.port);
      const reachedAt = await within(
        central.request<number>({ command: 'await-applied', args: { seq: records } }),
        drainTimeoutMs(records),
        'central applying the outbox',
      );
      quireSeconds = (reachedAt - started) / 1000;
      ctx.note(`  quire: ${records} records applied at central in ${quireSeconds.toFixed(2)} s`);
      check = await checkStored(central, records);
      await until(async () => (await site.remaining()) === 0, 30_000, 'pruning the acknowledged outbox');
    } finally {
      await site.close();
    }
  } finally {
    await central.stop();
  }
  const anchorSeconds = await bareUpSeconds(ctx, records);
  ctx.note(`  anchor: ${records} records acked by the bare server in ${anchorSeconds.toFixed(2)} s`);
  return {
    records,
    quireSeconds,
    anchorSeconds,
    preloadSeconds,
    meanBodyBytes: meanBodyBytes(records),
    check,
  };
}

/** Phase 3: the drain of a backlog written while central was down, and the anchor. */
export async function backlogPhase(
  ctx: BenchContext,
  records: number,
): Promise<UpResult & { centralStartSeconds: number }> {
  const config: ChildConfig = {
    mode: 'central',
    dbUrl: await ctx.centralDb('backlog'),
    dataDir: childDir(ctx, 'central-backlog'),
    port: await freePort(),
  };
  let central = await ChildHandle.start(config);
  const site = await enrolledSite(ctx, central, 'site-backlog');
  let quireSeconds: number;
  let preloadSeconds: number;
  let centralStartSeconds: number;
  let check: string;
  try {
    await central.stop();
    preloadSeconds = await preload(ctx, site, records);
    const link = site.startLink(config.port);
    await until(() => link.status().lastError !== null, 10_000, 'the link noticing central is down');
    const starting = process.hrtime.bigint();
    central = await ChildHandle.start(config);
    centralStartSeconds = secondsSince(starting);
    const listening = Date.now();
    const reachedAt = await within(
      central.request<number>({ command: 'await-applied', args: { seq: records } }),
      drainTimeoutMs(records),
      'central draining the backlog',
    );
    quireSeconds = (reachedAt - listening) / 1000;
    ctx.note(
      `  quire: central up in ${centralStartSeconds.toFixed(1)} s, backlog drained in ${quireSeconds.toFixed(1)} s`,
    );
    check = await checkStored(central, records);
    await until(async () => (await site.remaining()) === 0, 60_000, 'pruning the acknowledged outbox');
  } finally {
    await site.close();
    await central.stop();
  }
  const anchorSeconds = await bareUpSeconds(ctx, records);
  ctx.note(`  anchor: ${records} records acked by the bare server in ${anchorSeconds.toFixed(2)} s`);
  return {
    records,
    quireSeconds,
    anchorSeconds,
    preloadSeconds,
    centralStartSeconds,
    meanBodyBytes: meanBodyBytes(records, 997),
    check,
  };
}
