/**
 * The cross-reference table in memory: for each object number, where the object is (a file offset, or a slot in
 * an object stream). Large documents have millions of objects, so entries live in growable typed arrays (13 bytes
 * per object) rather than a Map of objects. The arrays grow only as far as the entries are dense: one object
 * numbered 7,999,999 in a 100-byte file goes to a small sparse map instead of making us allocate 100 MB. Object
 * numbers above a fixed ceiling are dropped (and counted, for a warning).
 */
import { PDF_LIMITS } from './pdf-budget';

/** Where an object is stored. */
export const enum XrefKind {
  Missing = 0,
  /** In the file at `offset`, generation `gen`. */
  Offset = 1,
  /** Inside object stream `streamNumber` at position `index`. */
  Compressed = 2,
}

interface SparseEntry {
  kind: XrefKind;
  second: number;
  third: number;
}

const INITIAL_CAPACITY = 1024;
// The dense arrays may be this many times larger than the number of entries they hold.
const MAX_SLACK = 4;

/** Object locations by object number. */
export class XrefTable {
  private kinds = new Uint8Array(INITIAL_CAPACITY);
  private second = new Float64Array(INITIAL_CAPACITY);
  private third = new Uint32Array(INITIAL_CAPACITY);
  private readonly sparse = new Map<number, SparseEntry>();
  private entries = 0;
  /** Object numbers above the ceiling that were dropped. */
  dropped = 0;

  /**
   * Records an entry unless the object already has one. Sections are read newest first (the startxref section,
   * then its `/Prev`), so the first entry seen for an object is the current one.
   */
  setIfAbsent(num: number, kind: XrefKind, second: number, third: number): void {
    if (this.kind(num) === XrefKind.Missing) this.set(num, kind, second, third);
  }

  /** Records an entry, replacing any earlier one (a file scan meets older definitions first). */
  set(num: number, kind: XrefKind, second: number, third: number): void {
    if (!Number.isInteger(num) || num < 0) return;
    if (num > PDF_LIMITS.maxObjectNumber) {
      this.dropped += 1;
      return;
    }
    if (this.kind(num) === XrefKind.Missing) this.entries += 1;
    if (num >= this.kinds.length && !this.grow(num)) {
      this.sparse.set(num, { kind, second, third: third >>> 0 });
      return;
    }
    this.kinds[num] = kind;
    this.second[num] = second;
    this.third[num] = third >>> 0;
  }

  /** How object `num` is stored. */
  kind(num: number): XrefKind {
    if (num >= 0 && num < this.kinds.length) return this.kinds[num] as XrefKind;
    return this.sparse.get(num)?.kind ?? XrefKind.Missing;
  }

  /** File offset (Offset) or object-stream number (Compressed). */
  location(num: number): number {
    return num < this.kinds.length ? this.second[num] : (this.sparse.get(num)?.second ?? 0);
  }

  /** Generation (Offset) or index inside the object stream (Compressed). */
  slot(num: number): number {
    return num < this.kinds.length ? this.third[num] : (this.sparse.get(num)?.third ?? 0);
  }

  /** Object numbers that have an entry, ascending. */
  *numbers(): Generator<number> {
    for (let num = 0; num < this.kinds.length; num += 1) if (this.kinds[num] !== XrefKind.Missing) yield num;
    yield* [...this.sparse.keys()].sort((a, b) => a - b);
  }

  /** Number of objects with an entry. */
  count(): number {
    return this.entries;
  }

  /** Grows the dense arrays to hold `num` if they stay dense enough; moves sparse entries that now fit. */
  private grow(num: number): boolean {
    let capacity = this.kinds.length;
    while (capacity <= num) capacity *= 2;
    capacity = Math.min(capacity, PDF_LIMITS.maxObjectNumber + 1);
    if (capacity > MAX_SLACK * Math.max(INITIAL_CAPACITY, this.entries)) return false;
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds);
    const second = new Float64Array(capacity);
    second.set(this.second);
    const third = new Uint32Array(capacity);
    third.set(this.third);
    [this.kinds, this.second, this.third] = [kinds, second, third];
    for (const [sparseNum, entry] of this.sparse) {
      if (sparseNum >= capacity) continue;
      this.sparse.delete(sparseNum);
      [kinds[sparseNum], second[sparseNum], third[sparseNum]] = [entry.kind, entry.second, entry.third];
    }
    return true;
  }
}
