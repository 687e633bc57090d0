/**
 * The corpus and the mutations of the PDL fuzz run (pdl-analysis-fuzz.test.ts). The corpus is small (1–3 pages
 * a file, mostly a few KB) so that tens of thousands of mutations fit a CI budget, and covers every language the
 * site reads: PostScript in five hand-written styles and as ps2write emits it, PCL-XL (colour and mono), PCL5
 * (mono and colour), PDF (gs's classic xref, an xref stream with object streams, an incremental update), PWG
 * raster, URF, JPEG, PJL-wrapped jobs and a job of two UEL-separated parts.
 *
 * Each mutation is a pure function of the corpus and its index (its own seeded generator), so a failure seen at
 * index N reproduces with `mutationAt(corpus, N)` alone, whatever ran before it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand, seededRandom } from '@quire/testkit';
import { detectPdl } from '../src/pdl/detect';
import { type PdlName } from '../src/pdl/pdl-types';
import { PdfBuilder, simpleDocument, streamBody } from './pdl-pdf-builder';
import { type PsSpec, type Style, writePostScript } from './pdl-postscript-corpus';

/** One clean document the mutations start from. */
export interface CorpusFile {
  name: string;
  bytes: Buffer;
  /** The language the clean file is detected as. */
  pdl: PdlName;
  /** Pages of one copy in the clean file. */
  pages: number;
  /** Bytes up to the end of the language's own header (after any PJL header): what `header-only` keeps. */
  headerLength: number;
  /** Relative share of the mutations (large files get less, to keep the run within its budget). */
  weight: number;
}

/** The kinds of damage done to a corpus file. */
export const MUTATION_KINDS = [
  'truncate',
  'bit-flips',
  'zero-run',
  'duplicate-run',
  'huge-number',
  'header-only',
  'garbage-after-header',
  'insert-random',
  'splice-other-file',
] as const;

export type MutationKind = (typeof MUTATION_KINDS)[number];

/** One mutated document, and how it was made (for the failure message). */
export interface Mutation {
  index: number;
  source: CorpusFile;
  kind: MutationKind;
  detail: string;
  bytes: Buffer;
}

const UEL = '\x1b%-12345X';

function threePageSpec(style: Style, papers: PsSpec['papers'], copies: number | null = 2): PsSpec {
  return {
    name: `fuzz-${style}`,
    style,
    colours: [true, false, true],
    papers,
    duplex: 'long-edge',
    copies,
    copiesVia: 'NumCopies',
  };
}

/** Render `source` with the gs `device` into `dir` as `name`; throws with gs's output when gs fails. */
async function gs(
  dir: string,
  name: string,
  source: string,
  device: string,
  extra: string[] = [],
): Promise<Buffer> {
  const output = path.join(dir, name);
  const args = ['-q', '-dBATCH', '-dNOPAUSE', '-dSAFER', `-sDEVICE=${device}`, ...extra];
  const result = await runCommand('gs', [...args, `-sOutputFile=${output}`, source], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`gs -sDEVICE=${device} failed: ${result.output}`);
  return readFile(output);
}

/** A job as a driver wraps it: UEL, a PJL header with the usual variables, the data, UEL, EOJ, UEL. */
function pjlWrapped(language: string, data: Buffer): Buffer {
  const header = [
    `${UEL}@PJL JOB NAME="fuzz"`,
    '@PJL SET USERNAME="fuzzer"',
    '@PJL SET COPIES=2',
    '@PJL SET DUPLEX=ON',
    '@PJL SET BINDING=LONGEDGE',
    '@PJL SET PAPER=A4',
    '@PJL SET RENDERMODE=COLOR',
    `@PJL ENTER LANGUAGE=${language}`,
    '',
  ].join('\r\n');
  return Buffer.concat([
    Buffer.from(header, 'latin1'),
    data,
    Buffer.from(`${UEL}@PJL EOJ\r\n${UEL}`, 'latin1'),
  ]);
}

const PDF_PAGES = [
  '1 0 0 rg 72 72 144 144 re f',
  '0 g 72 72 144 144 re f',
  '0 0 1 RG 4 w 72 72 m 300 300 l S',
];

/** Hand-built PDFs: an xref stream with object streams, and a classic file with an incremental update. */
function builtPdfs(): { name: string; bytes: Buffer; pages: number }[] {
  const compact = simpleDocument(PDF_PAGES).build(1, { xref: 'stream', objectStreams: true });
  const base = simpleDocument(PDF_PAGES).build(1);
  const update = new PdfBuilder()
    .add(2, '<< /Type /Pages /Kids [10 0 R 12 0 R 14 0 R 16 0 R] /Count 4 /MediaBox [0 0 612 792] >>')
    .add(16, '<< /Type /Page /Parent 2 0 R /Contents 17 0 R >>')
    .add(17, streamBody('', '0.2 0.4 0.6 rg 10 10 50 50 re f'))
    .appendTo(base, 1);
  return [
    { name: 'pdf-objstm', bytes: compact, pages: 3 },
    { name: 'pdf-incremental', bytes: update, pages: 4 },
  ];
}

/** Where the language's header ends in `bytes`, after the PJL header detection skips. */
function headerEnd(bytes: Buffer, pdl: PdlName): number {
  const start = detectPdl(bytes.subarray(0, 64 * 1024)).dataOffset;
  const lineEnd = (from: number) => {
    const at = bytes.indexOf(0x0a, from);
    return at < 0 ? bytes.length : at + 1;
  };
  switch (pdl) {
    case 'pwg-raster':
      return start + 4 + 1796;
    case 'urf':
      return start + 12 + 32;
    case 'jpeg': {
      const scan = bytes.indexOf(Buffer.from([0xff, 0xda]), start);
      return scan < 0 ? bytes.length : scan + 2 + bytes.readUInt16BE(scan + 2);
    }
    case 'pdf':
      return lineEnd(lineEnd(start));
    case 'pcl5':
      return start + 2;
    default:
      return lineEnd(start);
  }
}

const RASTER = (space: number, bits: number) => [
  '-r10',
  `-dcupsColorSpace=${space}`,
  `-dcupsBitsPerColor=${bits}`,
];

/** What ghostscript renders: output name, source (`dsc`, or `small` for cljet5), device, options. */
const RENDERINGS: [string, 'dsc' | 'small', string, string[]][] = [
  ['ps2write.ps', 'dsc', 'ps2write', []],
  ['colour.pxl', 'dsc', 'pxlcolor', []],
  ['mono.pxl', 'dsc', 'pxlmono', []],
  ['ljet4.pcl', 'dsc', 'ljet4', ['-r75']],
  ['cljet5.pcl', 'small', 'cljet5', ['-r75']],
  ['pdfwrite.pdf', 'dsc', 'pdfwrite', []],
  ['rgb.pwg', 'dsc', 'pwgraster', RASTER(19, 8)],
  ['black.pwg', 'dsc', 'pwgraster', RASTER(3, 1)],
  ['rgb.urf', 'dsc', 'urf', RASTER(19, 8)],
  ['rgb.jpg', 'dsc', 'jpeg', ['-r10', '-dLastPage=1']],
  ['gray.jpg', 'dsc', 'jpeggray', ['-r10', '-dLastPage=1']],
];

/** Every rendering of RENDERINGS, by output name. */
async function renderAll(dir: string, dscSource: Buffer): Promise<(name: string) => Buffer> {
  const sources = { dsc: path.join(dir, 'source-dsc.ps'), small: path.join(dir, 'source-small.ps') };
  await writeFile(sources.dsc, dscSource);
  // cljet5 refuses A3, and prints NumCopies as repeated pages: its source is on A4 and Letter, without copies.
  await writeFile(sources.small, writePostScript(threePageSpec('plain', ['a4', 'letter', 'a4'], null)));
  const outputs = await Promise.all(
    RENDERINGS.map(([name, source, device, extra]) => gs(dir, name, sources[source], device, extra)),
  );
  const byName = new Map(RENDERINGS.map(([name], index) => [name, outputs[index]]));
  return (name) => byName.get(name) as Buffer;
}

/**
 * Build the corpus in `dir` (ghostscript renders the PostScript sources into the other languages). Throws when
 * a renderer fails.
 */
export async function buildFuzzCorpus(dir: string): Promise<CorpusFile[]> {
  const sources = new Map<Style, Buffer>();
  for (const style of ['dsc', 'plain', 'procs', 'loop', 'driver'] as Style[]) {
    sources.set(style, Buffer.from(writePostScript(threePageSpec(style, ['a4', 'letter', 'a3'])), 'latin1'));
  }
  const source = (style: Style) => sources.get(style) as Buffer;
  const rendered = await renderAll(dir, source('dsc'));
  const file = (name: string, bytes: Buffer, pdl: PdlName, pages = 3, weight = 2): CorpusFile => ({
    name,
    bytes,
    pdl,
    pages,
    weight,
    headerLength: Math.min(bytes.length, headerEnd(bytes, pdl)),
  });
  return [
    ...[...sources].map(([style, bytes]) => file(`ps-${style}`, bytes, 'postscript')),
    // Its 160 KB prolog makes one ps2write analysis 10–15 times dearer than any other file's.
    file('ps-ps2write', rendered('ps2write.ps'), 'postscript', 3, 1),
    // gs's PCL-XL starts with a PJL header (pxlmono's sets RENDERMODE=GRAYSCALE).
    file('pclxl-colour', rendered('colour.pxl'), 'pcl-xl'),
    file('pclxl-mono', rendered('mono.pxl'), 'pcl-xl'),
    file('pcl5-ljet4', rendered('ljet4.pcl'), 'pcl5'),
    file('pcl5-cljet5', rendered('cljet5.pcl'), 'pcl5'),
    file('pdf-pdfwrite', rendered('pdfwrite.pdf'), 'pdf'),
    ...builtPdfs().map(({ name, bytes, pages }) => file(name, bytes, 'pdf', pages)),
    file('pwg-rgb', rendered('rgb.pwg'), 'pwg-raster'),
    file('pwg-black', rendered('black.pwg'), 'pwg-raster'),
    file('urf-rgb', rendered('rgb.urf'), 'urf'),
    file('jpeg-rgb', rendered('rgb.jpg'), 'jpeg', 1, 1),
    file('jpeg-gray', rendered('gray.jpg'), 'jpeg', 1, 1),
    file('pjl-pcl5', pjlWrapped('PCL', rendered('ljet4.pcl')), 'pcl5'),
    file('pjl-pdf', pjlWrapped('PDF', rendered('pdfwrite.pdf')), 'pdf'),
    file('pjl-postscript', pjlWrapped('POSTSCRIPT', source('driver')), 'postscript'),
    file('pjl-urf', pjlWrapped('URF', rendered('rgb.urf')), 'urf', 3, 1),
    // Two UEL-separated parts: gs's PCL-XL, then a PJL-wrapped PostScript job.
    file(
      'uel-two-parts',
      Buffer.concat([rendered('colour.pxl'), pjlWrapped('POSTSCRIPT', source('procs'))]),
      'pcl-xl',
      6,
    ),
  ];
}

type Random = () => number;

const below = (next: Random, limit: number) => Math.floor(next() * limit);

/** Numbers that break a length or count field: unsigned and signed extremes, and just past them. */
const HUGE_BINARY = [0xffffffff, 0x7fffffff, 0x80000000, 0x00ffffff, 0x40000000];
const HUGE_TEXT = ['4294967295', '99999999999999999999', '-1', '2147483648', '1e308', '-2147483649'];

/** The first run of ASCII digits at or after `from` (wrapping round to the start), or null. */
function digitsFrom(text: string, from: number): { at: number; digits: string } | null {
  const pattern = /\d+/g;
  pattern.lastIndex = from;
  const match = pattern.exec(text) ?? /\d+/.exec(text);
  return match ? { at: match.index, digits: match[0] } : null;
}

function hugeNumber(data: Buffer, next: Random): { bytes: Buffer; detail: string } {
  const text = data.toString('latin1');
  const found = next() < 0.5 ? digitsFrom(text, below(next, text.length + 1)) : null;
  if (found) {
    const value = HUGE_TEXT[below(next, HUGE_TEXT.length)];
    const { at, digits } = found;
    const bytes = Buffer.concat([
      data.subarray(0, at),
      Buffer.from(value, 'latin1'),
      data.subarray(at + digits.length),
    ]);
    return { bytes, detail: `number "${digits}" at ${at} → ${value}` };
  }
  const bytes = Buffer.from(data);
  const at = below(next, Math.max(1, bytes.length - 3));
  const value = HUGE_BINARY[below(next, HUGE_BINARY.length)];
  const little = next() < 0.5;
  const field = Buffer.alloc(4);
  if (little) field.writeUInt32LE(value);
  else field.writeUInt32BE(value);
  field.copy(bytes, at);
  return { bytes, detail: `0x${value.toString(16)} ${little ? 'LE' : 'BE'} at ${at}` };
}

function randomBytes(next: Random, length: number): Buffer {
  const bytes = Buffer.alloc(length + 3);
  for (let i = 0; i < length; i += 4) bytes.writeUInt32LE(below(next, 0x100000000), i);
  return bytes.subarray(0, length);
}

/** Apply `kind` to `data`; `other` is a second corpus file for splicing. */
function applyMutation(
  kind: MutationKind,
  data: Buffer,
  headerLength: number,
  other: Buffer,
  next: Random,
): { bytes: Buffer; detail: string } {
  const at = below(next, data.length + 1);
  switch (kind) {
    case 'truncate':
      return { bytes: data.subarray(0, at), detail: `cut at ${at} of ${data.length}` };
    case 'bit-flips': {
      const bytes = Buffer.from(data);
      const flips = 1 + below(next, 16);
      for (let i = 0; i < flips && bytes.length > 0; i++)
        bytes[below(next, bytes.length)] ^= 1 << below(next, 8);
      return { bytes, detail: `${flips} bits` };
    }
    case 'zero-run': {
      const length = 1 + below(next, 4096);
      const bytes = Buffer.from(data);
      bytes.fill(0, at, Math.min(bytes.length, at + length));
      return { bytes, detail: `${length} bytes at ${at}` };
    }
    case 'duplicate-run': {
      const run = data.subarray(at, at + 1 + below(next, 2048));
      const times = 1 + below(next, 4);
      const bytes = Buffer.concat([
        data.subarray(0, at),
        ...Array<Buffer>(times + 1).fill(run),
        data.subarray(at),
      ]);
      return { bytes, detail: `${run.length} bytes at ${at} ×${times + 1}` };
    }
    case 'huge-number':
      return hugeNumber(data, next);
    case 'header-only': {
      const cut = Math.max(0, headerLength - below(next, 3));
      return { bytes: data.subarray(0, cut), detail: `first ${cut} bytes` };
    }
    case 'garbage-after-header': {
      const length = below(next, 8192);
      return {
        bytes: Buffer.concat([data.subarray(0, headerLength), randomBytes(next, length)]),
        detail: `${length} random bytes after ${headerLength}`,
      };
    }
    case 'insert-random': {
      const length = 1 + below(next, 256);
      return {
        bytes: Buffer.concat([data.subarray(0, at), randomBytes(next, length), data.subarray(at)]),
        detail: `${length} random bytes at ${at}`,
      };
    }
    default: {
      const from = below(next, other.length);
      const piece = other.subarray(from, from + 1 + below(next, 4096));
      return {
        bytes: Buffer.concat([data.subarray(0, at), piece, data.subarray(at)]),
        detail: `${piece.length} bytes of another file at ${at}`,
      };
    }
  }
}

function pickWeighted(corpus: readonly CorpusFile[], next: Random): CorpusFile {
  const total = corpus.reduce((sum, file) => sum + file.weight, 0);
  let point = next() * total;
  for (const file of corpus) {
    point -= file.weight;
    if (point < 0) return file;
  }
  return corpus[corpus.length - 1];
}

/** The `index`th mutation of the run seeded `seed`: which file, which damage, the bytes. Pure. */
export function mutationAt(corpus: readonly CorpusFile[], seed: number, index: number): Mutation {
  const next = seededRandom(Math.imul(index + 1, 0x9e3779b1) ^ seed);
  const source = pickWeighted(corpus, next);
  const kind = MUTATION_KINDS[below(next, MUTATION_KINDS.length)];
  const other = corpus[below(next, corpus.length)].bytes;
  const { bytes, detail } = applyMutation(kind, source.bytes, source.headerLength, other, next);
  return { index, source, kind, detail, bytes };
}
