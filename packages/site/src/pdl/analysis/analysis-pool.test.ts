/**
 * Unit tests of the analysis worker pool with a test worker whose analysers misbehave on purpose (chosen by the
 * file's content): one that ignores its deadline, one that throws, one that crashes its thread, one that eats
 * memory, one that stops at its deadline, and a well-behaved slow one that records when it ran. Covers the hard
 * time limit (terminate, answer partial, respawn), errors never escaping, the heap cap, concurrency limited to
 * the worker count, and close.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ErrorCode, isQuireError } from '@quire/common';
import { AnalysisPool, type AnalysisPoolOptions } from './analysis-pool';

const TEST_WORKER = `
const { serveAnalyses } = require(${JSON.stringify(path.join(__dirname, 'worker-host.js'))});
const kinds = { HANG: 'pdf', THROW: 'postscript', CRASH: 'pcl5', SLOW: 'pcl-xl', GREEDY: 'jpeg', STOPS: 'urf' };
const page = { color: true, paper: 'iso_a4_210x297mm' };
const result = (pdl, extra) => ({ pdl, pages: [page], copies: null, duplex: null, warnings: [], partial: false, ...extra });
serveAnalyses({
  detect(head) {
    const text = Buffer.from(head).toString('latin1');
    const kind = Object.keys(kinds).find((word) => text.includes(word));
    return { pdl: kind ? kinds[kind] : 'unknown', dataOffset: 0 };
  },
  pjlSettings: (variables) => ({
    variables, copies: variables.COPIES ? Number(variables.COPIES) : null, quantity: null, duplex: null, paper: null,
    grayscale: false,
  }),
  analysers: {
    pdf: async () => { for (;;); },
    postscript: async () => { throw new Error('analyser bug'); },
    pcl5: () => new Promise(() => setImmediate(() => { throw new Error('uncaught in the worker'); })),
    'pcl-xl': async () => {
      const start = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return result('pcl-xl', { warnings: ['ran ' + start + ' ' + Date.now()] });
    },
    jpeg: async () => { const hoard = []; for (;;) hoard.push(new Array(1e6).fill(Math.random())); },
    urf: async (source, limits) => {
      while (Date.now() < limits.deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      return result('urf', { partial: true, warnings: ['stopped at the deadline'] });
    },
  },
});
`;

describe('analysis pool', function () {
  this.timeout(20_000);
  let dir: string;
  let script: string;
  const pools: AnalysisPool[] = [];

  const file = (name: string, content: string) => {
    const full = path.join(dir, name);
    writeFileSync(full, content);
    return full;
  };
  const pool = (options: Partial<AnalysisPoolOptions> = {}) => {
    const created = new AnalysisPool({
      workers: 2,
      timeLimitMs: 2000,
      graceMs: 300,
      mode: 'standard',
      workerScript: script,
      ...options,
    });
    pools.push(created);
    return created;
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pool-'));
    script = file('test-worker.js', TEST_WORKER);
  });

  after(async () => {
    await Promise.all(pools.map((created) => created.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('analyses a file on a worker and combines the result with the protocol copies', async () => {
    const analysis = await pool().analyse({ path: file('slow.prn', 'SLOW'), protocolCopies: 2 });
    expect(analysis).to.include({ pdl: 'pcl-xl', pages: 1, copies: 2, impressions: 2, colorPages: 2 });
    expect(analysis.partial).to.equal(false);
  });

  it('runs at most `workers` analyses at once, and that many in parallel', async () => {
    const twoWorkers = pool({ workers: 2 });
    const input = file('slow-many.prn', 'SLOW');
    const results = await Promise.all(
      Array.from({ length: 8 }, () => twoWorkers.analyse({ path: input, protocolCopies: 1 })),
    );
    const spans = results.map((result) => result.warnings[0].split(' ').slice(1).map(Number));
    const overlap = (at: number) => spans.filter(([start, end]) => start <= at && at < end).length;
    const most = Math.max(...spans.map(([start]) => overlap(start)));
    expect(most).to.equal(2);
    expect(twoWorkers.threads).to.equal(2);
    expect(twoWorkers.waiting).to.equal(0);
  });

  it('terminates a worker that ignores its deadline, answers partial with what it detected, and respawns', async () => {
    const limited = pool({ workers: 1, timeLimitMs: 300, graceMs: 200 });
    const started = Date.now();
    const hung = limited.analyse({
      path: file('hang.prn', '\x1b%-12345X@PJL SET COPIES=3\r\n@PJL ENTER LANGUAGE=PDF\r\nHANG'),
      protocolCopies: 1,
    });
    const next = limited.analyse({ path: file('after-hang.prn', 'SLOW'), protocolCopies: 1 });
    const analysis = await hung;
    expect(Date.now() - started).to.be.within(450, 10_000);
    expect(analysis).to.include({ pdl: 'pdf', pages: 0, copies: 3, partial: true });
    expect(analysis.pjl).to.deep.equal({ COPIES: '3' });
    expect(analysis.warnings).to.deep.equal(['The analysis did not finish within 0.3 s and was stopped']);
    expect(await next).to.include({ pdl: 'pcl-xl', pages: 1, partial: false });
    expect(limited.threads).to.equal(1);
  });

  it('lets an analyser that honours its deadline finish with its own partial result', async () => {
    const analysis = await pool({ timeLimitMs: 300 }).analyse({
      path: file('stops.prn', 'STOPS'),
      protocolCopies: 1,
    });
    expect(analysis).to.include({ pdl: 'urf', pages: 1, partial: true });
    expect(analysis.warnings).to.deep.equal(['stopped at the deadline']);
  });

  it('turns a throwing analyser, a crashing worker, a heap overflow and a missing file into partial results', async () => {
    const tested = pool({ workers: 1, maxHeapMb: 32 });
    const throwing = await tested.analyse({ path: file('throw.prn', 'THROW'), protocolCopies: 1 });
    expect(throwing).to.include({ pdl: 'postscript', pages: 0, partial: true });
    expect(throwing.warnings).to.deep.equal(['The postscript analyser failed: analyser bug']);

    const crashed = await tested.analyse({ path: file('crash.prn', 'CRASH'), protocolCopies: 2 });
    expect(crashed).to.include({ pdl: 'pcl5', pages: 0, copies: 2, partial: true });
    expect(crashed.warnings[0]).to.contain('uncaught in the worker');

    const greedy = await tested.analyse({ path: file('greedy.prn', 'GREEDY'), protocolCopies: 1 });
    expect(greedy).to.include({ pdl: 'jpeg', pages: 0, partial: true });
    expect(greedy.warnings[0]).to.match(/memory/i);

    const missing = await tested.analyse({ path: path.join(dir, 'nowhere.prn'), protocolCopies: 1 });
    expect(missing).to.include({ pdl: 'unknown', pages: 0, partial: true });
    expect(missing.warnings[0]).to.contain('could not be analysed').and.contain('ENOENT');

    expect(await tested.analyse({ path: file('fine.prn', 'SLOW'), protocolCopies: 1 })).to.include({
      pages: 1,
      partial: false,
    });
  });

  it('answers each task partial, without respawning forever, when the worker cannot load', async () => {
    const broken = pool({
      workers: 2,
      workerScript: file('broken-worker.js', 'throw new Error("cannot load");'),
    });
    const input = file('never.prn', 'SLOW');
    const results = await Promise.all(
      [1, 2, 3].map(() => broken.analyse({ path: input, protocolCopies: 1 })),
    );
    for (const result of results) {
      expect(result).to.include({ pdl: 'unknown', pages: 0, partial: true });
      expect(result.warnings[0]).to.contain('could not start').and.contain('cannot load');
    }
    expect(broken.threads).to.equal(0);
  });

  it('rejects waiting and running tasks with NOT_READY when closed, and new ones after', async () => {
    const closing = pool({ workers: 1 });
    const input = file('slow-close.prn', 'SLOW');
    const tasks = [1, 2].map(() =>
      closing.analyse({ path: input, protocolCopies: 1 }).catch((err: unknown) => err),
    );
    await closing.close();
    for (const outcome of await Promise.all(tasks)) {
      expect(isQuireError(outcome, ErrorCode.NotReady), String(outcome)).to.equal(true);
    }
    const late = await closing.analyse({ path: input, protocolCopies: 1 }).catch((err: unknown) => err);
    expect(isQuireError(late, ErrorCode.NotReady)).to.equal(true);
    expect(closing.threads).to.equal(0);
  });
});
