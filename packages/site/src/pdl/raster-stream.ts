/**
 * The streaming loop shared by the PWG raster and URF analysers: read the file header, then alternately a page
 * header and that page's compressed data (walked by {@link CompressedPageWalker}), until the data ends. Only one
 * header and one partial pixel are ever held, so memory stays flat however large the job is.
 */
import {
  type AnalysisLimits,
  type LanguageAnalysis,
  type PageFacts,
  type PdlName,
  type PdlSource,
} from './pdl-types';
import { CompressedPageWalker, type RasterGeometry } from './raster-lines';
import { sourceChunks } from './source-bytes';

/** What a page header says: how to walk the page, and what to report for it. */
export interface RasterPage {
  geometry: RasterGeometry;
  facts: PageFacts;
  /** Copies the header asks for (null when not set or 1). */
  copies: number | null;
}

/** A raster format, described by its headers. */
export interface RasterFormat {
  pdl: PdlName;
  fileHeaderBytes: number;
  pageHeaderBytes: number;
  /** Checks the file header; returns the problem in words, or null when it is good. */
  checkFileHeader(header: Buffer): string | null;
  /** Reads a page header; returns the problem in words when it cannot be walked. */
  parsePageHeader(header: Buffer, fileHeader: Buffer): RasterPage | string;
}

const MIN_CHUNK_BYTES = 4096;
const MAX_CHUNK_BYTES = 256 * 1024;

/** The chunk size for streaming `source`: a slice of the memory budget, within sane bounds. */
export function chunkBytes(limits: AnalysisLimits): number {
  return Math.max(MIN_CHUNK_BYTES, Math.min(MAX_CHUNK_BYTES, Math.floor(limits.maxBufferBytes / 4)));
}

class HeaderReader {
  private readonly bytes: Buffer;
  private fill = 0;
  constructor(size: number) {
    this.bytes = Buffer.alloc(size);
  }
  get complete(): boolean {
    return this.fill === this.bytes.length;
  }
  get started(): boolean {
    return this.fill > 0;
  }
  /** Copies what it still needs from `chunk` at `pos`; returns the new position. */
  take(chunk: Buffer, pos: number): number {
    const count = Math.min(this.bytes.length - this.fill, chunk.length - pos);
    chunk.copy(this.bytes, this.fill, pos, pos + count);
    this.fill += count;
    return pos + count;
  }
  get buffer(): Buffer {
    return this.bytes;
  }
}

interface WalkState {
  fileHeader: HeaderReader;
  pageHeader: HeaderReader | null;
  walker: CompressedPageWalker | null;
  current: RasterPage | null;
  result: LanguageAnalysis;
  stopped: boolean;
}

function finishPage(state: WalkState): void {
  if (!state.current || !state.walker) return;
  const facts = { ...state.current.facts };
  if (state.current.geometry.chroma !== null) facts.color = state.walker.sawColour;
  state.result.pages.push(facts);
  if (state.result.copies === null) state.result.copies = state.current.copies;
  state.current = null;
  state.walker = null;
}

function stop(state: WalkState, warning: string): void {
  state.result.warnings.push(warning);
  state.result.partial = true;
  state.stopped = true;
}

/** Advances the walk through `chunk`; sets `state.stopped` on a header that cannot be walked. */
function consumeChunk(format: RasterFormat, state: WalkState, chunk: Buffer): void {
  let pos = 0;
  while (pos < chunk.length && !state.stopped) {
    if (!state.fileHeader.complete) {
      pos = state.fileHeader.take(chunk, pos);
      if (!state.fileHeader.complete) return;
      const problem = format.checkFileHeader(state.fileHeader.buffer);
      if (problem) stop(state, problem);
      continue;
    }
    if (state.walker) {
      pos = state.walker.consume(chunk, pos);
      if (state.walker.done) finishPage(state);
      continue;
    }
    state.pageHeader ??= new HeaderReader(format.pageHeaderBytes);
    pos = state.pageHeader.take(chunk, pos);
    if (!state.pageHeader.complete) return;
    const page = format.parsePageHeader(state.pageHeader.buffer, state.fileHeader.buffer);
    state.pageHeader = null;
    if (typeof page === 'string') {
      stop(state, `page ${state.result.pages.length + 1}: ${page}`);
      return;
    }
    state.current = page;
    state.walker = new CompressedPageWalker(page.geometry);
    if (state.walker.done) finishPage(state);
  }
}

/** Settles what the end of the data means: a page cut short still counts, a torn header does not. */
function endOfData(state: WalkState, pdl: PdlName): void {
  if (state.stopped) return;
  if (!state.fileHeader.complete) {
    stop(state, `the ${pdl} file header is truncated`);
  } else if (state.walker) {
    finishPage(state);
    stop(state, `the data ends inside page ${state.result.pages.length}; counted it as printed`);
  } else if (state.pageHeader?.started) {
    stop(state, `the data ends inside the header of page ${state.result.pages.length + 1}; not counted`);
  }
}

/**
 * Walks every page of a raster job in `source`, streaming. Returns the pages found; past the deadline, on a
 * header that makes no sense or on truncated data, stops and marks the result partial with a warning. Throws only
 * for I/O errors (a missing spool file).
 */
export async function walkRasterPages(
  format: RasterFormat,
  source: PdlSource,
  limits: AnalysisLimits,
): Promise<LanguageAnalysis> {
  const result: LanguageAnalysis = {
    pdl: format.pdl,
    pages: [],
    copies: null,
    duplex: null,
    warnings: [],
    partial: false,
  };
  const state: WalkState = {
    fileHeader: new HeaderReader(format.fileHeaderBytes),
    pageHeader: null,
    walker: null,
    current: null,
    result,
    stopped: false,
  };
  if (source.length > 0) {
    // Breaking out of the loop closes the chunk source, and with it the file.
    for await (const chunk of sourceChunks(source, chunkBytes(limits))) {
      if (Date.now() > limits.deadline) {
        stop(state, `time limit reached after ${result.pages.length} pages; the count is a floor`);
      } else {
        consumeChunk(format, state, chunk);
      }
      if (state.stopped) break;
    }
  }
  endOfData(state, format.pdl);
  result.duplex = commonDuplex(result.pages);
  return result;
}

/** The duplex mode every page shares, or null when pages differ or none says. */
function commonDuplex(pages: PageFacts[]): LanguageAnalysis['duplex'] {
  const first = pages[0]?.duplex ?? null;
  return pages.every((page) => (page.duplex ?? null) === first) ? first : null;
}
