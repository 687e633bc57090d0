/**
 * Accuracy of the PCL 5 analyser against ghostscript's PCL 5 devices. The test writes its own PostScript
 * sources (1 to 50 pages, A4, Letter and A3, simplex and both duplex bindings, NumCopies, blank, grey and
 * colour pages), renders them with gs, and checks every page of the analysis against what the source asked
 * for, as each device can express it:
 * - ljet4 (no duplex), ljet4d (duplex), lj4dith (pages ended by ESC E, not form feeds), laserjet (no page size
 *   command at all): monochrome devices, so every page is grey;
 * - cljet5c (24-bit RGB raster, greys as R=G=B) and cljet5 (one-bit C, M and Y planes): colour devices, so
 *   each page's colour must match. cljet5 halftones a grey with a different screen in each plane, so a grey
 *   page lays cyan, magenta and yellow toner and is a colour page in its data, as the printer counts it.
 * Devices that cannot ask for copies in PCL make gs send each page once per copy; the others write
 * `ESC &l#X`. Copies requested through PJL (`@PJL SET COPIES`) are checked on wrapped ljet4 output. Most
 * sources render at 150 dpi, which keeps gs quick and changes nothing in the command structure; every sixth
 * renders at the device's own resolution.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ensureDebianPackages } from '@quire/testkit';
import { detectPdl } from '../src/pdl/detect';
import { analysePcl5 } from '../src/pdl/pcl5';
import type { DuplexMode, LanguageAnalysis, PageFacts } from '../src/pdl/pdl-types';
import { pjlSettings, readPjlHeader } from '../src/pdl/pjl';

const run = promisify(execFile);

type PageKind = 'grey' | 'colour' | 'blank';
type Paper = 'a4' | 'letter' | 'a3';

interface Source {
  name: string;
  pages: PageKind[];
  paper: Paper;
  duplex: DuplexMode;
  copies: number;
  /** Render at this resolution (dpi) to keep gs fast, or at the device's own when absent. */
  resolution?: number;
}

interface Device {
  name: string;
  colour: boolean;
  duplex: boolean;
  writesPaper: boolean;
  writesCopies: boolean;
  papers: Paper[];
  /** Greys come out as a mix of colour toners (CMY halftones), not black. */
  compositeGrey?: boolean;
}

const PAPERS: Record<Paper, { points: [number, number]; pwg: string }> = {
  a4: { points: [595, 842], pwg: 'iso_a4_210x297mm' },
  letter: { points: [612, 792], pwg: 'na_letter_8.5x11in' },
  a3: { points: [842, 1191], pwg: 'iso_a3_297x420mm' },
};

const ALL_PAPERS: Paper[] = ['a4', 'letter', 'a3'];
const MONO_DEVICES: Device[] = [
  { name: 'ljet4', colour: false, duplex: false, writesPaper: true, writesCopies: true, papers: ALL_PAPERS },
  { name: 'ljet4d', colour: false, duplex: true, writesPaper: true, writesCopies: true, papers: ALL_PAPERS },
  {
    name: 'lj4dith',
    colour: false,
    duplex: false,
    writesPaper: true,
    writesCopies: false,
    papers: ALL_PAPERS,
  },
  {
    name: 'laserjet',
    colour: false,
    duplex: false,
    writesPaper: false,
    writesCopies: false,
    papers: ALL_PAPERS,
  },
];
const COLOUR_DEVICES: Device[] = [
  {
    name: 'cljet5c',
    colour: true,
    duplex: false,
    writesPaper: true,
    writesCopies: false,
    papers: ALL_PAPERS,
  },
  // The Color LaserJet 5 has no A3: gs writes Letter for it, so it gets A4 and Letter only.
  {
    name: 'cljet5',
    colour: true,
    duplex: false,
    writesPaper: true,
    writesCopies: false,
    papers: ['a4', 'letter'],
    compositeGrey: true,
  },
];

/** A small deterministic generator, so a failure names a source that can be rebuilt. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeSources(
  prefix: string,
  count: number,
  maxPages: number,
  papers: Paper[],
  seed: number,
): Source[] {
  const next = random(seed);
  const duplexModes: DuplexMode[] = ['simplex', 'long-edge', 'short-edge'];
  return Array.from({ length: count }, (_, i) => {
    const pageCount = i === 0 ? 1 : i === 1 ? maxPages : 1 + Math.floor(next() * maxPages);
    const pages = Array.from({ length: pageCount }, (): PageKind => {
      const roll = next();
      return roll < 0.08 ? 'blank' : roll < 0.5 ? 'colour' : 'grey';
    });
    return {
      name: `${prefix}-${i}`,
      pages,
      paper: papers[i % papers.length],
      duplex: duplexModes[Math.floor(i / papers.length) % 3],
      copies: i % 5 === 3 ? 2 + (i % 2) : 1,
      resolution: i % 6 === 0 ? undefined : 150,
    };
  });
}

function postscript(source: Source): string {
  const [width, height] = PAPERS[source.paper].points;
  const duplex = source.duplex !== 'simplex';
  const copies = source.copies > 1 ? ` /NumCopies ${source.copies}` : '';
  const lines = [
    '%!PS',
    `<< /PageSize [${width} ${height}] /Duplex ${duplex} /Tumble ${source.duplex === 'short-edge'}${copies} >> setpagedevice`,
    '/Helvetica findfont 24 scalefont setfont',
  ];
  source.pages.forEach((kind, index) => {
    if (kind !== 'blank') lines.push(`0 setgray 72 ${height - 100} moveto (Page ${index + 1}) show`);
    if (kind === 'grey') lines.push('0.5 setgray 100 100 200 150 rectfill');
    if (kind === 'colour') lines.push('0.9 0.1 0.1 setrgbcolor 100 100 200 150 rectfill');
    lines.push('showpage');
  });
  return `${lines.join('\n')}\n`;
}

/** The pages a device's output must show, in order, and the copies it states in PCL. */
function expected(source: Source, device: Device): { pages: PageFacts[]; copies: number } {
  const page = (kind: PageKind): PageFacts => ({
    color: device.colour && (kind === 'colour' || (kind === 'grey' && device.compositeGrey === true)),
    paper: device.writesPaper ? PAPERS[source.paper].pwg : null,
    duplex: device.duplex ? source.duplex : null,
  });
  const repeat = device.writesCopies ? 1 : source.copies;
  const pages = source.pages.flatMap((kind) => Array.from({ length: repeat }, () => page(kind)));
  return { pages, copies: device.writesCopies ? source.copies : 1 };
}

async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, availableParallelism()) }, worker));
}

async function analyseFile(path: string, offset = 0): Promise<LanguageAnalysis> {
  const length = statSync(path).size - offset;
  return analysePcl5({ path, offset, length }, { deadline: Date.now() + 30000, maxBufferBytes: 8 << 20 });
}

describe('PCL 5 analysis of ghostscript output', function () {
  this.timeout(120000);
  let dir: string;
  const rendered: { source: Source; device: Device; path: string }[] = [];

  before(async function () {
    this.timeout(20 * 60 * 1000);
    await ensureDebianPackages(['ghostscript']);
    dir = mkdtempSync(join(tmpdir(), 'quire-pdl-pcl5-'));
    const mono = makeSources('mono', 36, 50, ALL_PAPERS, 4);
    const colour = makeSources('colour', 14, 12, ALL_PAPERS, 5);
    const jobs = [
      ...mono.flatMap((source) => MONO_DEVICES.map((device) => ({ source, device }))),
      ...colour.flatMap((source) =>
        COLOUR_DEVICES.filter((device) => device.papers.includes(source.paper)).map((device) => ({
          source,
          device,
        })),
      ),
    ];
    for (const source of [...mono, ...colour])
      writeFileSync(join(dir, `${source.name}.ps`), postscript(source));
    await inParallel(jobs, async ({ source, device }) => {
      const input = join(dir, `${source.name}.ps`);
      const path = join(dir, `${source.name}.${device.name}.pcl`);
      const resolution = source.resolution ? [`-r${source.resolution}`] : [];
      const options = ['-q', '-dBATCH', '-dNOPAUSE', '-dSAFER', ...resolution, `-sDEVICE=${device.name}`];
      await run('gs', [...options, `-sOutputFile=${path}`, input]);
      rendered.push({ source, device, path });
    });
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts every page exactly, with paper, duplex, copies and colour as each device wrote them', async () => {
    expect(rendered.length).to.equal(168);
    const mismatches: string[] = [];
    const totals = new Map<
      string,
      { files: number; pages: number; found: number; colourMismatches: number }
    >();
    for (const { source, device, path } of rendered) {
      const result = await analyseFile(path);
      const want = expected(source, device);
      const total = totals.get(device.name) ?? { files: 0, pages: 0, found: 0, colourMismatches: 0 };
      total.files += 1;
      total.pages += want.pages.length;
      total.found += result.pages.length;
      total.colourMismatches += want.pages.filter((page, i) => result.pages[i]?.color !== page.color).length;
      totals.set(device.name, total);
      const duplex = device.duplex ? source.duplex : null;
      const same =
        JSON.stringify(result.pages) === JSON.stringify(want.pages) &&
        (result.copies ?? 1) === want.copies &&
        result.duplex === duplex &&
        !result.partial;
      if (!same) mismatches.push(`${source.name} on ${device.name}: ${JSON.stringify(result).slice(0, 300)}`);
    }
    const table = [...totals].map(
      ([name, t]) =>
        `${name}: ${t.files} files, ${t.pages} pages expected, ${t.found} found, ${t.colourMismatches} colour mismatches`,
    );
    process.stdout.write(`      ${table.join('\n      ')}\n`);
    expect(mismatches).to.deep.equal([]);
  });

  it('reads copies asked through PJL in front of ljet4 output, and the PCL pages behind it', async () => {
    const ljet4 = rendered.filter((entry) => entry.device.name === 'ljet4').slice(0, 12);
    for (const [index, { source, path }] of ljet4.entries()) {
      const copies = 2 + (index % 4);
      const header = `\x1b%-12345X@PJL JOB NAME="${source.name}"\r\n@PJL SET COPIES=${copies}\r\n@PJL ENTER LANGUAGE=PCL\r\n`;
      const wrapped = join(dir, `${source.name}.pjl.pcl`);
      writeFileSync(
        wrapped,
        Buffer.concat([Buffer.from(header, 'latin1'), readFileSync(path), Buffer.from('\x1b%-12345X')]),
      );
      const head = readFileSync(wrapped).subarray(0, 65536);
      const detection = detectPdl(head);
      expect(detection).to.deep.include({ pdl: 'pcl5', pjlLanguage: 'PCL', dataOffset: header.length });
      expect(pjlSettings(readPjlHeader(head).variables).copies).to.equal(copies);
      const result = await analyseFile(wrapped, detection.dataOffset);
      expect(result.pages).to.deep.equal(expected(source, MONO_DEVICES[0]).pages);
      expect(result.partial).to.equal(false);
    }
  });
});
