/**
 * Which page description language a job is written in, by content, never by file name: a PJL header
 * (`ESC%-12345X` and `@PJL` lines) is skipped, then the first bytes decide. Unambiguous signatures win:
 * `%PDF-`, `%!` (PostScript, also after a Ctrl-D), the PCL XL stream header (`) HP-PCL XL`, and its `(` and
 * `'` bindings), JPEG (`FF D8 FF`), PWG raster (`RaS2`), URF (`UNIRAST`). Without one, the language of
 * `@PJL ENTER LANGUAGE` is used; without that, a PCL 5 escape sequence at the start (`ESC E`, `ESC &l`, ...)
 * means PCL 5. Anything else is `unknown`, never an error.
 *
 * A spool file may hold several jobs, each after its own UEL and PJL header (a PCL banner page, then the
 * PostScript document; or several PCL XL jobs one after the other). {@link detectPdl} looks at the first one.
 * {@link findUelSegments} searches the whole file (its bytes when the job analysis holds them, else streaming
 * it) and returns every part with its own language, so the job analysis can run one analyser per part and add
 * the counts.
 */
import { open } from 'node:fs/promises';
import type { AnalysisLimits, PdlName, PdlSource } from './pdl-types';
import { readPjlHeader } from './pjl';
import { sourceBytes } from './source-bytes';

/** What the start of a job says about its language. */
export interface PdlDetection {
  pdl: PdlName;
  /** The language of `@PJL ENTER LANGUAGE=X`, upper-cased, or null. */
  pjlLanguage: string | null;
  /** Offset in `head` where the language's own bytes start (after the PJL header, a Ctrl-D or blank lines). */
  dataOffset: number;
}

/** The bytes {@link detectPdl} needs: the PJL header reader takes at most this much. */
export const DETECTION_HEAD_BYTES = 64 * 1024;

const PJL_LANGUAGES: Record<string, PdlName> = {
  PCLXL: 'pcl-xl',
  'PCL-XL': 'pcl-xl',
  PCL6: 'pcl-xl',
  PCL: 'pcl5',
  PCL5: 'pcl5',
  PCL5C: 'pcl5',
  PCL5E: 'pcl5',
  POSTSCRIPT: 'postscript',
  PS: 'postscript',
  PDF: 'pdf',
  JPEG: 'jpeg',
  JPG: 'jpeg',
  URF: 'urf',
  PWG: 'pwg-raster',
  PWGRASTER: 'pwg-raster',
  'PWG-RASTER': 'pwg-raster',
};

const ESC = 0x1b;
const CTRL_D = 0x04;
const LEADING_JUNK_MAX = 64;
const PDF_SEARCH_BYTES = 1024;

function startsWith(head: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > head.length) return false;
  for (let i = 0; i < text.length; i += 1) if (head[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Skip blank lines, NULs and a Ctrl-D that drivers leave before the data, to find a signature. */
function skipLeadingJunk(head: Uint8Array, from: number): number {
  let at = from;
  while (at < head.length && at - from < LEADING_JUNK_MAX) {
    const code = head[at];
    if (code !== 0x20 && code !== 0x09 && code !== 0x0d && code !== 0x0a && code !== 0 && code !== CTRL_D)
      break;
    at += 1;
  }
  return at;
}

function signature(head: Uint8Array, at: number): PdlName | null {
  if (startsWith(head, at, '%PDF-')) return 'pdf';
  if (startsWith(head, at, '%!')) return 'postscript';
  if (startsWith(head, at + 1, ' HP-PCL XL') && [0x29, 0x28, 0x27].includes(head[at])) return 'pcl-xl';
  if (head[at] === 0xff && head[at + 1] === 0xd8 && head[at + 2] === 0xff) return 'jpeg';
  if (startsWith(head, at, 'RaS2')) return 'pwg-raster';
  if (startsWith(head, at, 'UNIRAST')) return 'urf';
  return null;
}

/** `ESC E`, or a parameterised PCL command (`ESC &l`, `ESC *r`, `ESC (s`, `ESC )0`, `ESC %1B`). */
function looksLikePcl5(head: Uint8Array, at: number): boolean {
  if (head[at] !== ESC || at + 2 > head.length) return false;
  const next = head[at + 1];
  if (next === 0x45 /* E */) return true;
  const third = head[at + 2] ?? 0;
  if (next === 0x26 || next === 0x2a) return third >= 0x61 && third <= 0x7a;
  if (next === 0x28 || next === 0x29)
    return (third >= 0x30 && third <= 0x39) || (third >= 0x61 && third <= 0x7a);
  if (next === 0x25) return third === 0x2d || (third >= 0x30 && third <= 0x39);
  return false;
}

/** Detect the language of a job from its first bytes (pass up to {@link DETECTION_HEAD_BYTES}). Never throws. */
export function detectPdl(head: Buffer): PdlDetection {
  const pjl = readPjlHeader(head);
  const pjlLanguage = pjl.language;
  const start = pjl.headerBytes;
  const at = skipLeadingJunk(head, start);
  const found = signature(head, at);
  if (found) return { pdl: found, pjlLanguage, dataOffset: at };
  const named = pjlLanguage ? PJL_LANGUAGES[pjlLanguage] : undefined;
  if (named) return { pdl: named, pjlLanguage, dataOffset: named === 'pcl5' ? start : at };
  if (looksLikePcl5(head, at)) return { pdl: 'pcl5', pjlLanguage, dataOffset: start };
  // PDF allows junk before its header (readers search the first kilobyte).
  const pdf = head.subarray(at, at + PDF_SEARCH_BYTES).indexOf('%PDF-');
  if (pdf >= 0) return { pdl: 'pdf', pjlLanguage, dataOffset: at + pdf };
  return { pdl: 'unknown', pjlLanguage, dataOffset: start };
}

/** One part of a spool file, between UELs, in one language. */
export interface UelSegment {
  /** Where the part's own bytes start in the file (after its UEL and PJL header). */
  offset: number;
  length: number;
  pdl: PdlName;
  pjlLanguage: string | null;
  /** The variables of the part's PJL header. */
  variables: Record<string, string>;
}

/** The parts of a spool file, with what went wrong while finding them. */
export interface UelSegments {
  segments: UelSegment[];
  warnings: string[];
  /** True when the time limit stopped the search: the last part may hold several jobs. */
  partial: boolean;
}

const UEL = Buffer.from('\x1b%-12345X', 'latin1');
const MAX_BOUNDARIES = 1000;
const MIN_CHUNK = 4096;
const MAX_CHUNK = 1 << 20;

/** Records the UEL at `offset`; false (with a warning) once there are too many to split on. */
function addBoundary(offsets: number[], offset: number, notes: UelSegments): boolean {
  if (offsets.length >= MAX_BOUNDARIES) {
    notes.warnings.push(`more than ${MAX_BOUNDARIES} UELs: the rest of the file is taken as one part`);
    return false;
  }
  offsets.push(offset);
  return true;
}

/** Offsets of every UEL in the source: one search of the bytes when they are in memory, else chunked reads. */
async function uelOffsets(source: PdlSource, limits: AnalysisLimits, notes: UelSegments): Promise<number[]> {
  const held = sourceBytes(source);
  if (!held) return uelOffsetsOnDisk(source, limits, notes);
  const offsets: number[] = [];
  for (let at = held.indexOf(UEL); at >= 0; at = held.indexOf(UEL, at + 1)) {
    if (!addBoundary(offsets, source.offset + at, notes)) break;
  }
  return offsets;
}

/** Offsets of every UEL in the source, read in chunks (a UEL split across two chunks is found too). */
async function uelOffsetsOnDisk(
  source: PdlSource,
  limits: AnalysisLimits,
  notes: UelSegments,
): Promise<number[]> {
  const offsets: number[] = [];
  const chunkSize = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.floor(limits.maxBufferBytes / 4)));
  const buffer = Buffer.allocUnsafe(chunkSize + UEL.length - 1);
  const end = source.offset + source.length;
  const handle = await open(source.path, 'r');
  try {
    let carry = 0;
    let position = source.offset;
    while (position < end) {
      const { bytesRead } = await handle.read(buffer, carry, Math.min(chunkSize, end - position), position);
      if (bytesRead === 0) break;
      const filled = carry + bytesRead;
      const view = buffer.subarray(0, filled);
      for (let at = view.indexOf(UEL); at >= 0; at = view.indexOf(UEL, at + 1)) {
        if (!addBoundary(offsets, position - carry + at, notes)) return offsets;
      }
      // Keep the bytes that could start a UEL completed by the next chunk.
      carry = Math.min(UEL.length - 1, filled);
      buffer.copy(buffer, 0, filled - carry, filled);
      position += bytesRead;
      if (Date.now() > limits.deadline) {
        notes.partial = true;
        notes.warnings.push('time limit reached while looking for UEL-separated jobs');
        return offsets;
      }
    }
  } finally {
    await handle.close();
  }
  return offsets;
}

/**
 * A UEL starts a new part only when a PJL line, another UEL, a language signature, a PCL escape or the end
 * follows: the same nine bytes inside binary data (a PDF stream, a raster row) followed by anything else are
 * data.
 */
function startsPart(head: Buffer, regionLength: number): boolean {
  const header = readPjlHeader(head);
  if (header.headerBytes >= regionLength) return true;
  if (/@PJL/i.test(head.subarray(0, header.headerBytes).toString('latin1'))) return true;
  const at = skipLeadingJunk(head, header.headerBytes);
  return signature(head, at) !== null || looksLikePcl5(head, at);
}

/** The first bytes of a region of the source, for detection: a slice when the file is in memory. */
async function readHead(source: PdlSource, offset: number, length: number): Promise<Buffer> {
  const size = Math.min(DETECTION_HEAD_BYTES, Math.max(0, length));
  if (source.bytes) return source.bytes.subarray(offset, offset + size);
  const handle = await open(source.path, 'r');
  try {
    const head = Buffer.alloc(size);
    const { bytesRead } = await handle.read(head, 0, head.length, offset);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function blank(bytes: Uint8Array): boolean {
  return bytes.every(
    (code) => code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a || code === 0,
  );
}

/**
 * Split the source into its UEL-separated parts and detect each part's language. Searches the bytes when the
 * file is in memory, else streams it once (bounded memory), then reads the first bytes of each part. Parts with
 * no data (a trailing `@PJL EOJ`) are left out. Only I/O errors throw.
 */
export async function findUelSegments(source: PdlSource, limits: AnalysisLimits): Promise<UelSegments> {
  const notes: UelSegments = { segments: [], warnings: [], partial: false };
  const end = source.offset + source.length;
  const offsets = await uelOffsets(source, limits, notes);
  const starts = [source.offset, ...offsets.filter((offset) => offset > source.offset)];
  const regions: { start: number; end: number; head: Buffer }[] = [];
  for (let k = 0; k < starts.length; k += 1) {
    const regionEnd = starts[k + 1] ?? end;
    const head = await readHead(source, starts[k], regionEnd - starts[k]);
    const previous = regions[regions.length - 1];
    if (previous && !startsPart(head, regionEnd - starts[k])) previous.end = regionEnd;
    else regions.push({ start: starts[k], end: regionEnd, head });
  }
  for (const region of regions) {
    const detection = detectPdl(region.head);
    const offset = region.start + detection.dataOffset;
    const length = region.end - offset;
    if (length <= 0) continue;
    if (
      length <= region.head.length - detection.dataOffset &&
      blank(region.head.subarray(detection.dataOffset))
    ) {
      continue;
    }
    const { variables } = readPjlHeader(region.head);
    notes.segments.push({
      offset,
      length,
      pdl: detection.pdl,
      pjlLanguage: detection.pjlLanguage,
      variables,
    });
  }
  return notes;
}
