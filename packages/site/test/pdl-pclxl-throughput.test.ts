/**
 * Throughput and memory of the PCL XL analyser on a large file: ghostscript renders a 100-page pxlcolor job
 * (random colour images, random grey images drawn in RGB, whose every row must be decoded to prove them grey,
 * and black and colour text, which gs writes as thousands of glyph images), and the test concatenates 30 of
 * them, PJL and UEL included, into one file of over 200 MB. The analyser must count all 3,000 pages and their
 * colour exactly, and its RSS must grow by far less than the file: it streams, whatever the job's size. Prints
 * pages/s and MB/s, by wall clock and by CPU time (the wall clock suffers when other tests share the machine).
 */
import { expect } from 'chai';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDebianPackages, runCommand } from '@quire/testkit';
import { analysePclXl } from '../src/pdl/pclxl';

const MB = 1024 * 1024;
const COPIES_OF_JOB = 30;
const PAGES_PER_JOB = 100;

/** 25 × (colour image, grey image in RGB, black text, blue text): half the pages are colour. */
const SOURCE = `%!PS
/side 200 def
/row side 3 mul string def
/greyrow { 0 3 row length 3 sub { /i exch def rand 255 and /v exch def
  row i v put row i 1 add v put row i 2 add v put } for row } def
/colourrow { 0 1 row length 1 sub { row exch rand 255 and put } for row } def
/textpage { /Helvetica findfont 11 scalefont setfont 0 1 50 { 50 exch 14 mul 60 add moveto
  (Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt) show } for } def
/img { /p exch def gsave 72 200 translate 450 450 scale
  side side 8 [side 0 0 side neg 0 side] /p load false 3 colorimage grestore } def
1 1 25 { pop
  { colourrow } img showpage
  { greyrow } img showpage
  0 setgray textpage showpage
  0 0 0.8 setrgbcolor textpage showpage
} for
`;

/** Runs `task` while sampling the RSS; returns its result and the peak RSS above the level at the start. */
async function peakRssGrowth<T>(task: () => Promise<T>): Promise<{ value: T; growth: number }> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    const value = await task();
    return { value, growth: Math.max(peak, process.memoryUsage.rss()) - start };
  } finally {
    clearInterval(timer);
  }
}

describe('PCL XL analyser throughput', function () {
  this.timeout(180_000);
  let dir = '';
  let big = '';

  before(async () => {
    await ensureDebianPackages(['ghostscript']);
    dir = await mkdtemp(path.join(tmpdir(), 'quire-pclxl-throughput-'));
    const source = path.join(dir, 'job.ps');
    const rendered = path.join(dir, 'job.pxl');
    writeFileSync(source, SOURCE);
    const args = [
      '-q',
      '-dBATCH',
      '-dNOPAUSE',
      '-dSAFER',
      '-sDEVICE=pxlcolor',
      `-sOutputFile=${rendered}`,
      source,
    ];
    const result = await runCommand('gs', args, { timeoutMs: 120_000 });
    if (result.code !== 0) throw new Error(`gs failed: ${result.output.slice(-500)}`);
    const job = readFileSync(rendered);
    big = path.join(dir, 'big.pxl');
    const fd = openSync(big, 'w');
    for (let n = 0; n < COPIES_OF_JOB; n += 1) writeSync(fd, job);
    closeSync(fd);
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('counts 3,000 pages and their colour exactly in a job of over 200 MB, streaming with bounded memory', async () => {
    const size = (await stat(big)).size;
    const maxBufferBytes = 16 * MB;
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const { value: result, growth } = await peakRssGrowth(() =>
      analysePclXl(
        { path: big, offset: 0, length: size },
        { deadline: Date.now() + 120_000, maxBufferBytes },
      ),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    const pages = result.pages.length;
    process.stdout.write(
      `      ${pages} pages, ${(size / MB).toFixed(0)} MB: wall ${seconds.toFixed(2)} s = ${Math.round(pages / seconds)} pages/s, ` +
        `${(size / MB / seconds).toFixed(0)} MB/s; CPU ${cpuSeconds.toFixed(2)} s = ${Math.round(pages / cpuSeconds)} pages/s, ` +
        `${(size / MB / cpuSeconds).toFixed(0)} MB/s; RSS growth ${(growth / MB).toFixed(1)} MB\n`,
    );
    expect([pages, result.partial, result.warnings]).to.deep.equal([
      COPIES_OF_JOB * PAGES_PER_JOB,
      false,
      [],
    ]);
    const colour = result.pages.map((p) => p.color);
    const expected = Array.from({ length: pages }, (_, i) => i % 4 === 0 || i % 4 === 3);
    expect(colour).to.deep.equal(expected);
    expect(size).to.be.greaterThan(200 * MB);
    expect(growth).to.be.lessThan(maxBufferBytes + 48 * MB);
  });
});
