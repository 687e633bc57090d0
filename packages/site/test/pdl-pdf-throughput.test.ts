/**
 * Throughput and memory of the PDF analyser on large files: a 2,000-page document written by ghostscript
 * (counting and colour of text pages; pages/s), and a generated file of over 100 MB whose pages each hold a
 * distinct 1000×1000 RGB image that is grey, so every image must be inflated and checked to the end (MB/s). The
 * second also bounds the memory: the file is never held in memory, so the RSS grows by far less than its size.
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ensureDebianPackages, runCommand } from '@quire/testkit';
import type { AnalysisLimits, LanguageAnalysis } from '../src/pdl/pdl-types';
import { analysePdf } from '../src/pdl/pdf';
import { streamBody } from './pdl-pdf-builder';
import { makeSource, seededRandom } from './pdl-pdf-sources';

const MB = 1024 * 1024;

async function timed(
  file: string,
  limits: Partial<AnalysisLimits> = {},
): Promise<{ result: LanguageAnalysis; seconds: number }> {
  const started = process.hrtime.bigint();
  const result = await analysePdf(
    { path: file, offset: 0, length: statSync(file).size },
    { deadline: Date.now() + 60_000, maxBufferBytes: 32 * MB, ...limits },
  );
  return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function report(label: string, file: string, pages: number, seconds: number): void {
  const size = statSync(file).size / MB;
  process.stdout.write(
    `      ${label}: ${pages} pages, ${size.toFixed(1)} MB in ${(seconds * 1000).toFixed(0)} ms = ` +
      `${Math.round(pages / seconds)} pages/s, ${(size / seconds).toFixed(1)} MB/s\n`,
  );
}

/**
 * Writes a document of `pages` pages, each painting its own (identical) grey 1000×1000 RGB image, object by
 * object to disk, so this process never holds the file and its RSS measures the analyser alone.
 */
function writeGreyImageDocument(file: string, pages: number): void {
  const side = 1000;
  const random = seededRandom(7);
  const pixels = Buffer.alloc(side * side * 3);
  // Random greys barely compress, so the file is as large as the pixels it holds.
  for (let i = 0; i < side * side; i += 1) pixels.fill(Math.floor(random() * 256), i * 3, i * 3 + 3);
  const image = streamBody(
    `/Type /XObject /Subtype /Image /Width ${side} /Height ${side} /BitsPerComponent 8 /ColorSpace /DeviceRGB`,
    pixels,
  );
  const fd = openSync(file, 'w');
  const offsets: number[] = [];
  let position = 0;
  const write = (data: string | Buffer) => {
    position += writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  };
  const object = (num: number, body: string | Buffer) => {
    offsets[num] = position;
    write(`${num} 0 obj\n`);
    write(body);
    write('\nendobj\n');
  };
  write('%PDF-1.7\n');
  object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  const kids = Array.from({ length: pages }, (_, i) => `${3 + 3 * i} 0 R`).join(' ');
  object(2, `<< /Type /Pages /Kids [${kids}] /Count ${pages} /MediaBox [0 0 595 842] >>`);
  for (let i = 0; i < pages; i += 1) {
    const page = 3 + 3 * i;
    object(
      page,
      `<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im ${page + 2} 0 R >> >> /Contents ${page + 1} 0 R >>`,
    );
    object(page + 1, streamBody('', 'q 500 0 0 700 50 50 cm /Im Do Q'));
    object(page + 2, image);
  }
  const xref = position;
  write(`xref\n0 ${offsets.length}\n0000000000 65535 f\r\n`);
  for (let num = 1; num < offsets.length; num += 1)
    write(`${String(offsets[num]).padStart(10, '0')} 00000 n\r\n`);
  write(`trailer\n<< /Size ${offsets.length} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  closeSync(fd);
}

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

describe('PDF analyser throughput', function () {
  this.timeout(120_000);
  let dir: string;

  before(async () => {
    await ensureDebianPackages(['ghostscript']);
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdf-throughput-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts and classifies a 2,000-page ghostscript PDF exactly, also with a 1 MB memory budget', async () => {
    const source = makeSource('big', 2000, 4242, 0.25);
    const ps = path.join(dir, 'big.ps');
    const pdf = path.join(dir, 'big.pdf');
    writeFileSync(ps, source.postscript);
    const gs = await runCommand(
      'gs',
      ['-q', '-dBATCH', '-dNOPAUSE', '-dSAFER', '-sDEVICE=pdfwrite', `-sOutputFile=${pdf}`, ps],
      { timeoutMs: 90_000 },
    );
    expect(gs.code, gs.output).to.equal(0);
    await timed(pdf); // warm the JIT, as a long-running site server is
    const { result, seconds } = await timed(pdf);
    report('2,000-page pdfwrite document', pdf, result.pages.length, seconds);
    expect(result.pages.map((p) => p.color)).to.deep.equal(source.pages.map((p) => p.colour));
    expect(result.pages.map((p) => p.paper)).to.deep.equal(source.pages.map((p) => p.paper));
    const small = await timed(pdf, { maxBufferBytes: MB });
    expect(small.result.pages.map((p) => p.color)).to.deep.equal(source.pages.map((p) => p.colour));
    expect(seconds).to.be.below(20);
  });

  it('inflates and checks over 100 MB of grey RGB images with bounded memory', async () => {
    const file = path.join(dir, 'images.pdf');
    writeGreyImageDocument(file, 45);
    const { value, growth } = await peakRssGrowth(() => timed(file, { maxBufferBytes: 16 * MB }));
    const { result, seconds } = value;
    report('45 pages of 1000×1000 grey RGB images', file, result.pages.length, seconds);
    process.stdout.write(
      `      peak RSS growth ${(growth / MB).toFixed(1)} MB for a ${(statSync(file).size / MB).toFixed(0)} MB file\n`,
    );
    expect(result.pages).to.have.length(45);
    expect(result.pages.every((p) => p.color === false)).to.equal(true);
    expect(result.warnings).to.deep.equal([]);
    expect(statSync(file).size).to.be.above(100 * MB);
    expect(growth).to.be.below(64 * MB);
  });
});
