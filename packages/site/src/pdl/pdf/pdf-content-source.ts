/**
 * The decoded bytes of a page's (or form's) content, as chunks for the content scanner. `/Contents` may be one
 * stream or an array of streams that together form one content stream (§7.8.2), so they are joined with a line
 * break between them. A stream that fits the memory budget is decoded in one synchronous pass (the common case,
 * and the fast one); a larger one is inflated in chunks from the file, so a 200 MB drawing is scanned to the end
 * with bounded memory. What cannot be decoded (an unknown filter, damaged data) is reported in `status` and with
 * a warning; the scanner then knows the colour verdict rests on part of the content only.
 */
import type { PdfDocument } from './pdf-document';
import { asArray, type PdfObject, PdfStream } from './pdf-objects';
import type { FilterStep } from './pdf-filters';
import { decodedChunks, decodesInChunks, readAndDecode, type StreamExtent } from './pdf-stream';

const CHUNK = 256 * 1024;
const SEPARATOR = Buffer.from('\n');

/** Whether every byte of the content was decoded. */
export interface ContentStatus {
  complete: boolean;
}

interface StreamPlan {
  /** The decoded bytes when one pass decoded them (null when nothing usable could be decoded). */
  whole?: Buffer | null;
  /** Set when the stream must be decoded in chunks instead. */
  chunked?: { extent: StreamExtent; steps: FilterStep[] };
}

/** Decodes a stream in one pass when it fits the budget; otherwise says how to decode it in chunks. */
async function planStream(doc: PdfDocument, stream: PdfStream, status: ContentStatus): Promise<StreamPlan> {
  const steps = await doc.filterChain(stream.dict);
  const extent = await doc.streamExtent(stream);
  const cap = doc.budget.streamBytes;
  // Encoded data a quarter of the budget long usually decodes within it; beyond that, stream straight away.
  if (decodesInChunks(steps) && extent.length > cap / 4) return { chunked: { extent, steps } };
  const decoded = await readAndDecode(doc.file, extent, steps, cap);
  if (decoded.unsupported !== null) {
    const name = decoded.unsupported || 'an unnamed';
    doc.warnings.add(
      `A PDF content stream uses the ${name} filter, which we do not decode; its colour is unknown.`,
    );
    status.complete = false;
    return { whole: null };
  }
  // Too large for one pass (or a bomb): decode again, in chunks, from the start.
  if (decoded.truncated && decodesInChunks(steps)) return { chunked: { extent, steps } };
  if (decoded.truncated || decoded.damaged) {
    const why = decoded.damaged ? 'damaged' : 'larger than the memory budget';
    doc.warnings.add(`A PDF content stream is ${why}; only its start was examined.`);
    status.complete = false;
  }
  return { whole: decoded.data };
}

async function* streamChunks(
  doc: PdfDocument,
  stream: PdfStream,
  status: ContentStatus,
): AsyncGenerator<Buffer> {
  const plan = await planStream(doc, stream, status);
  if (plan.whole) yield plan.whole;
  if (!plan.chunked) return;
  const chunkStatus = { damaged: false };
  yield* decodedChunks(doc.file, plan.chunked.extent, plan.chunked.steps, CHUNK, chunkStatus);
  if (chunkStatus.damaged) {
    doc.warnings.add('A PDF content stream is damaged; only its start was examined.');
    status.complete = false;
  }
}

async function* chunksOf(
  doc: PdfDocument,
  streams: PdfStream[],
  status: ContentStatus,
): AsyncGenerator<Buffer> {
  for (const stream of streams) {
    yield* streamChunks(doc, stream, status);
    yield SEPARATOR;
  }
}

/**
 * The decoded content of a `/Contents` value (a stream or an array of streams): one buffer when it is a single
 * stream that fits the budget (no async iteration per page on the fast path), chunks otherwise. Sets
 * `status.complete` to false when part of it could not be decoded.
 */
export async function pageContent(
  doc: PdfDocument,
  value: PdfObject | undefined,
  status: ContentStatus,
): Promise<Buffer | AsyncIterable<Buffer>> {
  const resolved = await doc.resolve(value);
  const parts = resolved instanceof PdfStream ? [resolved] : (asArray(resolved) ?? []);
  const streams: PdfStream[] = [];
  for (const part of parts) {
    const stream = await doc.resolve(part);
    if (stream instanceof PdfStream) streams.push(stream);
  }
  if (streams.length === 1) {
    const plan = await planStream(doc, streams[0], status);
    if (!plan.chunked) return plan.whole ?? Buffer.alloc(0);
  }
  return chunksOf(doc, streams, status);
}
