/**
 * Finds and reads the encoded bytes of a stream object (§7.3.8). `/Length` is trusted only when `endstream`
 * follows where it says: producers get it wrong (and incremental editors forget to update it), so when the check
 * fails the data is taken to run up to the next `endstream`, found by a bounded forward search, as viewers do.
 * Streams too large for the memory budget (long content streams, big images) are decoded in chunks straight from
 * the file when their coding allows it (unfiltered, or Flate with or without a predictor).
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { PdfLexer, Tok } from './pdf-lexer';
import type { PdfFile } from './pdf-file';
import { decodeFilters, type DecodedData, type FilterStep } from './pdf-filters';
import { asArray, asCount, asDict, asName, type PdfDict, type PdfObject } from './pdf-objects';
import { predictorParams, Unpredictor } from './pdf-predictor';

const SEARCH_CHUNK = 64 * 1024;
const ENDSTREAM = Buffer.from('endstream', 'latin1');

/** Where a stream's encoded bytes are, and whether `/Length` had to be corrected. */
export interface StreamExtent {
  offset: number;
  length: number;
  repaired: boolean;
}

/** True when `endstream` (or, in broken files, `endobj`) follows `end`, after optional white space. */
async function endsAt(file: PdfFile, end: number): Promise<boolean> {
  const tail = await file.read(end, 32);
  const lx = new PdfLexer(tail);
  return lx.next() === Tok.Keyword && (lx.isKeyword('endstream') || lx.isKeyword('endobj'));
}

/** Position of the next `endstream` at or after `from`, searching at most `maxBytes`; -1 when none. */
async function findEndstream(file: PdfFile, from: number, maxBytes: number): Promise<number> {
  const stop = Math.min(file.length, from + maxBytes);
  for (let pos = from; pos < stop; pos += SEARCH_CHUNK - ENDSTREAM.length) {
    const chunk = await file.read(pos, SEARCH_CHUNK);
    const hit = chunk.indexOf(ENDSTREAM);
    if (hit >= 0) return pos + hit;
    if (chunk.length < SEARCH_CHUNK) break;
  }
  return -1;
}

/** Locates the encoded data of a stream starting at `offset` whose dictionary declares `declared` bytes. */
export async function locateStream(
  file: PdfFile,
  offset: number,
  declared: number | undefined,
  maxSearch: number,
): Promise<StreamExtent> {
  if (declared !== undefined && offset + declared <= file.length && (await endsAt(file, offset + declared))) {
    return { offset, length: declared, repaired: false };
  }
  const found = await findEndstream(file, offset, maxSearch);
  if (found < 0) {
    const length = Math.max(0, Math.min(declared ?? file.length, file.length - offset));
    return { offset, length, repaired: true };
  }
  // The EOL before `endstream` belongs to the keyword, not to the data (§7.3.8.1).
  const before = await file.read(Math.max(offset, found - 2), Math.min(2, found - offset));
  const last = before.length - 1;
  let end = found;
  if (before[last] === 0x0a) end -= last > 0 && before[last - 1] === 0x0d ? 2 : 1;
  else if (before[last] === 0x0d) end -= 1;
  return { offset, length: Math.max(0, end - offset), repaired: true };
}

/** The `/Filter` chain of a stream dictionary whose values are already resolved (or direct). */
export function filterSteps(filter: PdfObject | undefined, parms: PdfObject | undefined): FilterStep[] {
  const names = Array.isArray(filter) ? filter : filter === undefined || filter === null ? [] : [filter];
  const parmList = asArray(parms) ?? [parms ?? null];
  return names.map((name, index) => ({ name: asName(name) ?? '', parms: asDict(parmList[index]) ?? null }));
}

/** The direct `/Length` of a stream dictionary, if it is a direct non-negative integer. */
export function directLength(dict: PdfDict): number | undefined {
  return asCount(dict.get('Length'));
}

/** Reads at most `cap` encoded bytes of the extent and decodes them, keeping at most `cap` decoded bytes. */
export async function readAndDecode(
  file: PdfFile,
  extent: StreamExtent,
  steps: FilterStep[],
  cap: number,
): Promise<DecodedData> {
  const rawLength = Math.min(extent.length, cap);
  const raw = await file.read(extent.offset, rawLength);
  const decoded = await decodeFilters(raw, steps, cap);
  return { ...decoded, truncated: decoded.truncated || rawLength < extent.length };
}

/** The encoded bytes of an extent in chunks of `chunkSize`, read on demand (for streamed image sampling). */
export async function* rawChunks(
  file: PdfFile,
  extent: StreamExtent,
  chunkSize: number,
): AsyncGenerator<Buffer> {
  for (let done = 0; done < extent.length; done += chunkSize) {
    const chunk = await file.readDirect(extent.offset + done, Math.min(chunkSize, extent.length - done));
    if (chunk.length === 0) return;
    yield chunk;
  }
}

/** True when {@link decodedChunks} can decode this filter chain (no filter, or one FlateDecode). */
export function decodesInChunks(steps: FilterStep[]): boolean {
  return steps.length === 0 || (steps.length === 1 && steps[0].name === 'FlateDecode');
}

async function* inflateChunks(source: AsyncIterable<Buffer>, chunkSize: number): AsyncGenerator<Buffer> {
  const input = Readable.from(source);
  // Large output chunks: each chunk is a round trip to the zlib thread pool.
  const inflater = zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize });
  input.on('error', (err) => inflater.destroy(err));
  input.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } finally {
    input.destroy();
    inflater.destroy();
  }
}

/** Whether a chunked decode reached the end of the data undamaged. */
export interface ChunkStatus {
  damaged: boolean;
}

/**
 * The decoded bytes of a stream whose chain {@link decodesInChunks}, in chunks of about `chunkSize`, read and
 * inflated on demand. Corrupt data ends the chunks early and sets `status.damaged`.
 */
export async function* decodedChunks(
  file: PdfFile,
  extent: StreamExtent,
  steps: FilterStep[],
  chunkSize: number,
  status: ChunkStatus,
): AsyncGenerator<Buffer> {
  const raw = rawChunks(file, extent, chunkSize);
  const params = steps.length === 1 ? predictorParams(steps[0].parms) : null;
  const unpredictor = params ? new Unpredictor(params) : null;
  try {
    for await (const chunk of steps.length === 1 ? inflateChunks(raw, chunkSize) : raw) {
      yield unpredictor ? unpredictor.push(chunk) : chunk;
    }
  } catch (err) {
    if (!(err instanceof Error && 'code' in err && String(err.code).startsWith('Z_'))) throw err;
    status.damaged = true;
  }
}
