/**
 * The limits every part of the PDF reader works under, and the two ways a read stops early. A PDF is a graph an
 * attacker controls (reference loops, billion-entry xref tables, zip bombs in content streams), so every loop in
 * the reader is bounded by one of these figures and checks the job's deadline. Stopping is done by throwing
 * {@link PdfStop} (time or size budget spent) or {@link PdfFormatError} (the bytes are not what the structure
 * promised); the analyser catches both, keeps what it counted so far and reports `partial` with a warning.
 */
import type { AnalysisLimits } from '../pdl-types';

/** Raised when the bytes contradict the PDF structure (a missing object, an unreadable xref, bad syntax). */
export class PdfFormatError extends Error {
  override readonly name = 'PdfFormatError';
}

/** Raised when a budget is spent: the deadline passed or a hard size limit was reached. */
export class PdfStop extends Error {
  override readonly name = 'PdfStop';
}

/** Hard limits, independent of the job; chosen far above what real documents need. */
export const PDF_LIMITS = {
  /** Highest object number we track: the xref arrays grow up to this (13 bytes per object). */
  maxObjectNumber: 8_000_000,
  /** Nesting of arrays and dictionaries inside one object. */
  maxNesting: 100,
  /** Depth of the page tree. */
  maxTreeDepth: 256,
  /** Pages in one document. */
  maxPages: 1_000_000,
  /** `/Prev` sections followed in an incremental-update chain. */
  maxXrefSections: 4096,
  /** Form XObjects and tiling patterns painted inside each other. */
  maxFormDepth: 12,
  /** `q` nesting kept in a content stream; deeper saves are counted but not stored. */
  maxSaveDepth: 256,
  /** Largest single object (dictionary, array) we parse outside a stream. */
  maxObjectBytes: 16 * 1024 * 1024,
  /** Bytes of decoded image data examined per image when proving an RGB/CMYK image grey. */
  maxImageSampleBytes: 256 * 1024 * 1024,
} as const;

/** The per-document budget: the deadline and the memory figures derived from the job's limits. */
export class PdfBudget {
  /** Largest decoded stream (content, object stream, xref stream) held in memory at once. */
  readonly streamBytes: number;
  /** Bytes of file blocks the positional reader keeps cached. */
  readonly cacheBytes: number;
  /** Parsed objects kept for reuse (a page dictionary with its resources is a few KB in memory). */
  readonly objectCacheEntries: number;
  private checks = 0;

  constructor(readonly limits: AnalysisLimits) {
    const budget = Math.max(1024 * 1024, limits.maxBufferBytes);
    this.streamBytes = Math.max(256 * 1024, Math.floor(budget / 2));
    this.cacheBytes = Math.max(256 * 1024, Math.min(8 * 1024 * 1024, Math.floor(budget / 8)));
    this.objectCacheEntries = Math.max(256, Math.min(4096, Math.floor(budget / 8192)));
  }

  /** Throws {@link PdfStop} once the deadline has passed; cheap enough for inner loops (reads the clock 1/64). */
  tick(): void {
    this.checks += 1;
    if ((this.checks & 63) === 0) this.checkNow();
  }

  /** Throws {@link PdfStop} when the deadline has passed, reading the clock every time. */
  checkNow(): void {
    if (Date.now() > this.limits.deadline) throw new PdfStop('the time limit for analysing this job passed');
  }

  /** True when the deadline has passed (for loops that prefer to stop quietly rather than throw). */
  expired(): boolean {
    return Date.now() > this.limits.deadline;
  }
}

/** Collects warnings in order without repeats, and stops collecting after a fixed number (a broken file repeats). */
export class PdfWarnings {
  private readonly seen = new Set<string>();
  private readonly list: string[] = [];
  private dropped = 0;

  constructor(private readonly max = 40) {}

  /** Record `message` unless it was already recorded. */
  add(message: string): void {
    if (this.seen.has(message)) return;
    this.seen.add(message);
    if (this.list.length < this.max) this.list.push(message);
    else this.dropped += 1;
  }

  /** The warnings, with a last line counting those left out. */
  toArray(): string[] {
    return this.dropped > 0
      ? [...this.list, `${this.dropped} further PDF warnings not listed`]
      : [...this.list];
  }
}
