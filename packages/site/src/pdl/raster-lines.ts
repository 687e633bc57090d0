/**
 * Walks the compressed page data of PWG raster (PWG 5102.4 §4.3) and Apple URF, which share one encoding, to
 * find where a page ends without decoding it into memory. Both formats store no page length: the only way to the
 * next page header is through every line of the current page.
 *
 * The encoding, per line group: one line-repeat byte (the line occurs `n + 1` times), then runs until the line's
 * `bytesPerLine` bytes are covered. A run byte `0..127` repeats the next pixel `n + 1` times, `129..255` copies
 * `257 - n` literal pixels, and `128` fills the rest of the line with white (CUPS `cupsRasterReadPixels`). A
 * "pixel" is `unitBytes` bytes (the pixel size, at least one byte). A run that overshoots the line is clamped as
 * CUPS clamps it, so a hostile stream cannot push the walker past a line.
 *
 * While walking, the pixels the stream carries can be inspected for colour (`chroma`): a page rendered in sRGB
 * or CMYK whose pixels are all neutral is a grey page, whatever the header's colour space says.
 */

/** Which bytes of a pixel carry chroma, and how to read them. */
export interface ChromaTest {
  /** `equal`: colour when the listed components differ (RGB); `ink`: colour when any listed component inks (CMY). */
  mode: 'equal' | 'ink';
  /** Offsets, within a pixel, of the most significant byte of each component to compare. */
  offsets: number[];
}

/** The shape of one page's data, from its header. */
export interface RasterGeometry {
  height: number;
  bytesPerLine: number;
  /** Bytes per compression unit: the pixel size in bytes, or 1 below 8 bits per pixel. */
  unitBytes: number;
  /** How to tell a colour pixel, or null when pixels are not inspected (grey spaces, sub-byte colour). */
  chroma: ChromaTest | null;
  /** False for uncompressed CUPS raster: the page is then `bytesPerLine × height` raw bytes. */
  compressed: boolean;
}

// Colour-managed renderers do not keep greys exactly neutral: ghostscript's ICC conversion turns K-only CMYK greys
// into RGB up to 5 steps apart ((147, 149, 152) for 50 % K). Below 8 steps (3 %) a pixel is grey; real colour,
// pastels included, differs by far more.
const CHROMA_TOLERANCE = 8;
const FILL_REST_OF_LINE = 128;

const enum Phase {
  LineRepeat,
  Run,
  RepeatPixel,
  Literal,
}

/** True when the pixel at `offset` of `bytes` shows colour under `test`. */
function pixelHasChroma(test: ChromaTest, bytes: Uint8Array, offset: number): boolean {
  const { offsets } = test;
  if (test.mode === 'ink') {
    for (const at of offsets) if (bytes[offset + at] > CHROMA_TOLERANCE) return true;
    return false;
  }
  const first = bytes[offset + offsets[0]];
  for (let i = 1; i < offsets.length; i += 1) {
    if (Math.abs(bytes[offset + offsets[i]] - first) > CHROMA_TOLERANCE) return true;
  }
  return false;
}

/**
 * Consumes one page's compressed data from successive chunks. Feed it with {@link consume} until {@link done};
 * it keeps only the bytes of one partial pixel between chunks.
 */
export class CompressedPageWalker {
  private phase = Phase.LineRepeat;
  private linesLeft: number;
  private groupLines = 0;
  private lineBytesLeft = 0;
  /** Bytes still to skip in the current repeat pixel or literal run. */
  private pending = 0;
  /** The pixel being assembled across a chunk boundary, for the chroma test. */
  private readonly partial: Uint8Array;
  private partialFill = 0;
  private colour = false;

  constructor(private readonly geometry: RasterGeometry) {
    this.linesLeft = geometry.height;
    this.partial = new Uint8Array(geometry.unitBytes);
    if (!geometry.compressed && geometry.height > 0) {
      // Raw pixels: one literal run covering every line.
      this.groupLines = geometry.height;
      this.pending = geometry.bytesPerLine * geometry.height;
      this.phase = Phase.Literal;
    }
  }

  /** True once every line of the page has been walked. */
  get done(): boolean {
    return this.linesLeft <= 0;
  }

  /** True when a pixel with chroma was seen (only meaningful when the geometry has a chroma test). */
  get sawColour(): boolean {
    return this.colour;
  }

  /** Walks `chunk` from `pos`; returns the position after the last byte that belongs to this page. */
  consume(chunk: Uint8Array, pos: number): number {
    let at = pos;
    while (at < chunk.length && this.linesLeft > 0) {
      switch (this.phase) {
        case Phase.LineRepeat:
          this.groupLines = chunk[at] + 1;
          this.lineBytesLeft = this.geometry.bytesPerLine;
          this.phase = Phase.Run;
          at += 1;
          break;
        case Phase.Run:
          this.startRun(chunk[at]);
          at += 1;
          break;
        case Phase.RepeatPixel:
        case Phase.Literal:
          at = this.skipPixels(chunk, at);
          break;
      }
    }
    return at;
  }

  private startRun(control: number): void {
    const unit = this.geometry.unitBytes;
    if (control === FILL_REST_OF_LINE) {
      this.lineBytesLeft = 0;
    } else if (control < FILL_REST_OF_LINE) {
      this.lineBytesLeft = Math.max(0, this.lineBytesLeft - (control + 1) * unit);
      this.pending = unit;
      this.partialFill = 0;
      this.phase = Phase.RepeatPixel;
      return;
    } else {
      const literal = Math.min((257 - control) * unit, this.lineBytesLeft);
      this.lineBytesLeft -= literal;
      this.pending = literal;
      this.partialFill = 0;
      this.phase = literal > 0 ? Phase.Literal : Phase.Run;
      if (literal > 0) return;
    }
    this.endRunIfLineDone();
  }

  private skipPixels(chunk: Uint8Array, at: number): number {
    const take = Math.min(this.pending, chunk.length - at);
    const { chroma } = this.geometry;
    if (chroma !== null && !this.colour) this.inspect(chroma, chunk, at, take);
    this.pending -= take;
    if (this.pending === 0) {
      this.phase = Phase.Run;
      this.endRunIfLineDone();
    }
    return at + take;
  }

  /** Tests the whole pixels in `chunk[at, at + length)`, carrying a split pixel over to the next chunk. */
  private inspect(chroma: ChromaTest, chunk: Uint8Array, at: number, length: number): void {
    const unit = this.geometry.unitBytes;
    let cursor = at;
    const end = at + length;
    if (this.partialFill > 0) {
      while (this.partialFill < unit && cursor < end) this.partial[this.partialFill++] = chunk[cursor++];
      if (this.partialFill < unit) return;
      this.partialFill = 0;
      if (pixelHasChroma(chroma, this.partial, 0)) {
        this.colour = true;
        return;
      }
    }
    for (; cursor + unit <= end; cursor += unit) {
      if (pixelHasChroma(chroma, chunk, cursor)) {
        this.colour = true;
        return;
      }
    }
    while (cursor < end) this.partial[this.partialFill++] = chunk[cursor++];
  }

  private endRunIfLineDone(): void {
    if (this.phase !== Phase.Run || this.lineBytesLeft > 0) return;
    this.linesLeft -= this.groupLines;
    this.phase = Phase.LineRepeat;
  }
}
