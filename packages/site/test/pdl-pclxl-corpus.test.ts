/**
 * Accuracy of the PCL XL analyser on a corpus that ghostscript renders during the run: 40 PostScript sources
 * (1–50 pages, mixed colour and mono pages, A4/Letter/A3 and paper changes, simplex and both duplex bindings,
 * NumCopies or none), each rendered with pxlmono and pxlcolor. Page counts, paper, duplex and copies must be
 * exact on every file; per-page colour must match the source for pxlcolor, and be mono throughout for pxlmono
 * (a monochrome device). Prints an accuracy table per device.
 */
import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDebianPackages, runCommand } from '@quire/testkit';
import { analysePclXl } from '../src/pdl/pclxl';
import { type SourceSpec, corpusSources, groundTruth, postscript } from './pdl-pclxl-corpus';

const DEVICES = ['pxlmono', 'pxlcolor'] as const;
type Device = (typeof DEVICES)[number];

interface Tally {
  files: number;
  pagesExpected: number;
  pagesFound: number;
  colourExpected: number;
  colourFound: number;
  colourMismatches: number;
  mismatches: string[];
}

/** Runs `task` over `items`, `limit` at a time (gs is CPU-bound: one per core). */
async function inParallel<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

function outputFile(dir: string, spec: SourceSpec, device: Device): string {
  return path.join(dir, `${spec.name}.${device}.pxl`);
}

/** Analyses one rendered file and adds it to the tally, listing every difference from the ground truth. */
async function check(
  dir: string,
  spec: SourceSpec,
  device: Device,
  index: number,
  tally: Tally,
): Promise<void> {
  const file = outputFile(dir, spec, device);
  const size = (await stat(file)).size;
  // Half the files start at the XL stream header, as job analysis passes them; the others include gs's PJL.
  const offset = index % 2 === 0 ? 0 : (await readFile(file)).indexOf(') HP-PCL XL');
  const result = await analysePclXl(
    { path: file, offset, length: size - offset },
    { deadline: Date.now() + 30_000, maxBufferBytes: 8 * 1024 * 1024 },
  );
  const truth = groundTruth(spec, device === 'pxlcolor');
  const where = `${spec.name}.${device}`;
  tally.files += 1;
  tally.pagesExpected += truth.pages.length;
  tally.pagesFound += result.pages.length;
  tally.colourExpected += truth.pages.filter((p) => p.color).length;
  tally.colourFound += result.pages.filter((p) => p.color).length;
  if (result.pages.length !== truth.pages.length) {
    tally.mismatches.push(`${where}: ${result.pages.length} pages, expected ${truth.pages.length}`);
  }
  truth.pages.forEach((expected, i) => {
    const found = result.pages[i];
    if (!found) return;
    if (found.color !== expected.color) {
      tally.colourMismatches += 1;
      tally.mismatches.push(`${where} page ${i + 1}: colour ${found.color}, expected ${expected.color}`);
    }
    if (found.paper !== expected.paper || found.duplex !== expected.duplex) {
      tally.mismatches.push(
        `${where} page ${i + 1}: ${found.paper}/${found.duplex}, expected ${expected.paper}/${expected.duplex}`,
      );
    }
  });
  if (result.copies !== truth.copies || result.duplex !== truth.duplex) {
    tally.mismatches.push(
      `${where}: copies ${result.copies} duplex ${result.duplex}, expected ${truth.copies} ${truth.duplex}`,
    );
  }
  if (result.partial || result.warnings.length > 0) {
    tally.mismatches.push(`${where}: partial ${result.partial}, warnings ${result.warnings.join('; ')}`);
  }
}

function report(device: Device, tally: Tally): void {
  process.stdout.write(
    `      ${device}: ${tally.files} files, pages expected/found ${tally.pagesExpected}/${tally.pagesFound}, ` +
      `colour pages expected/found ${tally.colourExpected}/${tally.colourFound}, ` +
      `colour mismatches ${tally.colourMismatches}, other mismatches ${tally.mismatches.length - tally.colourMismatches}\n`,
  );
}

describe('PCL XL analyser on a ghostscript-rendered corpus', function () {
  this.timeout(240_000);
  const sources = corpusSources(34);
  let dir = '';

  before(async () => {
    await ensureDebianPackages(['ghostscript']);
    dir = await mkdtemp(path.join(tmpdir(), 'quire-pclxl-corpus-'));
    for (const spec of sources) await writeFile(path.join(dir, `${spec.name}.ps`), postscript(spec));
    const jobs = sources.flatMap((spec) => DEVICES.map((device) => ({ spec, device })));
    await inParallel(jobs, Math.max(1, availableParallelism()), async ({ spec, device }) => {
      const args = ['-q', '-dBATCH', '-dNOPAUSE', '-dSAFER', `-sDEVICE=${device}`];
      const result = await runCommand(
        'gs',
        [...args, `-sOutputFile=${outputFile(dir, spec, device)}`, path.join(dir, `${spec.name}.ps`)],
        {
          timeoutMs: 60_000,
        },
      );
      if (result.code !== 0) {
        throw new Error(`gs ${device} ${spec.name} failed: ${result.output.slice(-500)}`);
      }
    });
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('applies the colour rule to gs output: 0.5 setgray and RGB or K-only greys are mono, 1 0 0 setrgbcolor is colour', async () => {
    const marks = [
      '0.5 setgray',
      '1 0 0 setrgbcolor',
      '0.5 0.5 0.5 setrgbcolor',
      '0 0 0 0.6 setcmykcolor',
      '0 0.3 0 setrgbcolor',
    ];
    const source = path.join(dir, 'rule.ps');
    await writeFile(source, marks.map((mark) => `${mark} 72 72 300 300 rectfill showpage\n`).join(''));
    for (const device of DEVICES) {
      const file = path.join(dir, `rule.${device}.pxl`);
      const args = [
        '-q',
        '-dBATCH',
        '-dNOPAUSE',
        '-dSAFER',
        `-sDEVICE=${device}`,
        `-sOutputFile=${file}`,
        source,
      ];
      expect((await runCommand('gs', args, { timeoutMs: 60_000 })).code).to.equal(0);
      const result = await analysePclXl(
        { path: file, offset: 0, length: (await stat(file)).size },
        { deadline: Date.now() + 30_000, maxBufferBytes: 1024 * 1024 },
      );
      const colourDevice = device === 'pxlcolor';
      expect(result.pages.map((p) => p.color)).to.deep.equal([
        false,
        colourDevice,
        false,
        false,
        colourDevice,
      ]);
    }
  });

  for (const device of DEVICES) {
    it(`${device}: exact pages, paper, duplex and copies, and colour per page`, async () => {
      const tally: Tally = {
        files: 0,
        pagesExpected: 0,
        pagesFound: 0,
        colourExpected: 0,
        colourFound: 0,
        colourMismatches: 0,
        mismatches: [],
      };
      for (const [index, spec] of sources.entries()) await check(dir, spec, device, index, tally);
      report(device, tally);
      expect(tally.mismatches.slice(0, 20)).to.deep.equal([]);
      expect(tally.files).to.equal(sources.length);
      if (device === 'pxlmono') expect(tally.colourFound).to.equal(0);
      else expect(tally.colourExpected).to.be.greaterThan(100);
    });
  }
});
