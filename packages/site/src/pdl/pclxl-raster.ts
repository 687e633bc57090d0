/**
 * Decides whether a PCL XL image or raster pattern paints in colour, from its pixels: a driver may set eRGB and
 * send an image whose pixels are all neutral (gs does this for grey images drawn in an RGB space), and charging
 * that as colour would be wrong. The probe decodes the ReadImage / ReadRastPattern data as it streams past, one
 * row at a time, and stops looking at the first non-neutral pixel.
 *
 * Rows (ghostpcl `pximage.c`): `ceil(width × depth × components / 8)` bytes, where components is 3 for direct
 * pixels in an RGB space and 1 otherwise. Uncompressed and RLE rows are padded to `PadBytesMultiple` (default 4);
 * RLE is PostScript RunLengthDecode (length byte n < 128: n+1 literal bytes; n > 128: the next byte 257-n times;
 * 128 ends the data). Delta-row data (XL 2.1) is, per row, a uint16 little-endian byte count and commands against
 * the previous row (the seed, zero at the start of the image), unpadded. JPEG data is not decoded: its frame
 * header says how many components it has, and three components count as colour.
 *
 * A pixel is neutral when its three 8-bit channels are within NEUTRAL_TOLERANCE of each other (pclxl-values.ts);
 * an indexed pixel is neutral when its palette entry is. Rows wider than the row budget are not decoded and the
 * verdict is null (unknown); so are compressions the protocol does not define.
 */
import { COMPRESS_DELTA_ROW, COMPRESS_JPEG, COMPRESS_NONE, COMPRESS_RLE } from './pclxl-tags';
import { isColourful } from './pclxl-values';

/** How the pixels of one image are laid out. */
export interface RasterFormat {
  /** Components per pixel in the data: 3 for direct RGB, 1 for grey or palette indices. */
  components: 1 | 3;
  /** Bits per component (or per index): 1, 4 or 8. */
  depth: number;
  width: number;
  /** For indexed pixels: which palette entries are colourful. Null for direct pixels. */
  colourfulEntries: boolean[] | null;
}

// RunLengthDecode states, as numbers: the decoder runs once per 2-byte run on grey images.
const RLE_COUNT = 0;
const RLE_LITERAL = 1;
const RLE_REPEAT = 2;
const RLE_END = 3;
type DeltaMode = 'countLow' | 'countHigh' | 'command' | 'offset' | 'copy';

/** Streams one image's (or pattern's) data and says whether any pixel is colourful. */
export class RasterColourProbe {
  /** True once a colourful pixel was seen; false while none was; null when the data cannot be judged. */
  verdict: boolean | null = false;
  private readonly rowBytes: number;
  private readonly row: Uint8Array | null;
  private rowAt = 0;
  private paddedRow = 0;
  private compress = COMPRESS_NONE;
  private rle = RLE_COUNT;
  private left = 0;
  private delta: DeltaMode = 'countLow';
  private deltaCount = 0;
  private jpeg: JpegHeaderReader | null = null;

  /** A probe for images that cannot be colourful (grey, or a palette of greys): shared, since it never changes. */
  static readonly NEUTRAL = new RasterColourProbe(
    { components: 1, depth: 8, width: 1, colourfulEntries: null },
    0,
  );

  /** The probe for `format`; the shared neutral one when no pixel can be colourful (text glyphs, grey images). */
  static for(format: RasterFormat, rowBudget: number): RasterColourProbe {
    const possible = format.components === 3 || (format.colourfulEntries?.includes(true) ?? false);
    return possible ? new RasterColourProbe(format, rowBudget) : RasterColourProbe.NEUTRAL;
  }

  constructor(
    private readonly format: RasterFormat,
    rowBudget: number,
  ) {
    this.rowBytes = Math.ceil((format.width * format.depth * format.components) / 8);
    const possible = format.components === 3 || (format.colourfulEntries?.some(Boolean) ?? false);
    const valid =
      (format.depth === 1 || format.depth === 4 || format.depth === 8) &&
      format.width > 0 &&
      this.rowBytes <= rowBudget;
    this.row = possible && valid ? new Uint8Array(this.rowBytes) : null;
    if (possible && !valid) this.verdict = null;
  }

  /** True while the data can still change the verdict: callers skip feeding otherwise. */
  get wantsData(): boolean {
    return this.row !== null && this.verdict === false;
  }

  /** Starts one ReadImage / ReadRastPattern block: its compression and row padding. */
  beginBlock(compressMode: number, padBytes: number): void {
    if (!this.wantsData) return;
    this.compress = compressMode;
    const pad = padBytes >= 1 && padBytes <= 4 ? padBytes : 4;
    this.paddedRow =
      compressMode === COMPRESS_NONE || compressMode === COMPRESS_RLE ? roundUp(this.rowBytes, pad) : 0;
    this.rowAt = 0;
    this.rle = RLE_COUNT;
    this.delta = 'countLow';
    this.jpeg = compressMode === COMPRESS_JPEG ? new JpegHeaderReader() : null;
    if (compressMode < COMPRESS_NONE || compressMode > COMPRESS_DELTA_ROW) this.verdict = null;
  }

  /** Feeds block data, `bytes[start..end)`, as it streams past. */
  feed(bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (!this.wantsData) return;
    if (this.compress === COMPRESS_NONE) this.putBytes(bytes, start, end);
    else if (this.compress === COMPRESS_RLE) this.feedRle(bytes, start, end);
    else if (this.compress === COMPRESS_DELTA_ROW) this.feedDelta(bytes, start, end);
    else if (this.jpeg) this.feedJpeg(bytes.subarray(start, end));
  }

  private feedJpeg(bytes: Uint8Array): void {
    const jpeg = this.jpeg as JpegHeaderReader;
    jpeg.feed(bytes);
    if (jpeg.components === null) return;
    this.verdict = jpeg.components >= 3 ? this.format.components === 3 : false;
    // One JPEG header answers for the whole image.
    this.jpeg = null;
  }

  private feedRle(bytes: Uint8Array, start: number, end: number): void {
    let i = start;
    while (i < end && this.verdict === false) {
      if (this.rle === RLE_COUNT) {
        const n = bytes[i++];
        if (n > 128 && i < end && this.rowAt + 257 - n < this.rowBytes) {
          // Fast path: a whole repeat run inside the current row (grey pixels in RGB are runs of three).
          const value = bytes[i++];
          const row = this.row as Uint8Array;
          for (let at = this.rowAt, stop = at + 257 - n; at < stop; at += 1) row[at] = value;
          this.rowAt += 257 - n;
        } else if (n < 128) {
          this.rle = RLE_LITERAL;
          this.left = n + 1;
        } else if (n > 128) {
          this.rle = RLE_REPEAT;
          this.left = 257 - n;
        } else {
          this.rle = RLE_END;
        }
      } else if (this.rle === RLE_LITERAL) {
        const n = Math.min(this.left, end - i);
        this.putBytes(bytes, i, i + n);
        i += n;
        this.left -= n;
        if (this.left === 0) this.rle = RLE_COUNT;
      } else if (this.rle === RLE_REPEAT) {
        this.putRepeated(bytes[i++], this.left);
        this.rle = RLE_COUNT;
      } else {
        return;
      }
    }
  }

  /** Appends decoded bytes to the current row; row padding is dropped, each full row is judged. */
  private putBytes(bytes: Uint8Array, start: number, end: number): void {
    const row = this.row as Uint8Array;
    let i = start;
    while (i < end && this.verdict === false) {
      const n = Math.min(end - i, this.paddedRow - this.rowAt);
      const keep = Math.min(n, this.rowBytes - this.rowAt);
      if (keep > 64) row.set(bytes.subarray(i, i + keep), this.rowAt);
      else for (let k = 0; k < keep; k += 1) row[this.rowAt + k] = bytes[i + k];
      this.rowAt += n;
      i += n;
      if (this.rowAt === this.paddedRow) this.endRow();
    }
  }

  private putRepeated(byte: number, count: number): void {
    const row = this.row as Uint8Array;
    let left = count;
    while (left > 0 && this.verdict === false) {
      const n = Math.min(left, this.paddedRow - this.rowAt);
      const keep = Math.min(n, this.rowBytes - this.rowAt);
      for (let k = 0; k < keep; k += 1) row[this.rowAt + k] = byte;
      this.rowAt += n;
      left -= n;
      if (this.rowAt === this.paddedRow) this.endRow();
    }
  }

  /** Delta rows edit the previous row in place: `row` is the seed and the result. */
  private feedDelta(bytes: Uint8Array, start: number, end: number): void {
    const row = this.row as Uint8Array;
    let i = start;
    while (i < end && this.verdict === false) {
      const byte = bytes[i++];
      switch (this.delta) {
        case 'countLow':
          this.deltaCount = byte;
          this.delta = 'countHigh';
          break;
        case 'countHigh':
          this.deltaCount |= byte << 8;
          this.rowAt = 0;
          if (this.deltaCount === 0) this.endDeltaRow();
          else this.delta = 'command';
          break;
        case 'command':
          this.left = (byte >> 5) + 1;
          this.rowAt += byte & 0x1f;
          this.delta = (byte & 0x1f) === 0x1f ? 'offset' : 'copy';
          this.countDeltaByte();
          break;
        case 'offset':
          this.rowAt += byte;
          if (byte !== 0xff) this.delta = 'copy';
          this.countDeltaByte();
          break;
        default:
          if (this.rowAt < this.rowBytes) row[this.rowAt] = byte;
          this.rowAt += 1;
          this.left -= 1;
          if (this.left === 0 && this.delta === 'copy') this.delta = 'command';
          this.countDeltaByte();
      }
    }
  }

  /** Every byte after the row's byte count belongs to the row; when they run out, the row is complete. */
  private countDeltaByte(): void {
    this.deltaCount -= 1;
    if (this.deltaCount <= 0) this.endDeltaRow();
  }

  private endDeltaRow(): void {
    this.delta = 'countLow';
    this.judgeRow();
  }

  private endRow(): void {
    this.rowAt = 0;
    this.judgeRow();
  }

  private judgeRow(): void {
    if (rowHasColour(this.row as Uint8Array, this.format)) this.verdict = true;
  }
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

/** True when a decoded row holds a colourful pixel. */
export function rowHasColour(row: Uint8Array, format: RasterFormat): boolean {
  const { depth, width } = format;
  if (format.colourfulEntries) {
    const entries = format.colourfulEntries;
    for (let x = 0; x < width; x += 1) if (entries[sample(row, x, depth)]) return true;
    return false;
  }
  if (format.components !== 3) return false;
  if (depth === 8) {
    for (let i = 0; i + 2 < width * 3; i += 3) {
      // Cheap exact-grey test first: most pixels of a grey image pass it.
      if (
        (row[i] !== row[i + 1] || row[i + 1] !== row[i + 2]) &&
        isColourful(row[i], row[i + 1], row[i + 2])
      ) {
        return true;
      }
    }
    return false;
  }
  // Scale 1- and 4-bit samples to 8 bits so the neutral tolerance means the same at every depth.
  const scale = 255 / ((1 << depth) - 1);
  for (let x = 0; x < width; x += 1) {
    const [r, g, b] = [0, 1, 2].map((c) => sample(row, 3 * x + c, depth) * scale);
    if (isColourful(r, g, b)) return true;
  }
  return false;
}

/** The `index`-th sample of `depth` bits (1, 4 or 8), packed most significant bit first. */
function sample(row: Uint8Array, index: number, depth: number): number {
  const bit = index * depth;
  return (row[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

/**
 * Walks JPEG marker segments (ITU T.81 B.1) until the frame header (SOF0..SOF15 except DHT 0xC4, JPG 0xC8 and
 * DAC 0xCC), whose sixth byte is the number of components. Segments are skipped by their length, not buffered.
 */
export class JpegHeaderReader {
  /** Components of the frame, once the frame header was read; null before (or if there is none). */
  components: number | null = null;
  private state: 'marker' | 'code' | 'lengthHigh' | 'lengthLow' | 'segment' | 'done' = 'marker';
  private code = 0;
  private left = 0;
  private index = 0;

  /** Feeds the next bytes of the JPEG stream. */
  feed(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length && this.state !== 'done'; i += 1) this.step(bytes[i]);
  }

  private step(byte: number): void {
    switch (this.state) {
      case 'marker':
        if (byte === 0xff) this.state = 'code';
        break;
      case 'code':
        this.code = byte;
        // Fill bytes repeat 0xFF; SOI, RSTn and TEM stand alone; EOI or SOS before a frame header ends the search.
        if (byte === 0xff) break;
        if (byte === 0xd9 || byte === 0xda) this.state = 'done';
        else if (byte === 0xd8 || byte === 0x01 || (byte >= 0xd0 && byte <= 0xd7)) this.state = 'marker';
        else this.state = 'lengthHigh';
        break;
      case 'lengthHigh':
        this.left = byte << 8;
        this.state = 'lengthLow';
        break;
      case 'lengthLow':
        this.left = (this.left | byte) - 2;
        this.index = 0;
        this.state = this.left > 0 ? 'segment' : 'marker';
        break;
      default:
        // Frame header: precision (1), height (2), width (2), then the component count.
        if (isFrameMarker(this.code) && this.index === 5) {
          this.components = byte;
          this.state = 'done';
          return;
        }
        this.index += 1;
        this.left -= 1;
        if (this.left === 0) this.state = 'marker';
    }
  }
}

function isFrameMarker(code: number): boolean {
  return code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc;
}
