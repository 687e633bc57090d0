/**
 * Accuracy of the PostScript analyser against a corpus built during the run: PostScript sources written by the
 * test (1–50 pages, colour on chosen pages, A4/Letter/A3, every duplex mode, copies by NumCopies and #copies, in
 * five programming styles), ghostscript's ps2write rendering of each, and poppler's pdftops rendering of their PDF
 * (what CUPS's pdftops filter sends to PostScript printers). Page counts must be exact, and per-page colour, paper,
 * duplex and copies must match what the source asked for, on every file.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ensureDebianPackages, runCommand } from '@quire/testkit';
import { type LanguageAnalysis } from '../src/pdl/pdl-types';
import { analysePostScript } from '../src/pdl/postscript';
import {
  buildSpecs,
  PAPER_PWG,
  type PsSpec,
  withSetupFeatures,
  writePostScript,
} from './pdl-postscript-corpus';

const CORPUS_SIZE = 45;
const LIMITS = () => ({ deadline: Date.now() + 20_000, maxBufferBytes: 16 * 1024 * 1024 });

async function pdfwriteThenPdftops(source: string, spec: PsSpec, target: string): Promise<void> {
  const pdf = `${target}.pdf`;
  const gs = ['-q', '-dBATCH', '-dNOPAUSE', '-dSAFER', '-sDEVICE=pdfwrite', `-sOutputFile=${pdf}`, source];
  const rendered = await runCommand('gs', gs, { timeoutMs: 60_000 });
  if (rendered.code !== 0) throw new Error(`pdfwrite failed for ${source}: ${rendered.output}`);
  const duplex = spec.duplex === 'long-edge' ? ['-duplex'] : [];
  const converted = await runCommand('pdftops', [...duplex, pdf, target], { timeoutMs: 60_000 });
  if (converted.code !== 0) throw new Error(`pdftops failed for ${pdf}: ${converted.output}`);
}

async function analyseFile(file: string): Promise<LanguageAnalysis> {
  return analysePostScript({ path: file, offset: 0, length: statSync(file).size }, LIMITS());
}

async function ps2write(source: string, target: string, options: string[] = []): Promise<void> {
  const args = [
    '-q',
    '-dBATCH',
    '-dNOPAUSE',
    '-dSAFER',
    '-sDEVICE=ps2write',
    ...options,
    `-sOutputFile=${target}`,
    source,
  ];
  const result = await runCommand('gs', args, { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`ps2write failed for ${source}: ${result.output}`);
}

/** Runs `work` over `items`, `parallel` at a time. */
async function inBatches<T>(items: T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += parallel) await Promise.all(items.slice(i, i + parallel).map(work));
}

/** Every way `result` differs from what `spec` asked for, in words. */
/** What a rendering keeps of the source's device settings: ps2write and pdftops drop some (see the tests). */
interface Kept {
  duplex: PsSpec['duplex'];
  copies: number | null;
}

function mismatches(spec: PsSpec, result: LanguageAnalysis, kept: Kept = spec): string[] {
  const problems: string[] = [];
  if (result.pages.length !== spec.colours.length) {
    return [`${spec.name}: ${result.pages.length} pages, expected ${spec.colours.length}`];
  }
  result.pages.forEach((page, index) => {
    if (page.color !== spec.colours[index]) problems.push(`${spec.name} p${index + 1}: colour ${page.color}`);
    if (page.paper !== PAPER_PWG[spec.papers[index]])
      problems.push(`${spec.name} p${index + 1}: paper ${page.paper}`);
  });
  if (result.duplex !== kept.duplex)
    problems.push(`${spec.name}: duplex ${result.duplex}, expected ${kept.duplex}`);
  if (result.copies !== kept.copies)
    problems.push(`${spec.name}: copies ${result.copies}, expected ${kept.copies}`);
  if (result.partial) problems.push(`${spec.name}: partial`);
  return problems;
}

function summary(label: string, specs: PsSpec[], problems: string[]): string {
  const pages = specs.reduce((sum, spec) => sum + spec.colours.length, 0);
  const colour = specs.reduce((sum, spec) => sum + spec.colours.filter(Boolean).length, 0);
  return `${label}: ${specs.length} files, ${pages} pages (${colour} colour), ${problems.length} mismatches`;
}

describe('PostScript analyser accuracy (ghostscript corpus)', function () {
  this.timeout(120_000);
  const specs = buildSpecs(CORPUS_SIZE, 20_261_121);
  let dir = '';

  before(async function () {
    await ensureDebianPackages(['ghostscript', 'poppler-utils']);
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdl-ps-'));
    await inBatches(specs, 6, async (spec) => {
      const source = path.join(dir, `${spec.name}.ps`);
      writeFileSync(source, writePostScript(spec));
      const rendered = path.join(dir, `${spec.name}.ps2write.ps`);
      await ps2write(source, rendered);
      writeFileSync(rendered, withSetupFeatures(readFileSync(rendered, 'latin1'), spec), 'latin1');
      await pdfwriteThenPdftops(source, spec, path.join(dir, `${spec.name}.pdftops.ps`));
    });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the hand-written sources exactly: pages, per-page colour and paper, duplex, copies', async () => {
    const problems: string[] = [];
    for (const spec of specs)
      problems.push(...mismatches(spec, await analyseFile(path.join(dir, `${spec.name}.ps`))));
    expect(problems, summary('sources', specs, problems)).to.deep.equal([]);
  });

  it('reads ghostscript ps2write output exactly, from its DSC pages and embedded PDF content', async () => {
    const problems: string[] = [];
    for (const spec of specs) {
      const result = await analyseFile(path.join(dir, `${spec.name}.ps2write.ps`));
      problems.push(...mismatches(spec, result));
      if (result.warnings.length > 0) problems.push(`${spec.name}: warnings ${result.warnings.join(' | ')}`);
    }
    expect(problems, summary('ps2write', specs, problems)).to.deep.equal([]);
  });

  it('reads poppler pdftops output (the CUPS filter) exactly', async () => {
    const problems: string[] = [];
    for (const spec of specs) {
      const result = await analyseFile(path.join(dir, `${spec.name}.pdftops.ps`));
      // PDF carries no copies; pdftops asks for duplex only as -duplex (long edge), and not for simplex.
      const kept = { duplex: spec.duplex === 'long-edge' ? spec.duplex : null, copies: null };
      problems.push(...mismatches(spec, result, kept));
    }
    expect(problems, summary('pdftops', specs, problems)).to.deep.equal([]);
  });

  it('counts compressed ps2write output (-dCompressPages) exactly, with its colour unknown', async () => {
    for (const spec of specs.slice(0, 8)) {
      const compressed = path.join(dir, `${spec.name}.compressed.ps`);
      await ps2write(path.join(dir, `${spec.name}.ps`), compressed, ['-dCompressPages=true']);
      const result = await analyseFile(compressed);
      expect(
        result.pages.map((page) => page.paper),
        spec.name,
      ).to.deep.equal(spec.papers.map((paper) => PAPER_PWG[paper]));
      expect(
        result.pages.every((page) => page.color === null),
        spec.name,
      ).to.equal(true);
      expect(result.warnings.join(), spec.name).to.contain('page content is compressed');
    }
  });

  it('agrees with ghostscript on the page count of every source', async () => {
    for (const spec of specs) {
      const ps = readFileSync(path.join(dir, `${spec.name}.ps2write.ps`), 'latin1');
      expect(ps, spec.name).to.contain(`%%Pages: ${spec.colours.length}\n`);
    }
  });
});
