/**
 * `npm run bench -- release`: Quire's release of held jobs to a raw (AppSocket, port 9100) printer, against a
 * plain socket copy of the same file, in one run on this machine.
 *
 * 1. For a small and a big job (1 MB and 100 MB of random bytes by default; the PDL is unknown, which a raw
 *    printer does not mind), the time from the release call (POST /api/v1/terminal/jobs/{id}/release on a real
 *    `quire-site`, SQLite, loopback) to the first and to the last byte at the raw sink, p50 and p99. The queue
 *    keeps jobs for reprint and the user's policy allows reprints, so one spooled job per size is released again
 *    and again; each release waits until the previous one is recorded `printed`.
 * 2. The sink's MB/s for the big job next to `socat` and a Node `createReadStream().pipe(socket)` copying the
 *    same file to the same sink, and the ratio Quire/socat.
 *
 * The sink is testkit's startRawSink in this process: it hashes and stores every byte (each copy is checked
 * against the source's sha256) and stamps the first and last byte with Date.now(), so the release call is
 * stamped with the same clock and latencies are whole milliseconds. Small releases, big releases and the
 * anchors are interleaved round by round, the order alternating, so machine noise falls on all of them.
 * Hashing and storing every byte makes the sink itself the limit of every copy into it (a few hundred MB/s
 * here), so the ratio tells whether Quire keeps up with a plain copy into the same printer, not Quire's ceiling.
 *
 * Options: --small-mb N (1), --big-mb N (100), --small-runs N (100), --big-runs N (10), --warmup N (2 untimed
 * releases of each size). Goals (issue 5): first byte under 50 ms at p99; at least 80% of socat's MB/s.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startRawSink, stopAllTracked, type PrintSink, type RawSinkJob } from '@quire/testkit';
import { ensureAnchorTools, nodeCopy, socatCopy } from './anchors';
import { startReleaseSite, type ReleaseSite } from './site';
import { latencySummary, median, percentile, rateSummary } from './stats';

interface Source {
  file: string;
  bytes: number;
  sha256: string;
  jobId: string;
}

interface Delivery {
  /** From the release call to its HTTP answer (Quire only). */
  answerMs?: number;
  firstMs: number;
  lastMs: number;
  mbPerSecond: number;
}

interface Series {
  answer: number[];
  first: number[];
  last: number[];
  rates: number[];
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

function options() {
  const { values } = parseArgs({
    options: {
      'small-mb': { type: 'string', default: '1' },
      'big-mb': { type: 'string', default: '100' },
      'small-runs': { type: 'string', default: '100' },
      'big-runs': { type: 'string', default: '10' },
      warmup: { type: 'string', default: '2' },
    },
  });
  for (const [name, value] of Object.entries(values)) {
    // Sizes may be fractional (0.5 MB); counts are whole. The cold release is the first warm-up, so warmup ≥ 1.
    const number = Number(value);
    if (!(number > 0) || (!name.endsWith('-mb') && !Number.isInteger(number)))
      throw new Error(
        `--${name} must be a positive ${name.endsWith('-mb') ? 'number' : 'whole number'}, not "${value}"`,
      );
  }
  return {
    smallBytes: Math.round(Number(values['small-mb']) * 1e6),
    bigBytes: Math.round(Number(values['big-mb']) * 1e6),
    smallRuns: Number(values['small-runs']),
    bigRuns: Number(values['big-runs']),
    warmup: Number(values.warmup),
  };
}

/** A file of `bytes` random bytes, written in 1 MiB pieces; returns its sha256. */
async function randomFile(file: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const out = await open(file, 'w');
  try {
    for (let left = bytes; left > 0;) {
      const piece = randomBytes(Math.min(left, 1024 * 1024));
      hash.update(piece);
      await out.write(piece);
      left -= piece.length;
    }
  } finally {
    await out.close();
  }
  return hash.digest('hex');
}

/**
 * Run `send` (which must cause exactly one connection to the sink) and wait for the sink to record it; checks
 * the bytes against `source` and deletes the received copy, so the scratch disk does not fill up.
 */
async function delivered(
  sink: PrintSink<RawSinkJob>,
  source: Source,
  send: () => Promise<unknown>,
): Promise<Delivery> {
  const before = sink.jobs().length;
  const startedAt = Date.now();
  await send();
  const received = (await sink.waitForJobs(before + 1, 120_000))[before];
  await unlink(received.file);
  if (received.bytes !== source.bytes || received.sha256 !== source.sha256)
    throw new Error(
      `the sink received ${received.bytes} bytes that differ from the ${source.bytes}-byte source`,
    );
  const first = received.firstByteAt ?? NaN;
  const last = received.lastByteAt ?? NaN;
  return {
    firstMs: first - startedAt,
    lastMs: last - startedAt,
    mbPerSecond: source.bytes / 1e6 / (Math.max(1, last - first) / 1000),
  };
}

/** One release of `source` through Quire, timed at the sink; waits until the job is recorded printed. */
async function quireRelease(
  site: ReleaseSite,
  sink: PrintSink<RawSinkJob>,
  source: Source,
): Promise<Delivery> {
  let answerMs = NaN;
  const delivery = await delivered(sink, source, async () => {
    const calledAt = Date.now();
    const status = await site.release(source.jobId);
    answerMs = Date.now() - calledAt;
    if (status !== 202) throw new Error(`the release answered HTTP ${status}`);
  });
  await site.waitForState(source.jobId, 'printed');
  return { ...delivery, answerMs };
}

function record(series: Series, delivery: Delivery): void {
  if (delivery.answerMs !== undefined) series.answer.push(delivery.answerMs);
  series.first.push(delivery.firstMs);
  series.last.push(delivery.lastMs);
  series.rates.push(delivery.mbPerSecond);
}

function emptySeries(): Series {
  return { answer: [], first: [], last: [], rates: [] };
}

function sizeLabel(bytes: number): string {
  return `${bytes / 1e6} MB`;
}

/** Write a random file of `bytes` and spool it on the site as job `name`. */
async function spooled(site: ReleaseSite, scratch: string, name: string, bytes: number): Promise<Source> {
  const file = path.join(scratch, `${name}.bin`);
  const sha256 = await randomFile(file, bytes);
  return { file, bytes, sha256, jobId: await site.submit(file, name) };
}

/**
 * The timed rounds: each round releases its share of small jobs, then one big job through Quire, socat and the
 * Node copy, in an order that alternates from round to round.
 */
async function measure(
  site: ReleaseSite,
  sink: PrintSink<RawSinkJob>,
  sources: { small: Source; big: Source },
  opts: ReturnType<typeof options>,
) {
  const series = { small: emptySeries(), big: emptySeries(), socat: emptySeries(), node: emptySeries() };
  const { small, big } = sources;
  const rounds = Math.max(opts.bigRuns, 1);
  for (let round = 0; round < rounds; round += 1) {
    const smallHere =
      Math.floor(((round + 1) * opts.smallRuns) / rounds) - Math.floor((round * opts.smallRuns) / rounds);
    for (let i = 0; i < smallHere; i += 1) record(series.small, await quireRelease(site, sink, small));
    const steps = [
      async () => record(series.big, await quireRelease(site, sink, big)),
      async () => record(series.socat, await delivered(sink, big, () => socatCopy(big.file, sink.port))),
      async () => record(series.node, await delivered(sink, big, () => nodeCopy(big.file, sink.port))),
    ];
    for (const step of round % 2 === 0 ? steps : [...steps].reverse()) await step();
  }
  return series;
}

async function main(): Promise<void> {
  const opts = options();
  await ensureAnchorTools();
  const scratch = mkdtempSync(path.join(tmpdir(), 'quire-bench-release-'));
  try {
    const sink = await startRawSink();
    const site = await startReleaseSite({ scratch, sinkPort: sink.port });
    const small = await spooled(site, scratch, 'bench-small', opts.smallBytes);
    const big = await spooled(site, scratch, 'bench-big', opts.bigBytes);
    say(
      `release benchmark: ${sizeLabel(small.bytes)} × ${opts.smallRuns} and ${sizeLabel(big.bytes)} × ${opts.bigRuns} ` +
        `releases to a raw sink, interleaved with socat and Node copies of the big file; scratch ${scratch}`,
    );
    const cold = { small: await quireRelease(site, sink, small), big: await quireRelease(site, sink, big) };
    for (let i = 1; i < opts.warmup; i += 1) {
      await quireRelease(site, sink, small);
      await quireRelease(site, sink, big);
    }
    const series = await measure(site, sink, { small, big }, opts);
    await site.process.stop();
    report(
      cold,
      [
        { bytes: small.bytes, series: series.small },
        { bytes: big.bytes, series: series.big },
      ],
      series,
    );
  } finally {
    await stopAllTracked();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function goalRow(metric: string, quire: string, anchor: string, ratio: string, meets: boolean, goal: string) {
  say(`| ${metric} | ${quire} | ${anchor} | ${ratio} | ${meets ? 'meets' : 'misses'} ${goal} |`);
}

/** The figures: per size the latencies, then the big job's MB/s against the anchors, then the goal table. */
function report(
  cold: { small: Delivery; big: Delivery },
  runs: Array<{ bytes: number; series: Series }>,
  anchors: { socat: Series; node: Series },
): void {
  const big = runs[runs.length - 1];
  const label = sizeLabel(big.bytes);
  say(
    `\nfirst release after start-up (not in the figures below): first byte ${cold.small.firstMs} ms ` +
      `(${sizeLabel(runs[0].bytes)}), ${cold.big.firstMs} ms (${label})`,
  );
  for (const { bytes, series } of runs) {
    say(`${sizeLabel(bytes)} × ${series.first.length}, from the release call:`);
    say(`  to its HTTP 202      ${latencySummary(series.answer)}`);
    say(`  to the first byte    ${latencySummary(series.first)}`);
    say(`  to the last byte     ${latencySummary(series.last)}`);
  }
  say(`${label} at the sink, first to last byte:`);
  say(`  quire  ${rateSummary(big.series.rates)}`);
  say(`  socat  ${rateSummary(anchors.socat.rates)}`);
  say(`  node   ${rateSummary(anchors.node.rates)}`);

  say('\n| metric | Quire | anchor | ratio | goal |\n|---|---|---|---|---|');
  for (const { bytes, series } of runs) {
    const p99 = percentile(series.first, 0.99);
    const note = series.first.length < 100 ? ` (= max of ${series.first.length})` : '';
    goalRow(
      `${sizeLabel(bytes)}: release → first byte, p99${note}`,
      `${p99.toFixed(0)} ms`,
      '–',
      '–',
      p99 < 50,
      '< 50 ms',
    );
  }
  for (const [what, pick] of [
    ['median', median],
    ['best', (values: readonly number[]) => Math.max(...values)],
  ] as const) {
    const quire = pick(big.series.rates);
    const socat = pick(anchors.socat.rates);
    goalRow(
      `${label} MB/s at the sink, ${what} (anchor socat)`,
      `${quire.toFixed(0)} MB/s`,
      `${socat.toFixed(0)} MB/s`,
      (quire / socat).toFixed(2),
      quire / socat >= 0.8,
      '≥ 0.8',
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench release failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
