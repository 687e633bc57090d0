/**
 * The accuracy acceptance, through the job-level path the site uses. A corpus that ghostscript
 * renders during the run (pdl-accuracy-corpus.ts: 44 seeded PostScript sources of 1–50 pages, mixed colour
 * and grey pages, A4/Letter/A3, simplex and both duplex edges, copies through NumCopies, `#copies`, PJL
 * COPIES and QTY; each rendered with pxlmono, pxlcolor, ljet4, ps2write and pdfwrite: 220 files) goes through
 * `AnalysisPool` (worker threads, standard mode) as `JobAnalysisService` sends a job. Each file's
 * `JobAnalysis` must match what its source asked for: pages, copies, impressions, colour and mono
 * impressions, sheets, duplex and the paper map exactly, not partial, no unexpected warning. Expected values
 * come from the sources, never from an analysis.
 *
 * Per-page colour: `JobAnalysis` has only the whole job's colour split. So the pool runs the site's worker
 * (`serveAnalyses(defaultToolkit)`) with a tap on each language analyser that also writes the page list it
 * returns (the one the job's counts are made from) next to the document. Each page's colour and paper are
 * checked from it: colour as the source painted it for pxlcolor, ps2write and pdfwrite; grey throughout for
 * pxlmono and ljet4, monochrome devices.
 *
 * What the devices cannot say (inspected in their output, gs 10.0): ljet4 writes no `ESC &l#S` for a duplex
 * source; a PDF carries no duplex or copies (pdfwrite drops both; `/ViewerPreferences` are viewer hints,
 * which the PDF analyser rightly ignores); ps2write drops Duplex, NumCopies and `#copies`. Those files carry
 * what the source asked for as a spooler sends them (a PJL header, or for ps2write a `%%BeginSetup` section;
 * see DEVICE_CARRIERS), so duplex and copies are still checked on every file. gs's pxlmono asks for
 * `RENDERMODE=GRAYSCALE`, and the analysis warns that it counted every page mono.
 *
 * Every construct is checked on every device, grey shadings in ps2write files included: ps2write writes a
 * shading as an RGB inline image, which the PostScript analyser proves grey from its pixels.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { expect } from 'chai';
import { ensureDebianPackages } from '@quire/testkit';
import { AnalysisPool, type JobAnalysis } from '../src/pdl/analysis';
import { type PageFacts } from '../src/pdl/pdl-types';
import {
  type CorpusFile,
  DEVICES,
  type Device,
  type ExpectedAnalysis,
  accuracySources,
  expectedAnalysis,
  renderCorpus,
  sourceCopies,
} from './pdl-accuracy-corpus';

const RANDOM_SOURCES = 37;
const SEED = 20250604;
const GS_PROCESSES = 2;
const WORKERS = 2;

/** The tapped worker writes each part's page list, a JSON line, to the document's path plus this suffix. */
const PAGES_SUFFIX = '.pages.jsonl';

const ANALYSIS_DIST = path.join(__dirname, '../src/pdl/analysis');

/** The site's analysis worker with a tap on every language analyser (see the file comment). */
const TAPPED_WORKER = `
const { appendFileSync } = require('node:fs');
const { serveAnalyses } = require(${JSON.stringify(path.join(ANALYSIS_DIST, 'worker-host.js'))});
const { defaultToolkit } = require(${JSON.stringify(path.join(ANALYSIS_DIST, 'analysers.js'))});
const analysers = {};
for (const [pdl, analyse] of Object.entries(defaultToolkit.analysers)) {
  analysers[pdl] = async (source, limits) => {
    const result = await analyse(source, limits);
    appendFileSync(source.path + ${JSON.stringify(PAGES_SUFFIX)}, JSON.stringify(result.pages) + '\\n');
    return result;
  };
}
serveAnalyses({ ...defaultToolkit, analysers });
`;

interface Analysed {
  file: CorpusFile;
  analysis: JobAnalysis;
  /** The language analysers' pages, all parts in order. */
  pages: PageFacts[];
}

/** The recorded pages of `document`, its parts' lists joined. */
function recordedPages(document: string): PageFacts[] {
  const file = document + PAGES_SUFFIX;
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return lines.flatMap((line) => JSON.parse(line) as PageFacts[]);
}

/** The pages (1-based) on which `found` differs from `wanted`. */
function differingPages<T>(found: readonly T[], wanted: readonly T[]): number[] {
  return wanted.flatMap((value, i) => (found[i] === value ? [] : [i + 1]));
}

/** Records `actual` under `what` when it is not `wanted`. */
type Comparer = (what: string, actual: unknown, wanted: unknown) => void;

/** The job-level figures of the analysis against the expected ones. */
function compareJob(analysis: JobAnalysis, expected: ExpectedAnalysis, compare: Comparer): void {
  const pageCount = expected.colours.length;
  const colourPerCopy = expected.colours.filter(Boolean).length;
  compare('pdl', analysis.pdl, expected.pdl);
  compare('pages', analysis.pages, pageCount);
  compare('copies', analysis.copies, expected.copies);
  compare('copies from', analysis.copiesFrom, expected.copies > 1 ? 'document' : 'protocol');
  compare('impressions', analysis.impressions, pageCount * expected.copies);
  compare('colour impressions', analysis.colorPages, colourPerCopy * expected.copies);
  compare('mono impressions', analysis.monoPages, (pageCount - colourPerCopy) * expected.copies);
  compare('duplex', analysis.duplex, expected.duplex);
  compare('sheets', analysis.sheets, expected.sheets);
  compare('paper', analysis.paper, expected.paper);
  compare('partial', analysis.partial, false);
  compare('warnings', analysis.warnings, expected.warnings);
  const pjl = Object.fromEntries(Object.keys(expected.pjl).map((name) => [name, analysis.pjl[name]]));
  compare('PJL', pjl, expected.pjl);
}

/** The analysers' pages against the expected ones: colour and paper (a page stating none keeps the last). */
function comparePages(pages: readonly PageFacts[], expected: ExpectedAnalysis, compare: Comparer): void {
  compare('analysed pages', pages.length, expected.colours.length);
  let paper: string | null = null;
  const papers = pages.map((page) => (paper = page.paper ?? paper));
  const colours = pages.map((page) => page.color);
  compare('colour on pages', differingPages(colours, expected.colours), []);
  compare('paper on pages', differingPages(papers, expected.papers), []);
}

/** Every way the analysis of one file differs from its source, in words. */
function differences({ file, analysis, pages }: Analysed): string[] {
  const expected = expectedAnalysis(file);
  const where = path.basename(file.path);
  const found: string[] = [];
  const compare: Comparer = (what, actual, wanted) => {
    if (!isDeepStrictEqual(actual, wanted)) {
      found.push(`${where}: ${what} ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
    }
  };
  compareJob(analysis, expected, compare);
  comparePages(pages, expected, compare);
  return found;
}

/** One line of the accuracy table for `device`. */
function tableLine(device: Device, analysed: readonly Analysed[], mismatches: number): string {
  let pages = 0;
  let impressions = 0;
  let colourWanted = 0;
  let colourFound = 0;
  for (const { file, analysis } of analysed) {
    const expected = expectedAnalysis(file);
    pages += expected.colours.length;
    impressions += analysis.impressions;
    colourWanted += expected.colours.filter(Boolean).length * expected.copies;
    colourFound += analysis.colorPages;
  }
  return (
    `      ${device.padEnd(9)} ${analysed.length} files, ${pages} pages, ${impressions} impressions, ` +
    `colour impressions expected/found ${colourWanted}/${colourFound}, ${mismatches} mismatches\n`
  );
}

describe('PDL accuracy: a ghostscript corpus through the analysis worker pool', function () {
  this.timeout(300_000);
  const sources = accuracySources(RANDOM_SOURCES, SEED);
  let dir = '';
  let pool: AnalysisPool | undefined;
  const analysed: Analysed[] = [];

  before(async () => {
    await ensureDebianPackages(['ghostscript']);
    dir = await mkdtemp(path.join(tmpdir(), 'quire-pdl-accuracy-'));
    const started = Date.now();
    const files = await renderCorpus(dir, sources, { concurrency: GS_PROCESSES });
    const rendered = Date.now();
    const workerScript = path.join(dir, 'tapped-worker.js');
    await writeFile(workerScript, TAPPED_WORKER);
    pool = new AnalysisPool({ workers: WORKERS, timeLimitMs: 60_000, mode: 'standard', workerScript });
    const analyses = await Promise.all(
      files.map((file) => pool!.analyse({ path: file.path, protocolCopies: 1 })),
    );
    files.forEach((file, i) =>
      analysed.push({ file, analysis: analyses[i], pages: recordedPages(file.path) }),
    );
    process.stdout.write(
      `      ${files.length} files: rendered in ${((rendered - started) / 1000).toFixed(1)} s ` +
        `(${GS_PROCESSES} gs at once), analysed in ${((Date.now() - rendered) / 1000).toFixed(1)} s ` +
        `(${WORKERS} workers)\n`,
    );
  });

  after(async () => {
    await pool?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds 200+ files: 1 to 50 pages, the three papers, every duplex mode and copies route', () => {
    expect(analysed.length).to.be.at.least(200);
    const pageCounts = sources.map((source) => source.pages.length);
    expect(Math.min(...pageCounts)).to.equal(1);
    expect(Math.max(...pageCounts)).to.equal(50);
    const papers = new Set(sources.flatMap((source) => source.pages.map((page) => page.paper)));
    expect([...papers].sort()).to.deep.equal(['a3', 'a4', 'letter']);
    expect(new Set(sources.map((source) => source.duplex)).size).to.equal(3);
    const routes = new Set(sources.map((s) => `${s.pageDevice?.via ?? '-'}/${s.pjl?.variable ?? '-'}`));
    for (const route of ['NumCopies/-', '#copies/-', '-/COPIES', '-/QTY', 'NumCopies/QTY', '-/-']) {
      expect(routes, route).to.include(route);
    }
    const mixed = sources.filter((s) => s.pages.some((p) => p.colour) && s.pages.some((p) => !p.colour));
    expect(mixed.length).to.be.at.least(10);
    expect(sources.filter((source) => sourceCopies(source) > 1).length).to.be.at.least(10);
  });

  for (const device of DEVICES) {
    it(`${device}: exact pages, copies, colour per page, duplex, sheets and paper on every file`, () => {
      const files = analysed.filter((entry) => entry.file.device === device);
      const mismatches = files.flatMap(differences);
      process.stdout.write(tableLine(device, files, mismatches.length));
      expect(files).to.have.length(sources.length);
      expect(mismatches).to.deep.equal([]);
    });
  }
});
