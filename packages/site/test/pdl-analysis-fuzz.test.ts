/**
 * Mutated and truncated print jobs through the real analysis worker pool: documents made with ghostscript in
 * every language the site reads are cut short, have bytes flipped, runs zeroed or duplicated, or a huge length
 * spliced in, with a seeded generator so a failure reproduces. Every job must come back as an analysis (never a
 * rejection: the pool answers a job that overruns its time limit and grace itself), with counts that add up, and
 * without a worker dying; the pool must still answer a clean job afterwards. (The 50,000-mutation run is this loop with a larger count; here it stays a few seconds.)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ensureDebianPackages } from '@quire/testkit';
import { AnalysisPool } from '../src/pdl/analysis';
import { A3, A4, LETTER, renderWithGs, type SourcePage } from './pdl-analysis-documents';

const MUTATIONS = 400;
const TIME_LIMIT_MS = 3000;
const GRACE_MS = 1000;

/** A small deterministic generator (mulberry32), so a failing mutation can be reproduced from its index. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One mutation of `original`, chosen by `next`. */
function mutate(original: Buffer, next: () => number): Buffer {
  const data = Buffer.from(original);
  const at = Math.floor(next() * data.length);
  switch (Math.floor(next() * 5)) {
    case 0:
      return data.subarray(0, at);
    case 1:
      for (let i = 0; i < 8; i++) data[Math.floor(next() * data.length)] = Math.floor(next() * 256);
      return data;
    case 2:
      return Buffer.concat([
        data.subarray(0, at),
        Buffer.alloc(Math.floor(next() * 4096)),
        data.subarray(at),
      ]);
    case 3: {
      const run = data.subarray(at, at + Math.floor(next() * 2048));
      return Buffer.concat([data.subarray(0, at), run, run, run, data.subarray(at)]);
    }
    default: {
      // A length or count field gone wild: four 0xff bytes.
      data.fill(0xff, at, Math.min(data.length, at + 4));
      return data;
    }
  }
}

describe('job analysis under mutated and truncated documents', function () {
  this.timeout(120_000);
  let dir: string;
  let pool: AnalysisPool;
  const corpus: Buffer[] = [];

  before(async function () {
    this.timeout(120_000);
    await ensureDebianPackages(['ghostscript']);
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdl-fuzz-'));
    const pages: SourcePage[] = [
      { color: true, size: A4 },
      { color: false, size: LETTER },
      { color: true, size: A3 },
    ];
    for (const device of ['pxlcolor', 'pxlmono', 'ljet4', 'pdfwrite', 'ps2write']) {
      corpus.push(
        readFileSync(await renderWithGs(dir, `fuzz-${device}`, device, pages, { duplex: 'long-edge' })),
      );
    }
    pool = new AnalysisPool({ workers: 2, timeLimitMs: TIME_LIMIT_MS, graceMs: GRACE_MS, mode: 'standard' });
  });

  after(async () => {
    await pool?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${MUTATIONS} mutated jobs with consistent analyses, and stays usable`, async () => {
    const next = random(20261121);
    const jobs = Array.from({ length: MUTATIONS }, (_, index) => {
      const file = path.join(dir, `mutation-${index}.prn`);
      writeFileSync(file, mutate(corpus[index % corpus.length], next));
      return file;
    });
    const results = await Promise.all(
      jobs.map(async (file) => {
        const analysis = await pool.analyse({ path: file, protocolCopies: 1 });
        return { file, analysis };
      }),
    );
    for (const { file, analysis } of results) {
      const where = path.basename(file);
      expect(analysis.impressions, where).to.equal(analysis.pages * analysis.copies);
      expect(analysis.colorPages + analysis.monoPages, where).to.equal(analysis.impressions);
      expect(analysis.sheets, where).to.be.at.most(analysis.impressions);
      const onPaper = Object.values(analysis.paper).reduce((sum, count) => sum + count, 0);
      expect(onPaper, where).to.be.at.most(analysis.impressions);
      expect(analysis.warnings.join(' '), where).to.not.contain('worker exited');
    }
    const clean = path.join(dir, 'clean.prn');
    writeFileSync(clean, corpus[0]);
    expect(await pool.analyse({ path: clean, protocolCopies: 1 })).to.include({
      pdl: 'pcl-xl',
      pages: 3,
      partial: false,
    });
  });
});
