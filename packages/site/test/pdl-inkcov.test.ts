/**
 * Enhanced mode against ghostscript itself: per-page colour measured by `gs -sDEVICE=inkcov` on PostScript
 * sources, their ps2write rendering and their PDF (pdfwrite) rendering must match the pages the source painted in
 * colour, one line per page of one copy; grey pages must measure exactly C = M = Y = 0 (which the default
 * threshold relies on); and the mode must degrade cleanly without ghostscript, past the deadline and on bad jobs.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ensureDebianPackages, runCommand } from '@quire/testkit';
import { inkCoverage, parseInkcov } from '../src/pdl/inkcov';
import { analysePostScript } from '../src/pdl/postscript';
import { buildSpecs, type PsSpec, writePostScript } from './pdl-postscript-corpus';

const CORPUS_SIZE = 15;
const deadline = () => Date.now() + 60_000;

async function render(device: 'ps2write' | 'pdfwrite', source: string, target: string): Promise<void> {
  const args = [
    '-q',
    '-dBATCH',
    '-dNOPAUSE',
    '-dSAFER',
    `-sDEVICE=${device}`,
    `-sOutputFile=${target}`,
    source,
  ];
  const result = await runCommand('gs', args, { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`${device} failed for ${source}: ${result.output}`);
}

describe('enhanced mode: ghostscript inkcov', function () {
  this.timeout(120_000);
  const specs = buildSpecs(CORPUS_SIZE, 77);
  let dir = '';
  const file = (spec: PsSpec, kind: string) => path.join(dir, `${spec.name}.${kind}`);

  before(async function () {
    await ensureDebianPackages(['ghostscript']);
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdl-inkcov-'));
    await Promise.all(
      specs.map(async (spec) => {
        writeFileSync(file(spec, 'ps'), writePostScript(spec));
        await render('ps2write', file(spec, 'ps'), file(spec, 'ps2write.ps'));
        await render('pdfwrite', file(spec, 'ps'), file(spec, 'pdf'));
      }),
    );
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('measures one page per page of one copy, colour exactly where the source painted colour', async () => {
    const problems: string[] = [];
    let pages = 0;
    for (const spec of specs) {
      for (const kind of ['ps', 'ps2write.ps', 'pdf']) {
        const result = await inkCoverage(file(spec, kind), { deadline: deadline() });
        pages += result.pages.length;
        const colours = result.pages.map((page) => page.color);
        if (JSON.stringify(colours) !== JSON.stringify(spec.colours))
          problems.push(`${spec.name}.${kind}: ${colours}`);
        if (result.warning) problems.push(`${spec.name}.${kind}: ${result.warning}`);
      }
    }
    expect(problems, `${specs.length * 3} files, ${pages} pages`).to.deep.equal([]);
  });

  it('measures grey pages with exactly no C, M or Y ink', async () => {
    const greys: number[] = [];
    for (const spec of specs.slice(0, 6)) {
      const result = await inkCoverage(file(spec, 'ps'), { deadline: deadline() });
      result.pages.forEach((page, index) => {
        if (!spec.colours[index]) greys.push(page.c, page.m, page.y);
      });
    }
    expect(greys.length).to.be.greaterThan(10);
    expect(Math.max(...greys)).to.equal(0);
  });

  it('corrects what standard mode cannot see: an RGB image of grey pixels built at run time', async () => {
    // Standard mode reads an image's pixels when they are in the file; here they are made by the program.
    const job = path.join(dir, 'grey-rgb-image.ps');
    writeFileSync(
      job,
      '%!PS\n/s 6 string def 0 1 5 { s exch 64 put } for\n' +
        '100 100 translate 99 99 scale 2 1 8 [2 0 0 1 0 0] { s } false 3 colorimage showpage\n',
    );
    const standard = await analysePostScript(
      { path: job, offset: 0, length: statSync(job).size },
      {
        deadline: deadline(),
        maxBufferBytes: 1 << 20,
      },
    );
    const enhanced = await inkCoverage(job, { deadline: deadline() });
    expect(standard.pages.map((page) => page.color)).to.deep.equal([true]);
    expect(enhanced.pages.map((page) => page.color)).to.deep.equal([false]);
    expect(enhanced.pages[0].k).to.be.greaterThan(0);
  });

  it('applies the threshold to C, M and Y', async () => {
    const spec = specs.find((candidate) => candidate.colours.includes(true)) as PsSpec;
    const strict = await inkCoverage(file(spec, 'ps'), { deadline: deadline(), threshold: 0.9 });
    expect(strict.pages.every((page) => !page.color)).to.equal(true);
    expect(parseInkcov(' 0.00100  0.00000  0.00000  0.50000 CMYK OK\njunk\n', 0.001)).to.deep.equal([
      { c: 0.001, m: 0, y: 0, k: 0.5, color: false },
    ]);
  });

  it('reports ghostscript as unavailable when it is not installed, so standard mode applies', async () => {
    const result = await inkCoverage(file(specs[0], 'ps'), {
      deadline: deadline(),
      gsPath: '/nonexistent/bin/gs',
    });
    expect(result.available).to.equal(false);
    expect(result.pages).to.deep.equal([]);
    expect(result.warning).to.contain('standard mode applies');
  });

  it('kills ghostscript at the deadline and keeps the pages measured', async () => {
    const job = path.join(dir, 'slow.ps');
    writeFileSync(job, '%!PS\n1 1 1000000 { pop 0 0 1 setrgbcolor 0 0 500 500 rectfill showpage } for\n');
    const started = Date.now();
    const result = await inkCoverage(job, { deadline: Date.now() + 1_500 });
    expect(Date.now() - started).to.be.lessThan(5_000);
    expect(result.partial).to.equal(true);
    expect(result.warning).to.contain('time limit');
  });

  it('turns a failing job into a warning with the pages before the error', async () => {
    const job = path.join(dir, 'broken.ps');
    writeFileSync(
      job,
      '%!PS\n1 0 0 setrgbcolor 0 0 9 9 rectfill showpage\nthis-is-not-an-operator\nshowpage\n',
    );
    const result = await inkCoverage(job, { deadline: deadline() });
    expect(result.available).to.equal(true);
    expect(result.pages.map((page) => page.color)).to.deep.equal([true]);
    expect(result.partial).to.equal(true);
    expect(result.warning).to.match(/ghostscript failed after 1 pages/);
  });
});
