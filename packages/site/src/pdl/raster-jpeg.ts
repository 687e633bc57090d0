/**
 * JPEG (JFIF/EXIF) print jobs: always one page. Colour comes from the frame header's component count: one
 * component is greyscale, three (YCbCr/RGB) or four (CMYK/YCCK) are colour. A three-component photo of a grey
 * subject still counts as colour: telling would take decoding the chroma, which standard mode does not do
 * (enhanced mode cannot either, ghostscript does not read JPEG). A JPEG carries no paper size.
 *
 * The file is walked marker by marker with positional reads, or in memory when the job analysis holds it (APP
 * segments can hold large thumbnails and ICC profiles, which are skipped by their length), up to the first SOFn
 * frame header.
 */
import { open } from 'node:fs/promises';
import { type AnalysisLimits, type LanguageAnalysis, type PdlSource } from './pdl-types';
import { sourceBytes } from './source-bytes';

const MARKER = 0xff;
const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const TEM = 0x01;
// Segments walked before giving up: real files have a few dozen; this bounds a hostile chain of tiny segments.
const MAX_SEGMENTS = 10_000;

/** True for the SOFn markers (C0–CF except DHT C4, JPG C8, DAC CC), which hold the component count. */
function isFrameHeader(code: number): boolean {
  return code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc;
}

/** True for markers that stand alone, without a length: TEM, RSTn, SOI, EOI. */
function isStandalone(code: number): boolean {
  return code === TEM || (code >= 0xd0 && code <= 0xd9);
}

interface FrameSearch {
  components: number | null;
  problem: string | null;
}

/** Reads up to 10 bytes at a position of the source into one small buffer: from memory, or from the file. */
type ByteReader = (bytes: Buffer, pos: number, count: number) => Promise<number>;

async function findComponents(source: PdlSource, limits: AnalysisLimits): Promise<FrameSearch> {
  const held = sourceBytes(source);
  if (held) {
    return walkSegments(source, limits, async (bytes, pos, count) =>
      pos < held.length ? held.copy(bytes, 0, pos, Math.min(held.length, pos + count)) : 0,
    );
  }
  const file = await open(source.path, 'r');
  try {
    return await walkSegments(source, limits, async (bytes, pos, count) => {
      const { bytesRead } = await file.read(bytes, 0, count, source.offset + pos);
      return bytesRead;
    });
  } finally {
    await file.close();
  }
}

/** Walks the marker segments from SOI to the first frame header, which holds the component count. */
async function walkSegments(
  source: PdlSource,
  limits: AnalysisLimits,
  read: ByteReader,
): Promise<FrameSearch> {
  const bytes = Buffer.alloc(10);
  const readAt = async (pos: number, count: number): Promise<number> =>
    pos + count > source.length ? 0 : read(bytes, pos, count);
  if ((await readAt(0, 2)) < 2 || bytes[0] !== MARKER || bytes[1] !== SOI) {
    return { components: null, problem: 'not a JPEG file (no SOI marker)' };
  }
  let pos = 2;
  for (let segment = 0; segment < MAX_SEGMENTS; segment += 1) {
    if (Date.now() > limits.deadline) return { components: null, problem: 'time limit reached' };
    if ((await readAt(pos, 4)) < 2) break;
    if (bytes.readUInt8(0) !== MARKER) return { components: null, problem: `no marker at byte ${pos}` };
    const code = bytes.readUInt8(1);
    if (code === MARKER) {
      pos += 1; // fill byte before a marker
      continue;
    }
    if (isStandalone(code)) {
      if (code === EOI) break;
      pos += 2;
      continue;
    }
    if (code === SOS) break;
    if (isFrameHeader(code)) {
      if ((await readAt(pos, 10)) < 10) break;
      return { components: bytes[9], problem: null };
    }
    pos += 2 + bytes.readUInt16BE(2);
  }
  return { components: null, problem: 'no frame header (SOFn) before the image data or the end' };
}

/**
 * Analyses a JPEG job: one page, colour by component count, no paper. Never throws for bad data: a file without
 * a readable frame header is still one page, with colour unknown and a warning.
 */
export async function analyseJpeg(source: PdlSource, limits: AnalysisLimits): Promise<LanguageAnalysis> {
  const found = await findComponents(source, limits);
  const components = found.components;
  const color = components === null || components === 0 ? null : components !== 1;
  const warnings: string[] = [];
  if (found.problem) warnings.push(`${found.problem}; colour unknown`);
  else if (components !== 1 && components !== 3 && components !== 4) {
    warnings.push(
      `unusual JPEG with ${components} components; ${color === null ? 'colour unknown' : 'counted as colour'}`,
    );
  }
  return {
    pdl: 'jpeg',
    pages: [{ color, paper: null }],
    copies: null,
    duplex: null,
    warnings,
    partial: found.problem !== null,
  };
}
