/**
 * The values of PostScript words (PLRM 3rd ed. §3.2.2), read straight from the bytes of the job. Almost every
 * token of a PostScript job is a word — a number or a name — and a job repeats a few hundred names many
 * thousand times (ghostscript's ps2write prolog alone is some 20,000 words), so building a string per word and
 * running regular expressions over it was the analyser's main cost. Here, numbers are parsed from the bytes, and
 * names are interned: a word seen before comes back as the very same string, with nothing allocated.
 */

const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const HASH = 0x23;

/** Returned by {@link parseNumberBytes} for a word that is not a number. */
export const NOT_A_NUMBER = Symbol('not a number');

// Up to 15 digits an integer mantissa is exact in a double, and powers of ten up to 1e22 are exact too, so
// mantissa / 10^k is the correctly rounded value of the decimal — what Number() would give for the text.
const EXACT_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const RADIX = /^(\d{1,2})#([0-9a-zA-Z]+)$/;

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

/** The number a word's text denotes (decimal, real or radix), or null when the word is a name. */
export function parseNumber(word: string): number | null {
  const first = word.charCodeAt(0);
  if (!isDigit(first) && first !== PLUS && first !== MINUS && first !== DOT) return null;
  if (DECIMAL.test(word)) return Number(word);
  const radix = RADIX.exec(word);
  if (radix) {
    const base = Number(radix[1]);
    if (base >= 2 && base <= 36) {
      const value = parseInt(radix[2], base);
      if (!Number.isNaN(value)) return value;
    }
  }
  return null;
}

/** Where {@link readNumber} puts the value it read (the tokenizer's token object). */
export interface NumberTarget {
  value: number;
}

/**
 * The number the word `bytes[start, end)` denotes, or {@link NOT_A_NUMBER}: {@link readNumber} for callers that
 * want the value returned.
 */
export function parseNumberBytes(
  bytes: Uint8Array,
  start: number,
  end: number,
): number | typeof NOT_A_NUMBER {
  const target = { value: 0 };
  return readNumber(bytes, start, end, target) ? target.value : NOT_A_NUMBER;
}

/**
 * Reads the number the word `bytes[start, end)` denotes into `target.value`; false when the word is a name.
 * Plain integers and reals of up to 15 digits and radix numbers up to 2^53 (nearly all numbers in real jobs) are
 * computed from the bytes; the rest (exponents, long mantissas) go through {@link parseNumber}, with the same
 * result. The value is stored, not returned, so the tokenizer's hot path allocates no number box for a real.
 */
export function readNumber(bytes: Uint8Array, start: number, end: number, target: NumberTarget): boolean {
  let at = start;
  const first = bytes[at];
  const signed = first === PLUS || first === MINUS;
  if (signed) at += 1;
  else if (!isDigit(first) && first !== DOT) return false;
  let mantissa = 0;
  let digits = 0;
  for (; at < end; at += 1) {
    const digit = bytes[at] - ZERO;
    if (digit < 0 || digit > 9) break;
    mantissa = mantissa * 10 + digit;
    digits += 1;
  }
  if (at === end) {
    if (digits === 0 || digits > EXACT_DIGITS) return longNumber(bytes, start, end, target);
    target.value = first === MINUS ? -mantissa : mantissa;
    return true;
  }
  const next = bytes[at];
  if (next === HASH)
    return !signed && digits > 0 && digits <= 2 && radixNumber(bytes, at + 1, end, mantissa, target);
  let fraction = 0;
  if (next === DOT) {
    for (at += 1; at < end; at += 1) {
      const digit = bytes[at] - ZERO;
      if (digit < 0 || digit > 9) break;
      mantissa = mantissa * 10 + digit;
      digits += 1;
      fraction += 1;
    }
  }
  if (at === end && digits > 0 && digits <= EXACT_DIGITS) {
    const value = fraction === 0 ? mantissa : mantissa / POWERS_OF_TEN[fraction];
    target.value = first === MINUS ? -value : value;
    return true;
  }
  // What may still be a number: an exponent or a long mantissa.
  const rest = bytes[at];
  return (at === end || rest === LOWER_E || rest === UPPER_E) && longNumber(bytes, start, end, target);
}

/** The slow path of {@link readNumber}: the word's text through {@link parseNumber}. */
function longNumber(bytes: Uint8Array, start: number, end: number, target: NumberTarget): boolean {
  const value = parseNumber(latin1(bytes, start, end));
  if (value === null) return false;
  target.value = value;
  return true;
}

/** The value of a digit or letter as a digit of any base up to 36, or 36 and above for other bytes. */
function digitValue(code: number): number {
  if (code >= ZERO && code <= NINE) return code - ZERO;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x7a ? lower - 0x61 + 10 : 99;
}

/**
 * `base#digits` from the digits at `bytes[at, end)` (PLRM radix numbers), into `target.value`. As the text form
 * does (`parseInt`), the value is that of the longest prefix of digits valid in the base; every byte must be a
 * letter or a digit.
 */
function radixNumber(
  bytes: Uint8Array,
  at: number,
  end: number,
  base: number,
  target: NumberTarget,
): boolean {
  if (base < 2 || base > 36 || at === end) return false;
  let value = 0;
  let valid = 0;
  let prefix = true;
  for (let i = at; i < end; i += 1) {
    const digit = digitValue(bytes[i]);
    if (digit >= 36) return false;
    if (prefix && digit < base) {
      value = value * base + digit;
      valid += 1;
    } else prefix = false;
  }
  if (valid === 0) return false;
  // Past 2^53 the digits no longer add up exactly: parseInt rounds the way the text form always did.
  target.value = value > Number.MAX_SAFE_INTEGER ? parseInt(latin1(bytes, at, at + valid), base) : value;
  return true;
}

const MAX_INTERNED_CHARS = 64;
const MAX_INTERNED_NAMES = 16 * 1024;
const INITIAL_SLOTS = 1024;

/**
 * The name hash (FNV-1a over the bytes): start from `Seed`; for each byte, `Math.imul(hash ^ byte, Prime)`. A
 * const enum, so the tokenizer's loop, which hashes a word while it finds its end, works on literals.
 */
export const enum NameHash {
  Seed = -2128831035, // 0x811c9dc5 as a 32-bit signed integer
  Prime = 0x01000193,
}

/**
 * Interned names, shared by every tokenizer of this thread (jobs from the same driver share their names). The
 * table holds at most {@link MAX_INTERNED_NAMES} names of at most {@link MAX_INTERNED_CHARS} bytes, so a job
 * made of endless distinct names costs a bounded amount of memory: past the bound, names are simply built.
 * A probe reads one slot of a typed array (hash, length and where the name's bytes sit in a byte pool) and the
 * pool, never the strings themselves, so a lookup touches two or three cache lines.
 */
class NameTable {
  private names: string[] = new Array<string>(INITIAL_SLOTS).fill('');
  /** Per slot, two numbers: the hash, and the length (low 8 bits, 0 for an empty slot) plus pool offset. */
  private slots = new Int32Array(INITIAL_SLOTS * 2);
  private pool = new Uint8Array(INITIAL_SLOTS * 16);
  private poolUsed = 0;
  private count = 0;

  /** The name `bytes[start, end)`, whose {@link NameHash} is `hash`: the interned string when known. */
  intern(bytes: Uint8Array, start: number, end: number, hash: number): string {
    const length = end - start;
    if (length === 0 || length > MAX_INTERNED_CHARS) return latin1(bytes, start, end);
    const slots = this.slots;
    const mask = (slots.length >> 1) - 1;
    let slot = hash & mask;
    for (;;) {
      const entry = slots[2 * slot + 1];
      if (entry === 0) break;
      if (
        (entry & 0xff) === length &&
        slots[2 * slot] === hash &&
        this.sameBytes(entry >>> 8, bytes, start, length)
      ) {
        return this.names[slot];
      }
      slot = (slot + 1) & mask;
    }
    const name = latin1(bytes, start, end);
    if (this.count < MAX_INTERNED_NAMES) this.add(slot, name, bytes, start, hash);
    return name;
  }

  private sameBytes(offset: number, bytes: Uint8Array, start: number, length: number): boolean {
    const pool = this.pool;
    for (let i = 0; i < length; i += 1) if (pool[offset + i] !== bytes[start + i]) return false;
    return true;
  }

  private add(slot: number, name: string, bytes: Uint8Array, start: number, hash: number): void {
    if (this.poolUsed + name.length > this.pool.length) {
      const pool = new Uint8Array(this.pool.length * 2);
      pool.set(this.pool);
      this.pool = pool;
    }
    this.pool.set(bytes.subarray(start, start + name.length), this.poolUsed);
    this.names[slot] = name;
    this.slots[2 * slot] = hash;
    this.slots[2 * slot + 1] = (this.poolUsed << 8) | name.length;
    this.poolUsed += name.length;
    this.count += 1;
    // Kept at most half full, so probes stay short.
    if (this.count * 4 > this.slots.length) this.grow();
  }

  private grow(): void {
    const { names, slots } = this;
    const size = slots.length; // twice the slots there were
    this.names = new Array<string>(size).fill('');
    this.slots = new Int32Array(size * 2);
    for (let i = 0; i < names.length; i += 1) {
      if (slots[2 * i + 1] === 0) continue;
      let slot = slots[2 * i] & (size - 1);
      while (this.slots[2 * slot + 1] !== 0) slot = (slot + 1) & (size - 1);
      this.names[slot] = names[i];
      this.slots[2 * slot] = slots[2 * i];
      this.slots[2 * slot + 1] = slots[2 * i + 1];
    }
  }
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
}

const NAMES = new NameTable();

/**
 * The name `bytes[start, end)` (one character per byte), interned (see {@link NameTable}); `hash` is its
 * {@link NameHash}, computed here when the caller has not.
 */
export function nameOf(
  bytes: Uint8Array,
  start: number,
  end: number,
  hash = hashOf(bytes, start, end),
): string {
  return NAMES.intern(bytes, start, end, hash);
}

function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let hash: number = NameHash.Seed;
  for (let i = start; i < end; i += 1) hash = Math.imul(hash ^ bytes[i], NameHash.Prime);
  return hash;
}
