/**
 * Accuracy of the raster analysers (PWG raster, URF, JPEG) on files ghostscript renders during the run from the
 * PostScript corpus, at 50 dpi to keep them small: page counts exact, per-page colour from the pixels (grey in
 * grey spaces, the source's colour pages in sRGB/RGB/CMYK), paper, duplex and copies from the page headers.
 * Also: truncated and hostile streams end with `partial`, never an exception.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ensureDebianPackages, runCommand } from '@quire/testkit';
import { type LanguageAnalysis, type PdlSource } from '../src/pdl/pdl-types';
import { analyseJpeg } from '../src/pdl/raster-jpeg';
import { analysePwgRaster } from '../src/pdl/raster-pwg';
import { analyseUrf } from '../src/pdl/raster-urf';
import { buildSpecs, PAPER_PWG, type PsSpec, writePostScript } from './pdl-postscript-corpus';

interface Variant {
  device: 'pwgraster' | 'urf';
  /** cupsColorSpace and bits per colour asked of ghostscript. */
  space: number;
  bits: number;
  /** True when the output keeps colour, so pages are expected as the source painted them. */
  keepsColour: boolean;
}

const VARIANTS: Variant[] = [
  { device: 'pwgraster', space: 3, bits: 1, keepsColour: false },
  { device: 'pwgraster', space: 18, bits: 8, keepsColour: false },
  { device: 'pwgraster', space: 19, bits: 8, keepsColour: true },
  { device: 'pwgraster', space: 19, bits: 16, keepsColour: true },
  { device: 'pwgraster', space: 1, bits: 8, keepsColour: true },
  { device: 'pwgraster', space: 6, bits: 8, keepsColour: true },
  { device: 'urf', space: 18, bits: 8, keepsColour: false },
  { device: 'urf', space: 19, bits: 8, keepsColour: true },
  { device: 'urf', space: 6, bits: 8, keepsColour: true },
];

// CMYK output keeps greys on black ink only when ghostscript separates without ICC (as inkcov.ts explains).
const K_ONLY_GREYS = ['-dUseFastColor=true', '-c', '{} setblackgeneration {} setundercolorremoval', '-f'];
const limits = () => ({ deadline: Date.now() + 20_000, maxBufferBytes: 1024 * 1024 });
const sourceOf = (file: string, offset = 0): PdlSource => ({
  path: file,
  offset,
  length: statSync(file).size - offset,
});

async function gs(args: string[]): Promise<void> {
  const result = await runCommand('gs', ['-q', '-dBATCH', '-dNOPAUSE', '-dSAFER', ...args], {
    timeoutMs: 60_000,
  });
  if (result.code !== 0) throw new Error(`gs ${args.join(' ')} failed: ${result.output}`);
}

function variantName(variant: Variant): string {
  return `${variant.device}-cs${variant.space}-${variant.bits}`;
}

function expectedCopies(spec: PsSpec, variant: Variant): number | null {
  return variant.device === 'urf' ? null : spec.copies;
}

function mismatches(spec: PsSpec, variant: Variant, result: LanguageAnalysis): string[] {
  const label = `${spec.name} ${variantName(variant)}`;
  if (result.pages.length !== spec.colours.length) return [`${label}: ${result.pages.length} pages`];
  const problems: string[] = [];
  result.pages.forEach((page, index) => {
    const colour = variant.keepsColour && spec.colours[index];
    if (page.color !== colour) problems.push(`${label} p${index + 1}: colour ${page.color}`);
    if (page.paper !== PAPER_PWG[spec.papers[index]])
      problems.push(`${label} p${index + 1}: paper ${page.paper}`);
  });
  if (result.duplex !== (spec.duplex ?? 'simplex')) problems.push(`${label}: duplex ${result.duplex}`);
  if (result.copies !== expectedCopies(spec, variant)) problems.push(`${label}: copies ${result.copies}`);
  if (result.partial || result.warnings.length > 0) problems.push(`${label}: ${result.warnings.join(' | ')}`);
  return problems;
}

describe('raster analysers accuracy (ghostscript corpus)', function () {
  this.timeout(120_000);
  const specs = buildSpecs(10, 51_024).filter((spec) => spec.colours.length <= 30);
  let dir = '';
  const rasterFile = (spec: PsSpec, variant: Variant) =>
    path.join(dir, `${spec.name}.${variantName(variant)}`);

  before(async function () {
    await ensureDebianPackages(['ghostscript']);
    dir = mkdtempSync(path.join(tmpdir(), 'quire-pdl-raster-'));
    // Each source is written once, before any rendering: variants of one source render in parallel, and
    // rewriting it while another gs reads it gave that gs a truncated file (and no output).
    for (const spec of specs) writeFileSync(path.join(dir, `${spec.name}.ps`), writePostScript(spec));
    const jobs = specs.flatMap((spec) => VARIANTS.map((variant) => ({ spec, variant })));
    for (let i = 0; i < jobs.length; i += 8) {
      await Promise.all(
        jobs.slice(i, i + 8).map(async ({ spec, variant }) => {
          const source = path.join(dir, `${spec.name}.ps`);
          const colour = [`-dcupsColorSpace=${variant.space}`, `-dcupsBitsPerColor=${variant.bits}`];
          const separation = variant.space === 6 ? K_ONLY_GREYS : [];
          await gs([
            `-sDEVICE=${variant.device}`,
            '-r50',
            ...colour,
            `-sOutputFile=${rasterFile(spec, variant)}`,
            ...separation,
            source,
          ]);
        }),
      );
    }
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads every PWG raster and URF page: count, colour, paper, duplex, copies', async () => {
    const problems: string[] = [];
    let pages = 0;
    for (const spec of specs) {
      for (const variant of VARIANTS) {
        const analyse = variant.device === 'urf' ? analyseUrf : analysePwgRaster;
        const result = await analyse(sourceOf(rasterFile(spec, variant)), limits());
        pages += result.pages.length;
        problems.push(...mismatches(spec, variant, result));
      }
    }
    expect(problems, `${specs.length * VARIANTS.length} files, ${pages} pages`).to.deep.equal([]);
  });

  it('reads JPEG as one page, colour by component count', async () => {
    const spec = specs[0];
    const source = path.join(dir, `${spec.name}.ps`);
    const results: (boolean | null)[] = [];
    for (const device of ['jpeg', 'jpeggray', 'jpegcmyk']) {
      const target = path.join(dir, `page.${device}.jpg`);
      await gs([
        `-sDEVICE=${device}`,
        '-r20',
        '-dFirstPage=1',
        '-dLastPage=1',
        `-sOutputFile=${target}`,
        source,
      ]);
      const result = await analyseJpeg(sourceOf(target), limits());
      expect(result.pages).to.have.length(1);
      expect(result.pages[0].paper).to.equal(null);
      results.push(result.pages[0].color);
    }
    expect(results).to.deep.equal([true, false, true]);
  });

  it('ends truncated or hostile raster streams with partial and a warning, never an exception', async () => {
    const spec = specs[1];
    const whole = readFileSync(rasterFile(spec, VARIANTS[2]));
    const cases: [string, Buffer][] = [
      ['cut in page data', whole.subarray(0, 4 + 1796 + 100)],
      ['cut in a header', whole.subarray(0, 4 + 900)],
      ['bad sync word', Buffer.concat([Buffer.from('XXXX'), whole.subarray(4)])],
      ['empty', Buffer.alloc(0)],
    ];
    const huge = Buffer.from(whole.subarray(0, 4 + 1796));
    huge.writeUInt32BE(0xffffffff, 4 + 376); // cupsHeight
    cases.push(['4 billion lines, no data', huge]);
    for (const [label, bytes] of cases) {
      const file = path.join(dir, `broken-${label.replace(/\W+/g, '-')}.pwg`);
      writeFileSync(file, bytes);
      const result = await analysePwgRaster(sourceOf(file), limits());
      expect(result.partial, label).to.equal(true);
      expect(result.warnings, label).to.have.length.greaterThan(0);
    }
  });

  it('counts URF pages from the stream when the header count disagrees, and reads after a PJL header', async () => {
    const spec = specs[2];
    const urf = Buffer.from(readFileSync(rasterFile(spec, VARIANTS[7])));
    urf.writeUInt32BE(spec.colours.length + 5, 8);
    const pjl = Buffer.from('\x1b%-12345X@PJL ENTER LANGUAGE=URF\r\n', 'latin1');
    const file = path.join(dir, 'wrong-count.urf');
    writeFileSync(file, Buffer.concat([pjl, urf]));
    const result = await analyseUrf(sourceOf(file, pjl.length), limits());
    expect(result.pages).to.have.length(spec.colours.length);
    expect(result.warnings.join()).to.contain(`announces ${spec.colours.length + 5} pages`);
  });

  it('stops at the deadline with partial', async () => {
    const file = rasterFile(specs[0], VARIANTS[2]);
    const result = await analysePwgRaster(sourceOf(file), { deadline: Date.now() - 1, maxBufferBytes: 4096 });
    expect(result.partial).to.equal(true);
    expect(result.warnings.join()).to.contain('time limit');
  });
});
