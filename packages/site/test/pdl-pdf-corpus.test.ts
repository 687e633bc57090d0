/**
 * The PDF analyser against ghostscript: PostScript sources with known pages, colour and paper (pdl-pdf-sources)
 * are turned into PDF by `pdfwrite` and by `ps2pdf`, then rewritten by qpdf (linearized; object streams with an
 * xref stream). Page counts must be exact and equal to `qpdf --show-npages`; every page's colour and paper must
 * match what the source painted. One variant forces Flate for colour images so that an RGB image whose pixels
 * are grey must be proven mono by sampling.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ensureDebianPackages, runCommand } from '@quire/testkit';
import type { LanguageAnalysis } from '../src/pdl/pdl-types';
import { analysePdf } from '../src/pdl/pdf';
import { type CorpusSource, GREY_RGB_IMAGE, makeSource } from './pdl-pdf-sources';

interface CorpusFile {
  file: string;
  source: CorpusSource;
}

const GS = ['-q', '-dBATCH', '-dNOPAUSE', '-dSAFER', '-sDEVICE=pdfwrite'];
const PAGE_COUNTS = [1, 2, 3, 4, 5, 7, 9, 12, 16, 20, 25, 31, 38, 44, 50];

async function run(command: string, args: string[]): Promise<string> {
  const result = await runCommand(command, args, { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.output}`);
  return result.output;
}

/** Runs `jobs` with at most `width` at a time (ghostscript is single-threaded; the machine is not). */
async function inParallel<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

describe('PDF analyser on a ghostscript corpus', function () {
  this.timeout(180_000);
  let dir: string;
  const corpus: CorpusFile[] = [];

  before(async () => {
    await ensureDebianPackages(['ghostscript', 'qpdf']);
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdf-corpus-'));
    const sources = PAGE_COUNTS.map((pages, i) =>
      makeSource(`doc${i}`, pages, 1000 + i, i % 5 === 0 ? 0 : 0.4),
    );
    const jobs: (() => Promise<void>)[] = [];
    for (const source of sources) {
      const ps = path.join(dir, `${source.name}.ps`);
      writeFileSync(ps, source.postscript);
      const pdfwrite = path.join(dir, `${source.name}.pdfwrite.pdf`);
      const ps2pdf = path.join(dir, `${source.name}.ps2pdf.pdf`);
      corpus.push({ file: pdfwrite, source }, { file: ps2pdf, source });
      jobs.push(() => run('gs', [...GS, `-sOutputFile=${pdfwrite}`, ps]).then(() => undefined));
      jobs.push(() => run('ps2pdf', [ps, ps2pdf]).then(() => undefined));
    }
    const flate = makeSource('greyrgb', 12, 77, 0.3, GREY_RGB_IMAGE);
    const flatePs = path.join(dir, 'greyrgb.ps');
    writeFileSync(flatePs, flate.postscript);
    const flatePdf = path.join(dir, 'greyrgb.flate.pdf');
    corpus.push({ file: flatePdf, source: flate });
    const flateArgs = [
      '-dAutoFilterColorImages=false',
      '-dColorImageFilter=/FlateEncode',
      '-dEncodeColorImages=true',
    ];
    jobs.push(() =>
      run('gs', [...GS, ...flateArgs, `-sOutputFile=${flatePdf}`, flatePs]).then(() => undefined),
    );
    await inParallel(jobs, 4);
    const rewrites: (() => Promise<void>)[] = [];
    for (const { file, source } of corpus.filter((c) => c.file.endsWith('.pdfwrite.pdf')).slice(4, 12)) {
      const linear = file.replace('.pdfwrite.pdf', '.linear.pdf');
      const objstm = file.replace('.pdfwrite.pdf', '.objstm.pdf');
      rewrites.push(() => run('qpdf', ['--linearize', file, linear]).then(() => undefined));
      rewrites.push(() => run('qpdf', ['--object-streams=generate', file, objstm]).then(() => undefined));
      corpus.push({ file: linear, source }, { file: objstm, source });
    }
    await inParallel(rewrites, 4);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  async function analyse(file: string): Promise<LanguageAnalysis> {
    return analysePdf(
      { path: file, offset: 0, length: statSync(file).size },
      { deadline: Date.now() + 30_000, maxBufferBytes: 32 * 1024 * 1024 },
    );
  }

  it('counts every page exactly, as qpdf does, with the right paper and colour on every page', async () => {
    const mismatches: string[] = [];
    const table = new Map<
      string,
      { files: number; pages: number; found: number; colour: number; paper: number }
    >();
    for (const { file, source } of corpus) {
      const result = await analyse(file);
      const qpdfPages = Number((await run('qpdf', ['--show-npages', file])).trim());
      const name = path.basename(file);
      expect(result.pages.length, `${name}: pages`).to.equal(source.pages.length);
      expect(qpdfPages, `${name}: qpdf pages`).to.equal(source.pages.length);
      expect(result.partial, `${name}: partial (${result.warnings.join('; ')})`).to.equal(false);
      const variant = name.split('.')[1];
      const row = table.get(variant) ?? { files: 0, pages: 0, found: 0, colour: 0, paper: 0 };
      row.files += 1;
      row.pages += source.pages.length;
      row.found += result.pages.length;
      source.pages.forEach((page, i) => {
        const found = result.pages[i];
        if (found.color !== page.colour) {
          row.colour += 1;
          mismatches.push(`${name} page ${i + 1} (${page.construct}): colour ${found.color}`);
        }
        if (found.paper !== page.paper) {
          row.paper += 1;
          mismatches.push(`${name} page ${i + 1}: paper ${found.paper}, not ${page.paper}`);
        }
      });
      table.set(variant, row);
    }
    for (const [variant, row] of table) {
      process.stdout.write(
        `      ${variant}: ${row.files} files, ${row.pages} pages expected, ${row.found} found, ` +
          `${row.colour} colour and ${row.paper} paper mismatches\n`,
      );
    }
    expect(mismatches).to.deep.equal([]);
    expect(corpus.length).to.be.at.least(45);
    expect([...table.values()].reduce((sum, row) => sum + row.pages, 0)).to.be.at.least(700);
  });

  it('reads the structures the rewrites produce (xref streams, object streams, linearization)', async () => {
    const objstm = corpus.find((c) => c.file.endsWith('.objstm.pdf')) as CorpusFile;
    const linear = corpus.find((c) => c.file.endsWith('.linear.pdf')) as CorpusFile;
    const head = async (file: string) => (await run('head', ['-c', '2000', file])).toString();
    expect(await run('qpdf', ['--show-xref', objstm.file])).to.match(/compressed; stream = \d+/);
    expect(await head(linear.file)).to.match(/\/Linearized/);
    for (const { file, source } of [objstm, linear]) {
      const result = await analyse(file);
      expect(result.pages.map((p) => p.color)).to.deep.equal(source.pages.map((p) => p.colour));
      expect(result.warnings).to.deep.equal([]);
    }
  });
});
