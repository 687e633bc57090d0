/**
 * Records the raw bytes of a PCL macro definition (`ESC &f0X` .. `ESC &f1X`) as the scanner passes over them,
 * chunk by chunk, without executing them; the body ends before the escape sequence that closes it. A body
 * larger than the limit is dropped (the interpreter then counts pages that run it as drawn, colour unknown).
 */

/** One macro definition in progress. */
export class MacroRecorder {
  private readonly parts: Buffer[] = [];
  private recorded = 0;
  private overflow = false;
  private from: number;
  private bodyLength = 0;

  /** Recording starts at position `start` of the chunk being scanned. */
  constructor(
    private readonly maxBytes: number,
    start: number,
  ) {
    this.from = start;
  }

  /** Keep the chunk's bytes up to `to` (not included). */
  keep(chunk: Uint8Array, to: number): void {
    if (to <= this.from) return;
    this.recorded += to - this.from;
    if (this.recorded > this.maxBytes) {
      this.overflow = true;
      this.parts.length = 0;
    } else {
      this.parts.push(Buffer.from(chunk.subarray(this.from, to)));
    }
    this.from = to;
  }

  /** A new chunk starts: recording continues from its first byte. */
  nextChunk(): void {
    this.from = 0;
  }

  /** An ESC at position `i` of the chunk: if it starts the closing command, the body ends before it. */
  escapeAt(i: number): void {
    this.bodyLength = this.recorded + i - this.from;
  }

  /** The body, once the closing command ended at position `end` of the chunk; null when it was too large. */
  finish(chunk: Uint8Array, end: number): Buffer | null {
    this.keep(chunk, end);
    return this.overflow ? null : Buffer.concat(this.parts).subarray(0, this.bodyLength);
  }
}
