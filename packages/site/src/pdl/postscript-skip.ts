/**
 * The data-skipping modes of the PostScript tokenizer: passing over bytes a program reads itself (`currentfile`
 * image data, PDF streams and inline images in ps2write output) without scanning them as tokens, which binary or
 * ASCII85 data would derail (a stray `(` would open a string swallowing the rest of the job). Each mode knows
 * where its data ends: a byte count, a count of hex digits, a marker such as `~>` or `endstream` (found with
 * Knuth–Morris–Pratt, so a marker split across chunks or preceded by a partial match is still found), the
 * `EI` of an inline image, or a stream position (the end of a `%%BeginData` section).
 *
 * A skip can hand the bytes it passed over to a {@link SkipCollector} (image data whose pixels tell whether an
 * RGB image is grey). Only skips with a collector copy anything, one copy per chunk: the plain skip pays one
 * property test per chunk, nothing per byte.
 */
import { hexDigit, isDelimiter, isWhitespace } from './postscript-chars';

const enum Mode {
  Off,
  Bytes,
  HexDigits,
  Marker,
  InlineImage,
  Position,
}

const LF = 0x0a;
/** Bytes kept past a collector's cap for the end marker that is cut off afterwards. */
const TRAILER_ROOM = 64;

/** Wants the bytes of one skip: at most `cap` of them, handed over when the skip ends. */
export interface SkipCollector {
  readonly cap: number;
  /** The data, without the marker or `EI` that ended it; null when it was longer than the cap or cut short. */
  done(data: Buffer | null): void;
}

function kmpTable(marker: Buffer): Int32Array {
  const table = new Int32Array(marker.length);
  for (let i = 1, k = 0; i < marker.length; i += 1) {
    while (k > 0 && marker[i] !== marker[k]) k = table[k - 1];
    if (marker[i] === marker[k]) k += 1;
    table[i] = k;
  }
  return table;
}

/** One pending skip; the tokenizer hands it bytes while {@link active}. */
export class DataSkip {
  private mode = Mode.Off;
  private left = 0;
  private marker: Buffer = Buffer.alloc(0);
  private table: Int32Array = new Int32Array(0);
  private matched = 0;
  private inlineState = 0;
  private swallowLf = false;
  private collector: SkipCollector | null = null;
  private collected: Buffer[] = [];
  private collectedBytes = 0;
  private overflow = false;
  /** What follows the data in the collected bytes and is not data: a marker's length, or 2 for `EI`. */
  private trailer = 0;
  private trailerIsEi = false;

  get active(): boolean {
    return this.mode !== Mode.Off;
  }

  /** True with no skip under way and nothing left over from one (a collector waiting, a line end to swallow). */
  get idle(): boolean {
    return this.mode === Mode.Off && this.collector === null && !this.swallowLf;
  }

  /** Skip `count` bytes (binary data of known length). */
  bytes(count: number): void {
    this.start(count > 0 ? Mode.Bytes : Mode.Off);
    this.left = count;
  }

  /** Skip `count` hexadecimal digits; whitespace between them does not count (`readhexstring` data). */
  hexDigits(count: number): void {
    this.start(count > 0 ? Mode.HexDigits : Mode.Off);
    this.left = count;
  }

  /** Skip everything up to and including `marker`. */
  until(marker: string): void {
    this.start(marker.length > 0 ? Mode.Marker : Mode.Off);
    this.marker = Buffer.from(marker, 'latin1');
    this.table = kmpTable(this.marker);
    this.matched = 0;
  }

  /** Skip to the absolute stream position `end` (the end of a `%%BeginData` section). */
  untilPosition(end: number): void {
    this.start(Mode.Position);
    this.left = end;
  }

  /** Skip a PDF inline image's data, up to (not including) the delimiter after its `EI`. */
  inlineImage(): void {
    this.start(Mode.InlineImage);
    this.inlineState = 1;
  }

  /**
   * Hands the bytes of the skip just started to `collector` when it ends. With no skip under way (a count of
   * zero), the data is empty and handed over at once.
   */
  collect(collector: SkipCollector): void {
    if (this.mode === Mode.Off) return collector.done(Buffer.alloc(0));
    this.collector = collector;
    this.collected = [];
    this.collectedBytes = 0;
    this.overflow = false;
    this.trailerIsEi = this.mode === Mode.InlineImage;
    this.trailer = this.mode === Mode.Marker ? this.marker.length : this.trailerIsEi ? 2 : 0;
  }

  /** The data ended, or another skip replaces this one: a collector still waiting gets nothing. */
  abandon(): void {
    const collector = this.collector;
    if (collector === null) return;
    this.collector = null;
    this.collected = [];
    collector.done(null);
  }

  /** The skip starts after a CR that ended a token: an LF right after it is part of that line end. */
  swallowLineFeed(): void {
    this.swallowLf = true;
  }

  private start(mode: Mode): void {
    this.abandon();
    this.mode = mode;
    this.swallowLf = false;
  }

  /**
   * Skips from `chunk[i]`, `chunk` starting at stream position `base`; returns where the tokenizer resumes (the
   * chunk's end while still skipping).
   */
  consume(chunk: Buffer, i: number, base: number): number {
    let at = i;
    if (this.swallowLf && at < chunk.length) {
      this.swallowLf = false;
      if (chunk[at] === LF) at += 1;
    }
    if (this.mode === Mode.Position) {
      // From here on it is a byte count: what is left between this byte and the end position.
      this.mode = Mode.Bytes;
      this.left = Math.max(0, this.left - (base + at));
      if (this.left === 0) this.mode = Mode.Off;
    }
    const end = this.skipFrom(chunk, at);
    if (this.collector !== null) this.keep(chunk, at, end);
    return end;
  }

  private skipFrom(chunk: Buffer, at: number): number {
    switch (this.mode) {
      case Mode.Bytes: {
        const take = Math.min(this.left, chunk.length - at);
        this.left -= take;
        if (this.left === 0) this.mode = Mode.Off;
        return at + take;
      }
      case Mode.HexDigits:
        return this.hex(chunk, at);
      case Mode.Marker:
        return this.untilMarker(chunk, at);
      case Mode.InlineImage:
        return this.untilEi(chunk, at);
      default:
        return at;
    }
  }

  /** Keeps a copy of `chunk[from, to)` (the tokenizer reuses its chunks); hands the data over once the skip ends. */
  private keep(chunk: Buffer, from: number, to: number): void {
    const collector = this.collector as SkipCollector;
    if (!this.overflow && to > from) {
      this.collectedBytes += to - from;
      this.overflow = this.collectedBytes > collector.cap + TRAILER_ROOM;
      if (this.overflow) this.collected = [];
      else this.collected.push(Buffer.from(chunk.subarray(from, to)));
    }
    if (this.mode !== Mode.Off) return;
    this.collector = null;
    collector.done(this.overflow ? null : this.withoutTrailer(collector.cap));
  }

  /** The collected data without its end marker (and, for `EI`, the white space in front of it). */
  private withoutTrailer(cap: number): Buffer | null {
    const all = this.collected.length === 1 ? this.collected[0] : Buffer.concat(this.collected);
    this.collected = [];
    let end = Math.max(0, all.length - this.trailer);
    if (this.trailerIsEi && end > 0 && isWhitespace(all[end - 1])) end -= 1;
    return end > cap ? null : all.subarray(0, end);
  }

  private hex(chunk: Buffer, i: number): number {
    let at = i;
    for (; at < chunk.length && this.left > 0; at += 1) {
      const code = chunk[at];
      if (hexDigit(code) >= 0) this.left -= 1;
      else if (!isWhitespace(code)) break; // not hex data after all: let the tokenizer read it
    }
    if (this.left === 0 || at < chunk.length) this.mode = Mode.Off;
    return at;
  }

  private untilMarker(chunk: Buffer, i: number): number {
    const marker = this.marker;
    let matched = this.matched;
    for (let at = i; at < chunk.length; at += 1) {
      const code = chunk[at];
      while (matched > 0 && code !== marker[matched]) matched = this.table[matched - 1];
      if (code === marker[matched]) matched += 1;
      if (matched === marker.length) {
        this.mode = Mode.Off;
        this.matched = 0;
        return at + 1;
      }
    }
    this.matched = matched;
    return chunk.length;
  }

  /** Whitespace, `E`, `I`, then whitespace or a delimiter: the end of inline image data (PDF 1.7 §8.9.7). */
  private untilEi(chunk: Buffer, i: number): number {
    for (let at = i; at < chunk.length; at += 1) {
      const code = chunk[at];
      const space = isWhitespace(code);
      if (this.inlineState === 3 && (space || isDelimiter(code))) {
        this.mode = Mode.Off;
        return at;
      }
      if (this.inlineState === 1 && code === 0x45) this.inlineState = 2;
      else if (this.inlineState === 2 && code === 0x49) this.inlineState = 3;
      else this.inlineState = space ? 1 : 0;
    }
    return chunk.length;
  }
}
