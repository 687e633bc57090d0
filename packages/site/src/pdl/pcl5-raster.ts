/**
 * PCL raster rows decompressed, so colour can be read from the pixels themselves: a colour driver sends mono
 * pages through the same colour raster set-up as colour pages, and only the pixels tell them apart. Supported
 * compression methods (`ESC *b#M`): 0 unencoded, 1 run-length, 2 TIFF PackBits, 3 delta row, 5 adaptive and
 * 9 replacement delta row; one seed row is kept per plane, as delta rows need the previous row. Each decoded row
 * is handed over with the byte spans that changed, so unchanged bytes, already seen, are not examined again
 * (a delta row for a line of text changes a few bytes here and there across the whole width).
 * Other methods (CCITT, JPEG) are reported as unsupported: colour is then unknown, never guessed.
 */

/** A seed row: `bytes[0..length)` is the row; `bytes` may be longer (capacity). */
interface SeedRow {
  bytes: Uint8Array;
  length: number;
}

/**
 * A decoded row: one buffer per plane, and the byte spans that changed since the previous row, as flat
 * `[from, to, from, to, ...]` pairs in increasing order (for all planes together).
 */
export type RowListener = (planes: Uint8Array[], spans: readonly number[]) => void;

// Spans closer than this are merged (a pixel is at most 3 bytes); past this many, they become one.
const SPAN_GAP = 3;
const MAX_SPANS = 256;

/** The changed byte spans of the row being decoded. */
class Changes {
  spans: number[] = [];

  add(from: number, to: number): void {
    if (to <= from) return;
    const spans = this.spans;
    const last = spans.length - 1;
    if (last > 0 && from <= spans[last] + SPAN_GAP && to >= spans[last - 1]) {
      spans[last - 1] = Math.min(spans[last - 1], from);
      spans[last] = Math.max(spans[last], to);
    } else if (last > 0 && from < spans[last - 1]) {
      // Out of order (another plane): keep one span covering everything.
      const start = Math.min(from, spans[0]);
      const end = Math.max(to, spans[last]);
      this.spans = [start, end];
    } else {
      spans.push(from, to);
      if (spans.length > 2 * MAX_SPANS) this.spans = [spans[0], spans[spans.length - 1]];
    }
  }

  /** The end of the last span (0 when nothing changed). */
  get end(): number {
    return this.spans.length > 0 ? this.spans[this.spans.length - 1] : 0;
  }

  clear(): void {
    this.spans = [];
  }
}

/** Rows longer than this (per plane) are cut: 32767 pixels of 8-bit RGB fit. */
export const MAX_ROW_BYTES = 1 << 17;

function ensure(seed: SeedRow, length: number): number {
  const want = Math.min(length, MAX_ROW_BYTES);
  if (seed.bytes.length < want) {
    const grown = new Uint8Array(Math.min(MAX_ROW_BYTES, Math.max(want, seed.bytes.length * 2, 256)));
    grown.set(seed.bytes.subarray(0, seed.length));
    seed.bytes = grown;
  }
  return want;
}

/** Bytes `[length, oldLength)` of a replaced row become zero. Returns the end of the changed range. */
function settle(seed: SeedRow, length: number): number {
  const oldLength = seed.length;
  if (oldLength > length) seed.bytes.fill(0, length, oldLength);
  seed.length = length;
  return Math.max(oldLength, length);
}

/** Methods 0, 1 and 2 replace the whole row; bytes past the new data become zero. */
function replaceRow(seed: SeedRow, method: number, data: Uint8Array): number {
  if (method === 0) {
    const length = ensure(seed, data.length);
    seed.bytes.set(data.subarray(0, length), 0);
    return settle(seed, length);
  }
  let out = 0;
  let i = 0;
  while (i < data.length && out < MAX_ROW_BYTES) {
    let repeat = 0;
    let literal = 0;
    if (method === 1) {
      if (i + 1 >= data.length) break;
      repeat = data[i] + 1;
      i += 1;
    } else {
      const control = data[i] > 127 ? data[i] - 256 : data[i];
      i += 1;
      if (control >= 0) literal = Math.min(control + 1, data.length - i);
      else if (control !== -128 && i < data.length) repeat = 1 - control;
    }
    if (literal > 0) {
      const end = ensure(seed, out + literal);
      seed.bytes.set(data.subarray(i, i + end - out), out);
      i += literal;
      out = end;
    } else if (repeat > 0) {
      const end = ensure(seed, out + repeat);
      seed.bytes.fill(data[i], out, end);
      i += 1;
      out = end;
    }
  }
  return settle(seed, out);
}

/** Delta row (method 3): replacements at offsets from the end of the previous one. */
function deltaRow(seed: SeedRow, data: Uint8Array, changes: Changes): void {
  let i = 0;
  let position = 0;
  while (i < data.length) {
    const command = data[i++];
    const count = (command >> 5) + 1;
    let offset = command & 0x1f;
    if (offset === 31) {
      while (i < data.length) {
        const extra = data[i++];
        offset += extra;
        if (extra !== 255) break;
      }
    }
    position += offset;
    const end = Math.min(position + count, ensure(seed, position + count));
    if (position >= end) break;
    for (let k = position; k < end && i < data.length; k += 1) seed.bytes[k] = data[i++];
    changes.add(position, end);
    seed.length = Math.max(seed.length, end);
    position = end;
  }
}

function readExtended(data: Uint8Array, start: number, base: number, max: number): [number, number] {
  let value = base;
  let i = start;
  if (base === max) {
    while (i < data.length) {
      const extra = data[i++];
      value += extra;
      if (extra !== 255) break;
    }
  }
  return [value, i];
}

/** Replacement delta row (method 9): literal or run-length replacements at offsets. */
function replacementDeltaRow(seed: SeedRow, data: Uint8Array, changes: Changes): void {
  let i = 0;
  let position = 0;
  while (i < data.length) {
    const command = data[i++];
    const encoded = (command & 0x80) !== 0;
    let offset: number;
    let count: number;
    if (encoded) {
      [offset, i] = readExtended(data, i, (command >> 5) & 0x03, 3);
      [count, i] = readExtended(data, i, command & 0x1f, 31);
      count += 2;
    } else {
      [offset, i] = readExtended(data, i, (command >> 3) & 0x0f, 15);
      [count, i] = readExtended(data, i, command & 0x07, 7);
      count += 1;
    }
    position += offset;
    const end = Math.min(position + count, ensure(seed, position + count));
    if (position >= end) break;
    if (encoded) {
      if (i >= data.length) break;
      seed.bytes.fill(data[i++], position, end);
    } else {
      for (let k = position; k < end && i < data.length; k += 1) seed.bytes[k] = data[i++];
    }
    changes.add(position, end);
    seed.length = Math.max(seed.length, end);
    position = end;
  }
}

/** Decodes the raster rows of one raster graphic (`ESC *r#A` .. `ESC *rB`), plane by plane. */
export class RasterDecoder {
  /** The compression method in force (`ESC *b#M`). */
  compression = 0;
  /** True once data came in a method this decoder cannot read. */
  unsupported = false;
  private seeds: SeedRow[] = [];
  private plane = 0;
  private readonly changes = new Changes();

  /** Start a raster graphic of `planes` planes: seed rows start blank. */
  start(planes: number): void {
    this.seeds = Array.from({ length: Math.max(1, planes) }, () => ({ bytes: new Uint8Array(0), length: 0 }));
    this.plane = 0;
    this.unsupported = false;
    this.changes.clear();
  }

  /** Rows skipped by `ESC *b#Y`: the seed rows become blank. */
  clearSeeds(): void {
    for (const seed of this.seeds) {
      seed.bytes.fill(0);
      seed.length = 0;
    }
    this.plane = 0;
  }

  /** The data of one plane (`ESC *b#V`, `last` false) or of a row's last plane (`ESC *b#W`). */
  transfer(data: Uint8Array, last: boolean, onRow: RowListener): void {
    if (this.seeds.length === 0) this.start(1);
    if (this.compression === 5) {
      if (this.seeds.length === 1) this.adaptive(data, onRow);
      else this.unsupported = true;
      return;
    }
    this.decodePlane(this.compression, this.seeds[this.plane], data);
    if (!last) {
      this.plane = Math.min(this.plane + 1, this.seeds.length - 1);
      return;
    }
    // Planes the row did not send are blank.
    for (let p = this.plane + 1; p < this.seeds.length; p += 1) this.changes.add(0, settle(this.seeds[p], 0));
    this.emit(onRow);
  }

  private decodePlane(method: number, seed: SeedRow, data: Uint8Array): void {
    if (method <= 2) this.changes.add(0, replaceRow(seed, method, data));
    else if (method === 3) deltaRow(seed, data, this.changes);
    else if (method === 9) replacementDeltaRow(seed, data, this.changes);
    else this.unsupported = true;
  }

  private emit(onRow: RowListener): void {
    this.plane = 0;
    const end = this.changes.end;
    if (end > 0) {
      for (const seed of this.seeds) ensure(seed, end);
      onRow(
        this.seeds.map((seed) => seed.bytes),
        this.changes.spans,
      );
    }
    this.changes.clear();
  }

  /** Adaptive compression (method 5): one payload holds several rows, each with its own method. */
  private adaptive(data: Uint8Array, onRow: RowListener): void {
    const seed = this.seeds[0];
    let i = 0;
    while (i + 3 <= data.length) {
      const method = data[i];
      const count = (data[i + 1] << 8) | data[i + 2];
      i += 3;
      if (method <= 3) {
        this.decodePlane(method, seed, data.subarray(i, Math.min(data.length, i + count)));
        i += count;
        this.emit(onRow);
      } else if (method === 4) {
        // `count` blank rows.
        this.changes.add(0, settle(seed, 0));
        this.emit(onRow);
      } else if (method === 5) {
        // `count` copies of the previous row: nothing new to look at.
      } else {
        this.unsupported = true;
        return;
      }
    }
  }
}
