/**
 * The corpus of the combined PDL accuracy test: seeded PostScript sources (1–50 pages, each page painted in
 * colour or in grey with one of the PDF corpus's constructs, on A4, Letter or A3, simplex or duplex on either
 * edge, copies through setpagedevice, `#copies` or PJL), each rendered by ghostscript with the five devices
 * the issue names. A device drops what its output language cannot say; the file then carries it the way a
 * spooler sending it to a printer would (see DEVICE_CARRIERS), so every file still asks for exactly what its
 * source asked for. The expected analysis of each file is computed from its source alone.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DuplexMode, type PdlName } from '../src/pdl/pdl-types';
import { renderWithGs, type SourcePage } from './pdl-analysis-documents';
import { CONSTRUCTS, seededRandom } from './pdl-pdf-sources';
import { PAPER_POINTS, PAPER_PWG, type Paper } from './pdl-postscript-corpus';

export const DEVICES = ['pxlmono', 'pxlcolor', 'ljet4', 'ps2write', 'pdfwrite'] as const;
export type Device = (typeof DEVICES)[number];

/** The language each device writes. */
export const DEVICE_PDL: Record<Device, PdlName> = {
  pxlmono: 'pcl-xl',
  pxlcolor: 'pcl-xl',
  ljet4: 'pcl5',
  ps2write: 'postscript',
  pdfwrite: 'pdf',
};

type Carrier = 'native' | 'pjl' | 'setup';

/**
 * How a rendered file carries the source's duplex and page-device copies. `native`: the device writes them
 * (PCL XL DuplexPageMode/PageCopies, PCL 5 `ESC &l#X`). `pjl`: a PJL header (`DUPLEX`/`BINDING`, `COPIES`),
 * as an HP driver writes one: ljet4 ignores Duplex/Tumble (its output has no `ESC &l#S`), and a PDF has no
 * job settings at all. `setup`: ps2write drops both, so they go back into a `%%BeginSetup` section as
 * setpagedevice or `#copies`, as CUPS pstops inserts them.
 */
export const DEVICE_CARRIERS: Record<Device, { duplex: Carrier; copies: Carrier }> = {
  pxlmono: { duplex: 'native', copies: 'native' },
  pxlcolor: { duplex: 'native', copies: 'native' },
  ljet4: { duplex: 'pjl', copies: 'native' },
  ps2write: { duplex: 'setup', copies: 'setup' },
  pdfwrite: { duplex: 'pjl', copies: 'pjl' },
};

/** One page of a source: its paper, whether it paints in colour, and the construct that paints it. */
export interface AccuracyPage {
  paper: Paper;
  colour: boolean;
  construct: string;
}

/** One source document and everything it asks for. */
export interface AccuracySource {
  name: string;
  pages: AccuracyPage[];
  duplex: DuplexMode;
  /** Copies set in the PostScript program itself. */
  pageDevice: { copies: number; via: 'NumCopies' | '#copies' } | null;
  /** Copies set in a PJL header around the rendered output: COPIES, or QTY (collated sets). */
  pjl: { variable: 'COPIES' | 'QTY'; count: number } | null;
}

/** A rendered corpus file: its source, device, path and the PJL variables written around it. */
export interface CorpusFile {
  source: AccuracySource;
  device: Device;
  path: string;
  pjl: Record<string, string>;
}

/** What the analysis of a corpus file must report, from its source alone. */
export interface ExpectedAnalysis {
  pdl: PdlName;
  /** Per page of one copy: printed in colour? (false throughout on a mono device). */
  colours: boolean[];
  /** Per page of one copy: the PWG media name. */
  papers: string[];
  copies: number;
  duplex: DuplexMode;
  sheets: number;
  /** PWG media name → impressions, all copies. */
  paper: Record<string, number>;
  pjl: Record<string, string>;
  warnings: string[];
}

const COLOUR_CONSTRUCTS = Object.keys(CONSTRUCTS).filter((name) => CONSTRUCTS[name].colour);
const MONO_CONSTRUCTS = Object.keys(CONSTRUCTS).filter((name) => !CONSTRUCTS[name].colour);
const PAPERS: Paper[] = ['a4', 'letter', 'a3'];
const DUPLEX_MODES: DuplexMode[] = ['simplex', 'long-edge', 'short-edge'];
const UEL = '\x1b%-12345X';
/** Printers' common resolution; at gs's default 600 dpi the PCL XL and PCL 5 files double for nothing. */
const RESOLUTION = 300;

/** An edge case: its page count, and each page's paper and colour by its index. */
interface EdgeCase {
  name: string;
  count: number;
  paper: (i: number) => Paper;
  colour: (i: number) => boolean;
  duplex: DuplexMode;
}

/** The edge cases every run covers: the shortest and longest documents, one colour only, paper every page. */
const EDGE_CASES: EdgeCase[] = [
  { name: 'one-colour-page', count: 1, paper: () => 'a4', colour: () => true, duplex: 'simplex' },
  { name: 'one-mono-page-duplex', count: 1, paper: () => 'letter', colour: () => false, duplex: 'long-edge' },
  { name: 'fifty-pages', count: 50, paper: () => 'a3', colour: (i) => i % 3 === 0, duplex: 'long-edge' },
  { name: 'all-colour', count: 12, paper: () => 'letter', colour: () => true, duplex: 'short-edge' },
  { name: 'all-mono', count: 16, paper: () => 'a4', colour: () => false, duplex: 'simplex' },
  {
    name: 'paper-every-page',
    count: 9,
    paper: (i) => PAPERS[i % 3],
    colour: (i) => i % 2 === 0,
    duplex: 'long-edge',
  },
  {
    name: 'copies-and-sets',
    count: 7,
    paper: (i) => (i < 3 ? 'a4' : 'a3'),
    colour: (i) => i === 5,
    duplex: 'short-edge',
  },
];
/** The copies of the edge cases, by name. */
const EDGE_COPIES: Record<string, Pick<AccuracySource, 'pageDevice' | 'pjl'>> = {
  'fifty-pages': { pageDevice: { copies: 2, via: 'NumCopies' }, pjl: null },
  'all-colour': { pageDevice: null, pjl: { variable: 'QTY', count: 3 } },
  'all-mono': { pageDevice: { copies: 3, via: '#copies' }, pjl: null },
  'paper-every-page': { pageDevice: null, pjl: { variable: 'COPIES', count: 2 } },
  'copies-and-sets': { pageDevice: { copies: 2, via: 'NumCopies' }, pjl: { variable: 'QTY', count: 3 } },
};

/** An edge case's source; pages cycle through the constructs of their colour. */
function edgeSource(edge: EdgeCase): AccuracySource {
  const pages = Array.from({ length: edge.count }, (_, i) => {
    const kinds = edge.colour(i) ? COLOUR_CONSTRUCTS : MONO_CONSTRUCTS;
    return { paper: edge.paper(i), colour: edge.colour(i), construct: kinds[i % kinds.length] };
  });
  const copies = EDGE_COPIES[edge.name] ?? { pageDevice: null, pjl: null };
  return { name: edge.name, pages, duplex: edge.duplex, ...copies };
}

/** `count` random sources after the edge cases; the same seed gives the same corpus. */
export function accuracySources(count: number, seed: number): AccuracySource[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const randomSources = Array.from({ length: count }, (_, n): AccuracySource => {
    const pageCount = 1 + Math.floor(random() * 50);
    const paperChanges = random() < 0.3;
    const colourShare = pick([0, 0.1, 0.4, 0.8, 1]);
    let paper = pick(PAPERS);
    const pages = Array.from({ length: pageCount }, () => {
      if (paperChanges && random() < 0.3) paper = pick(PAPERS);
      const colour = random() < colourShare;
      return { paper, colour, construct: pick(colour ? COLOUR_CONSTRUCTS : MONO_CONSTRUCTS) };
    });
    const copies = 2 + Math.floor(random() * 3);
    // NumCopies 1 is written by drivers that leave copies to the protocol: it must count as one copy.
    const route = pick(['none', 'none', 'NumCopies', 'NumCopies 1', '#copies', 'COPIES', 'QTY'] as const);
    const pageDevice =
      route === 'NumCopies' || route === '#copies'
        ? { copies, via: route }
        : route === 'NumCopies 1'
          ? { copies: 1, via: 'NumCopies' as const }
          : null;
    return {
      name: `random-${String(n).padStart(2, '0')}`,
      pages,
      duplex: pick(DUPLEX_MODES),
      pageDevice,
      pjl: route === 'COPIES' || route === 'QTY' ? { variable: route, count: copies } : null,
    };
  });
  return [...EDGE_CASES.map(edgeSource), ...randomSources];
}

/** The copies a source asks for in all: page-device copies times PJL sets, or the PJL's COPIES. */
export function sourceCopies(source: AccuracySource): number {
  const inProgram = source.pageDevice?.copies ?? 1;
  if (source.pjl?.variable === 'COPIES') return source.pjl.count;
  return inProgram * (source.pjl?.count ?? 1);
}

/**
 * The pages of a source as `renderWithGs` takes them: a black label, then the construct at half size
 * (shadings become one strip per device pixel in PCL XL, megabytes a page at full size).
 */
function sourcePages(source: AccuracySource): SourcePage[] {
  return source.pages.map((page, i) => ({
    color: page.colour,
    size: PAPER_POINTS[page.paper],
    paint: [
      '/Helvetica findfont 14 scalefont setfont 0 setgray',
      `72 40 moveto (${source.name} page ${i + 1}: ${page.construct}) show`,
      `gsave 0.5 0.5 scale ${CONSTRUCTS[page.construct].ps} grestore`,
    ].join('\n'),
  }));
}

/** The PJL variables a file of `source` rendered on `device` carries in a header, in the order written. */
function pjlVariables(source: AccuracySource, device: Device): [string, string][] {
  const carriers = DEVICE_CARRIERS[device];
  const variables: [string, string][] = [];
  if (carriers.duplex === 'pjl' && (source.duplex !== 'simplex' || source.pjl || source.pageDevice)) {
    variables.push(['DUPLEX', source.duplex === 'simplex' ? 'OFF' : 'ON']);
    if (source.duplex !== 'simplex') {
      variables.push(['BINDING', source.duplex === 'long-edge' ? 'LONGEDGE' : 'SHORTEDGE']);
    }
  }
  if (carriers.copies === 'pjl' && source.pageDevice) {
    variables.push(['COPIES', String(source.pageDevice.copies)]);
  }
  if (source.pjl) variables.push([source.pjl.variable, String(source.pjl.count)]);
  return variables;
}

/** `@PJL ENTER LANGUAGE` of the output we wrap (gs writes its own for PCL XL). */
const PJL_LANGUAGE: Partial<Record<PdlName, string>> = { pcl5: 'PCL', postscript: 'POSTSCRIPT', pdf: 'PDF' };

const setLines = (variables: [string, string][]) =>
  variables.map(([name, value]) => `@PJL SET ${name}=${value}\r\n`).join('');

/**
 * Put `variables` in front of `data` in a PJL job of its own. PCL XL from gs has its own UEL and PJL header
 * (with ENTER LANGUAGE), which follows ours; other output gets its ENTER LANGUAGE from us.
 */
function wrapInPjlJob(name: string, data: Buffer, variables: [string, string][], pdl: PdlName): Buffer {
  const language = PJL_LANGUAGE[pdl];
  const enter = language ? `@PJL ENTER LANGUAGE=${language}\r\n` : '';
  const head = `${UEL}@PJL JOB NAME="${name}"\r\n${setLines(variables)}${enter}`;
  const tail = `${UEL}@PJL EOJ NAME="${name}"\r\n${UEL}`;
  return Buffer.concat([Buffer.from(head, 'latin1'), data, Buffer.from(tail, 'latin1')]);
}

/** Add `variables` to the PJL header gs wrote in front of its PCL XL, before its ENTER LANGUAGE. */
function addToGsHeader(data: Buffer, variables: [string, string][]): Buffer {
  const at = data.indexOf('@PJL ENTER LANGUAGE');
  if (at < 0) throw new Error('gs wrote no PJL ENTER LANGUAGE in front of its PCL XL');
  return Buffer.concat([data.subarray(0, at), Buffer.from(setLines(variables), 'latin1'), data.subarray(at)]);
}

/** Put the duplex and copies ps2write dropped back into a setup section, as a spooler does. */
function withSetupSection(data: Buffer, source: AccuracySource): Buffer {
  const settings: string[] = [];
  if (source.duplex !== 'simplex') {
    settings.push(`<< /Duplex true /Tumble ${source.duplex === 'short-edge'} >> setpagedevice`);
  }
  if (source.pageDevice?.via === 'NumCopies') {
    settings.push(`<< /NumCopies ${source.pageDevice.copies} >> setpagedevice`);
  } else if (source.pageDevice) {
    settings.push(`/#copies ${source.pageDevice.copies} def`);
  }
  if (settings.length === 0) return data;
  const marker = '%%EndProlog\n';
  const at = data.indexOf(marker);
  if (at < 0) throw new Error('ps2write wrote no %%EndProlog');
  const setup = `%%BeginSetup\n${settings.join('\n')}\n%%EndSetup\n`;
  const end = at + marker.length;
  return Buffer.concat([data.subarray(0, end), Buffer.from(setup, 'latin1'), data.subarray(end)]);
}

/** Render one source on one device into `dir`, then add what the device dropped (see DEVICE_CARRIERS). */
async function renderFile(
  dir: string,
  task: { source: AccuracySource; device: Device; index: number },
): Promise<CorpusFile> {
  const { source, device, index } = task;
  const name = `${source.name}-${device}`;
  const carriers = DEVICE_CARRIERS[device];
  const inProgram = carriers.copies === 'native' ? source.pageDevice : null;
  const rendered = await renderWithGs(dir, name, device, sourcePages(source), {
    duplex: carriers.duplex === 'native' && source.duplex !== 'simplex' ? source.duplex : undefined,
    copies: inProgram?.copies,
    copiesVia: inProgram?.via,
    resolution: RESOLUTION,
  });
  let data: Buffer = await readFile(rendered);
  if (device === 'ps2write') data = withSetupSection(data, source);
  const variables = pjlVariables(source, device);
  if (variables.length > 0) {
    // PCL XL: into gs's own PJL header for half of the sources, into a PJL job of ours for the others.
    data =
      DEVICE_PDL[device] === 'pcl-xl' && index % 2 === 0
        ? addToGsHeader(data, variables)
        : wrapInPjlJob(name, data, variables, DEVICE_PDL[device]);
  }
  const file = path.join(dir, `${name}.prn`);
  await writeFile(file, data);
  return { source, device, path: file, pjl: Object.fromEntries(variables) };
}

/**
 * Render every source on every device into `dir`, at most `concurrency` ghostscript processes at once. Throws
 * with gs's output when gs fails.
 */
export async function renderCorpus(
  dir: string,
  sources: readonly AccuracySource[],
  options: { concurrency: number },
): Promise<CorpusFile[]> {
  const tasks = sources.flatMap((source, index) => DEVICES.map((device) => ({ source, device, index })));
  const files: CorpusFile[] = new Array<CorpusFile>(tasks.length);
  let taken = 0;
  const lane = async (): Promise<void> => {
    for (let at = taken++; at < tasks.length; at = taken++) {
      files[at] = await renderFile(dir, tasks[at]);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  return files;
}

/** Sheets of one copy: a duplex sheet takes two pages in a row on the same paper, a simplex page one. */
function sheetsOfOneCopy(papers: readonly string[], duplex: DuplexMode): number {
  if (duplex === 'simplex') return papers.length;
  let sheets = 0;
  for (let i = 0; i < papers.length; i += 1) {
    sheets += 1;
    if (papers[i + 1] === papers[i]) i += 1;
  }
  return sheets;
}

/** What the analysis of `file` must say, from its source and device only. */
export function expectedAnalysis(file: CorpusFile): ExpectedAnalysis {
  const { source, device } = file;
  const colourDevice = device === 'pxlcolor' || device === 'ps2write' || device === 'pdfwrite';
  const papers = source.pages.map((page) => PAPER_PWG[page.paper]);
  const copies = sourceCopies(source);
  const paper: Record<string, number> = {};
  for (const name of papers) paper[name] = (paper[name] ?? 0) + copies;
  return {
    pdl: DEVICE_PDL[device],
    colours: source.pages.map((page) => colourDevice && page.colour),
    papers,
    copies,
    duplex: source.duplex,
    sheets: sheetsOfOneCopy(papers, source.duplex) * copies,
    paper,
    pjl: file.pjl,
    // gs's pxlmono asks the printer for grey in its PJL header; the analysis says so.
    warnings: device === 'pxlmono' ? ['PJL RENDERMODE=GRAYSCALE: every page counted mono'] : [],
  };
}
