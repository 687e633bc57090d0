/**
 * The issue's fuzz acceptance: 50,000 mutations and truncations of corpus files (pdl-fuzz-corpus.ts: every
 * language the site reads, PJL-wrapped and multi-part jobs) run through the real analysis worker pool. Every job
 * must come back as an analysis (never a rejection), with counts that add up, without a worker dying, without an
 * analyser's exception surfacing as a warning, and without the pool having to terminate a worker that overran its
 * time limit. Afterwards the pool still analyses every clean corpus file exactly as before, and the process's
 * memory has not grown with the number of jobs.
 *
 * A bounded number of jobs is in flight (twice the workers, enough to keep them busy) and each in-flight slot
 * reuses one spool file, so the run writes a handful of files, not 50,000. A failure names the mutation's index:
 * `mutationAt(corpus, SEED, index)` rebuilds its bytes.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '@quire/common';
import { ensureDebianPackages } from '@quire/testkit';
import { AnalysisPool, MAX_COUNT, MAX_WARNINGS, type JobAnalysis } from '../src/pdl/analysis';
import {
  buildFuzzCorpus,
  type CorpusFile,
  MUTATION_KINDS,
  type Mutation,
  mutationAt,
} from './pdl-fuzz-corpus';

const MUTATIONS = 50_000;
const SEED = 20261121;
const WORKERS = 2;
const IN_FLIGHT = 2 * WORKERS;
const TIME_LIMIT_MS = 3000;
/**
 * The pool's default grace. An analyser stopped at the deadline may still need most of a second to answer (a
 * PostScript loop that counted 700,000 pages by then has to combine them), so a shorter grace would terminate it.
 */
const GRACE_MS = 2000;
const MB = 1024 * 1024;
/**
 * RSS growth allowed from the middle of the run to its end. The workers' heaps grow to their working size in the
 * first part of the run (about 140 MiB above the start, then flat, give or take collector timing); a per-job leak
 * of 3 KB would add more over the second half.
 */
const RSS_GROWTH_LIMIT = 64 * MB;
/**
 * Jobs that may keep an analyser busy until the time limit (a mutated PostScript program can loop for ever; it
 * is stopped at the deadline and answered partial). Each costs the run TIME_LIMIT_MS of a worker.
 */
const MAX_DEADLINE_STOPS = 10;

/**
 * How a job ended. `deadline`: the analyser stopped itself at the time limit (partial). `terminated`: the pool
 * killed a worker that overran the limit and its grace. `died`: the worker crashed. `leaked`: an exception from
 * the analysis code reached the job's warnings.
 */
type Outcome = 'complete' | 'partial' | 'deadline' | 'terminated' | 'died' | 'leaked';
const OUTCOMES: Outcome[] = ['complete', 'partial', 'deadline', 'terminated', 'died', 'leaked'];
const FAILED: Outcome[] = ['terminated', 'died', 'leaked'];

/**
 * The warnings that mean a failure the acceptance forbids: the pool's (analysis-pool.ts), analyseFile's catch
 * of an analyser that threw (analyse-file.ts), and the catch-alls inside the PCL-XL and PDF analysers that turn
 * an unexpected exception (not a format error) into a warning.
 */
const FAILURE_WARNINGS: [RegExp, Outcome][] = [
  [/^The analysis did not finish within/, 'terminated'],
  [/^The analysis stopped: |^The analysis could not start/, 'died'],
  [
    /^The document could not be analysed: |analyser failed: |^The job's parts could not be told apart: /,
    'leaked',
  ],
  [/the analyser failed on this input \(|The PDF could not be read to the end \(/, 'leaked'],
];

function outcomeOf(analysis: JobAnalysis): Outcome {
  for (const [pattern, outcome] of FAILURE_WARNINGS) {
    if (analysis.warnings.some((warning) => pattern.test(warning))) return outcome;
  }
  if (analysis.warnings.some((warning) => /time limit/i.test(warning))) return 'deadline';
  return analysis.partial ? 'partial' : 'complete';
}

/** What does not add up in `analysis` (job-analysis.ts's counting rules); empty when all is consistent. */
function inconsistencies(analysis: JobAnalysis): string[] {
  const problems: string[] = [];
  for (const name of ['pages', 'copies', 'impressions', 'sheets', 'colorPages', 'monoPages'] as const) {
    const value = analysis[name];
    if (!Number.isInteger(value) || value < 0 || value > MAX_COUNT) problems.push(`${name} ${value}`);
  }
  if (analysis.copies < 1) problems.push(`copies ${analysis.copies}`);
  // Counts clamped to MAX_COUNT no longer multiply out.
  const clamped = analysis.impressions === MAX_COUNT;
  const { pages, copies, impressions, sheets, colorPages, monoPages } = analysis;
  if (!clamped && impressions !== pages * copies) problems.push('impressions ≠ pages × copies');
  if (!clamped && colorPages + monoPages !== impressions) problems.push('colour + mono ≠ impressions');
  if (sheets > impressions || (!clamped && sheets * 2 < impressions)) {
    problems.push(`${sheets} sheets for ${impressions} impressions`);
  }
  const onPaper = Object.values(analysis.paper).reduce((sum, count) => sum + count, 0);
  if (!clamped && onPaper > impressions) problems.push(`${onPaper} impressions on paper`);
  if (!['simplex', 'long-edge', 'short-edge'].includes(analysis.duplex))
    problems.push(`duplex ${analysis.duplex}`);
  if (analysis.warnings.length > MAX_WARNINGS) problems.push(`${analysis.warnings.length} warnings`);
  if (analysis.partial && analysis.warnings.length === 0) problems.push('partial without a warning');
  return problems;
}

type Row = Record<Outcome, number>;

/** Counts of each outcome per mutation kind and per corpus file. */
class Tally {
  readonly byKind = new Map<string, Row>();
  readonly bySource = new Map<string, Row>();

  add(mutation: Mutation, outcome: Outcome): void {
    for (const [map, key] of [
      [this.byKind, mutation.kind],
      [this.bySource, mutation.source.name],
    ] as const) {
      const row = map.get(key) ?? (Object.fromEntries(OUTCOMES.map((name) => [name, 0])) as Row);
      row[outcome] += 1;
      map.set(key, row);
    }
  }

  total(outcome: Outcome): number {
    return [...this.byKind.values()].reduce((sum, row) => sum + row[outcome], 0);
  }

  table(map: Map<string, Row>): string {
    const line = (key: string, cells: string[]) =>
      `      ${key.padEnd(22)}${cells.map((c) => c.padStart(11)).join('')}\n`;
    return (
      line('', OUTCOMES) +
      [...map]
        .map(([key, row]) =>
          line(
            key,
            OUTCOMES.map((name) => String(row[name])),
          ),
        )
        .join('')
    );
  }
}

function describeMutation(mutation: Mutation): string {
  return `#${mutation.index} (seed ${SEED}) ${mutation.source.name} ${mutation.kind}: ${mutation.detail}`;
}

/**
 * Replace the spool file's content in place: write over it, then cut it to length. Opening with O_TRUNC for
 * every job instead makes ext4 flush the file on close (its `auto_da_alloc` safeguard for replace-by-truncate),
 * 2–3 ms a job, which alone would take most of the run's budget.
 */
function overwrite(fd: number, bytes: Buffer): void {
  writeSync(fd, bytes, 0, bytes.length, 0);
  ftruncateSync(fd, bytes.length);
}

/** The mutation loop: `inFlight` slots, each with its own spool file, take the next index until `count`. */
class FuzzRun {
  readonly tally = new Tally();
  readonly failures: string[] = [];
  readonly slowest: { ms: number; what: string }[] = [];
  mostPages = { pages: 0, what: '' };
  rssAtHalf = 0;
  private next = 0;

  constructor(
    private readonly pool: AnalysisPool,
    private readonly corpus: readonly CorpusFile[],
    private readonly count: number,
  ) {}

  /** Run every mutation, with `inFlight` jobs at the pool at any time, spooled under `dir`. */
  async run(dir: string, inFlight: number): Promise<void> {
    const slots = Array.from({ length: inFlight }, (_, slot) =>
      this.slot(path.join(dir, `slot-${slot}.prn`)),
    );
    await Promise.all(slots);
  }

  private async slot(spoolPath: string): Promise<void> {
    const fd = openSync(spoolPath, 'w');
    try {
      while (this.next < this.count)
        await this.one(fd, spoolPath, mutationAt(this.corpus, SEED, this.next++));
    } finally {
      closeSync(fd);
    }
  }

  private async one(fd: number, spoolPath: string, mutation: Mutation): Promise<void> {
    if (mutation.index === Math.floor(this.count / 2)) this.rssAtHalf = process.memoryUsage.rss();
    overwrite(fd, mutation.bytes);
    const sent = Date.now();
    let analysis: JobAnalysis;
    try {
      analysis = await this.pool.analyse({ path: spoolPath, protocolCopies: 1 + (mutation.index % 3) });
    } catch (err) {
      this.failures.push(`${describeMutation(mutation)}: rejected: ${String(err)}`);
      return;
    }
    const ms = Date.now() - sent;
    if (ms > 250) this.slowest.push({ ms, what: describeMutation(mutation) });
    if (analysis.pages > this.mostPages.pages)
      this.mostPages = { pages: analysis.pages, what: describeMutation(mutation) };
    const outcome = outcomeOf(analysis);
    this.tally.add(mutation, outcome);
    const problems = inconsistencies(analysis);
    if (FAILED.includes(outcome)) problems.push(`${outcome}: ${analysis.warnings.join(' | ')}`);
    if (problems.length > 0) this.failures.push(`${describeMutation(mutation)}: ${problems.join('; ')}`);
  }

  /** The run's figures, for the test's output. */
  summary(seconds: number, rssGrowth: number): string {
    const slow = [...this.slowest].sort((a, b) => b.ms - a.ms).slice(0, 5);
    return (
      `      ${this.count} mutations of ${this.corpus.length} files in ${seconds.toFixed(1)} s ` +
      `(${Math.round(this.count / seconds)}/s); RSS growth over the second half ${(rssGrowth / MB).toFixed(1)} MiB\n` +
      this.tally.table(this.tally.byKind) +
      this.tally.table(this.tally.bySource) +
      slow.map(({ ms, what }) => `      slow: ${ms} ms ${what}\n`).join('') +
      `      most pages: ${this.mostPages.pages} ${this.mostPages.what}\n`
    );
  }
}

/** A logger that keeps the pool's log lines, so worker deaths and overruns are counted from the source too. */
function recordingLogger(lines: string[]) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return createLogger({ stream, level: 'warn' });
}

describe('job analysis fuzzing: 50,000 mutated jobs through the worker pool', function () {
  this.timeout(300_000);
  let dir = '';
  let pool: AnalysisPool;
  let corpus: CorpusFile[] = [];
  const poolLog: string[] = [];
  const clean = new Map<string, JobAnalysis>();

  const analyseClean = async (file: CorpusFile) => {
    const target = path.join(dir, `clean-${file.name}`);
    await writeFile(target, file.bytes);
    return pool.analyse({ path: target, protocolCopies: 1 });
  };

  before(async function () {
    this.timeout(120_000);
    await ensureDebianPackages(['ghostscript']);
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdl-fuzz-'));
    corpus = await buildFuzzCorpus(dir);
    pool = new AnalysisPool({
      workers: WORKERS,
      timeLimitMs: TIME_LIMIT_MS,
      graceMs: GRACE_MS,
      mode: 'standard',
      logger: recordingLogger(poolLog),
    });
  });

  after(async () => {
    await pool?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('analyses every clean corpus file completely, in its language', async () => {
    for (const file of corpus) {
      const analysis = await analyseClean(file);
      clean.set(file.name, analysis);
      const seen = [analysis.pdl, analysis.pages, analysis.partial];
      expect(seen, file.name).to.deep.equal([file.pdl, file.pages, false]);
      expect(inconsistencies(analysis), file.name).to.deep.equal([]);
    }
  });

  it(`answers ${MUTATIONS.toLocaleString('en')} mutated jobs consistently, with no crash, hang or leaked error`, async () => {
    const run = new FuzzRun(pool, corpus, MUTATIONS);
    const started = Date.now();
    await run.run(dir, IN_FLIGHT);
    const rssGrowth = process.memoryUsage.rss() - run.rssAtHalf;
    process.stdout.write(run.summary((Date.now() - started) / 1000, rssGrowth));

    expect(run.failures.slice(0, 20), `${run.failures.length} failures`).to.deep.equal([]);
    const { tally } = run;
    expect(tally.total('complete') + tally.total('partial') + tally.total('deadline')).to.equal(MUTATIONS);
    expect(tally.total('deadline'), 'jobs stopped at the time limit').to.be.at.most(MAX_DEADLINE_STOPS);
    expect(poolLog, 'worker deaths and overruns logged by the pool').to.deep.equal([]);
    expect([...tally.byKind.keys()].sort()).to.deep.equal([...MUTATION_KINDS].sort());
    expect(rssGrowth).to.be.lessThan(RSS_GROWTH_LIMIT);
  });

  it('still analyses every clean corpus file exactly as before the run', async () => {
    for (const file of corpus) {
      expect(await analyseClean(file), file.name).to.deep.equal(clean.get(file.name));
    }
  });
});
