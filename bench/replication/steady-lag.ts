/**
 * Phase 2 of `bench/replication`: lag under a steady job rate. The real site job core (buildJobCore with its
 * outbox, as the site server composes it) takes jobs through intake at a fixed rate (default 200 jobs/s): each
 * job is spooled durably, admitted (a `job` and a `job_event` record), analysed in the worker pool and routed to
 * `ready` (two more records), while the CentralLink's OutboxSender sends them to the real central in its own
 * process. A record's lag is the time central acknowledged it as applied minus the time the site wrote it.
 * The anchor makes the same four records per job at the same rate and sends them over a bare Session.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { createSilentLogger, openDatabase } from '@quire/common';
import { OutboxSender } from '@quire/site/dist/src/federation/outbox-sender';
import {
  buildJobCore,
  jobCoreEntities,
  jobCoreMigrations,
  type JobCore,
} from '@quire/site/dist/src/job-core';
import { makePdf } from '../intake/documents';
import { steadyBareLoad } from './bare-clients';
import { ChildHandle } from './child-handle';
import { within, type BenchContext } from './phases-up';
import { benchLink, enrolSite, SENDER_BATCH, SENDER_WINDOW, until } from './site-link';
import { type Percentiles } from './stats';

/** Quire's and the anchor's lag figures at one job rate. */
export interface LagResult {
  rate: number;
  seconds: number;
  quire: Percentiles & { jobs: number; failed: number };
  anchor: Percentiles & { jobs: number };
}

const QUEUE = 'Default';
const SETTLE_TIMEOUT_MS = 120_000;

async function openSiteCore(dir: string): Promise<JobCore> {
  mkdirSync(dir, { recursive: true });
  const { dataSource } = await openDatabase({
    url: `sqlite:${path.join(dir, 'site.db')}`,
    entities: jobCoreEntities,
    migrations: jobCoreMigrations,
  });
  const core = buildJobCore(dataSource, {
    spoolDir: path.join(dir, 'spool'),
    analysis: { workers: 1 },
    replication: {},
    logger: createSilentLogger(),
  });
  await core.queues.create({ name: QUEUE, type: 'pull' });
  await core.intake.recoverAtStartup();
  return core;
}

/**
 * Submit jobs through intake at `rate` a second for `seconds` (a job is due every 1/rate s; late ticks catch up),
 * not waiting for one to finish before the next; resolves once every submission settled and analysis is idle.
 */
async function submitAtRate(core: JobCore, rate: number, seconds: number) {
  const pdf = makePdf(4096);
  const submissions: Array<Promise<unknown>> = [];
  let failed = 0;
  const started = Date.now();
  for (let jobs = 0; ;) {
    const elapsed = Math.min(seconds, (Date.now() - started) / 1000);
    for (const due = Math.floor(elapsed * rate); jobs < due; jobs += 1) {
      const job = {
        queueName: QUEUE,
        protocol: 'ipp' as const,
        clientAddress: '10.20.0.7',
        senderUser: `user${jobs % 50}`,
        senderHost: 'pc-17',
        jobName: `report-${jobs}.pdf`,
        copies: 1,
        documentFormat: 'application/pdf',
      };
      submissions.push(core.intake.submit(job, Readable.from([pdf])).catch(() => (failed += 1)));
    }
    if (elapsed >= seconds) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await within(Promise.all(submissions), SETTLE_TIMEOUT_MS, 'intake settling');
  await within(core.analysis.drain(), SETTLE_TIMEOUT_MS, 'analysis settling');
  return { jobs: submissions.length, failed };
}

/** Quire at `rate` jobs/s for `seconds`: lag percentiles measured at central. */
async function quireLag(ctx: BenchContext, rate: number, seconds: number) {
  const dataDir = path.join(ctx.scratch, 'central-lag');
  mkdirSync(dataDir, { recursive: true });
  const central = await ChildHandle.start({
    mode: 'central',
    dbUrl: await ctx.centralDb('lag'),
    dataDir,
    port: 0,
  });
  const siteDir = path.join(ctx.scratch, 'site-lag');
  const core = await openSiteCore(siteDir);
  const outbox = core.outbox!;
  const sender = new OutboxSender({
    outbox,
    logger: createSilentLogger(),
    batchSize: SENDER_BATCH,
    window: SENDER_WINDOW,
  });
  const linkDir = path.join(siteDir, 'data');
  const link = benchLink({ port: central.port, dataDir: linkDir, name: 'site-lag', participants: [sender] });
  try {
    const token = await central.request<string>({ command: 'create-site', args: { name: 'site-lag' } });
    await enrolSite(central.port, linkDir, 'site-lag', token);
    link.start();
    await until(() => link.status().state === 'connected', 30_000, 'the lag site connecting');
    const fromSeq = (await outbox.figures()).lastSeq + 1;
    const { jobs, failed } = await submitAtRate(core, rate, seconds);
    const toSeq = (await outbox.figures()).lastSeq;
    if (toSeq < fromSeq) throw new Error('the lag phase queued no outbox records');
    const lags = await within(
      central.request<Percentiles>({ command: 'lags', args: { fromSeq, toSeq } }),
      SETTLE_TIMEOUT_MS,
      'central applying the last record',
    );
    return { ...lags, jobs, failed };
  } finally {
    await link.stop();
    await core.close();
    await core.dataSource.destroy();
    await central.stop();
  }
}

/** The anchor at the same rate: four records per job over a bare Session; lag measured at the bare server. */
async function anchorLag(ctx: BenchContext, rate: number, seconds: number) {
  const dataDir = path.join(ctx.scratch, 'bare-lag');
  mkdirSync(dataDir, { recursive: true });
  const bare = await ChildHandle.start({ mode: 'bare-up', dbUrl: '', dataDir, port: 0 });
  try {
    const { lastSeq, jobs } = await within(
      steadyBareLoad({ port: bare.port, rate, seconds, batchSize: SENDER_BATCH, window: SENDER_WINDOW }),
      seconds * 1000 + SETTLE_TIMEOUT_MS,
      'the bare steady load',
    );
    const lags = await bare.request<Percentiles>({ command: 'lags', args: { fromSeq: 1, toSeq: lastSeq } });
    return { ...lags, jobs };
  } finally {
    await bare.stop();
  }
}

/** Phase 2: p50/p99/max lag at `rate` jobs/s for `seconds`, Quire then the anchor. */
export async function lagPhase(ctx: BenchContext, rate: number, seconds: number): Promise<LagResult> {
  const quire = await quireLag(ctx, rate, seconds);
  ctx.note(
    `  quire: ${quire.jobs} jobs (${quire.failed} failed), ${quire.count} records, lag p50 ${quire.p50} ms, p99 ${quire.p99} ms, max ${quire.max} ms`,
  );
  const anchor = await anchorLag(ctx, rate, seconds);
  ctx.note(
    `  anchor: ${anchor.count} records, lag p50 ${anchor.p50} ms, p99 ${anchor.p99} ms, max ${anchor.max} ms`,
  );
  return { rate, seconds, quire, anchor };
}
