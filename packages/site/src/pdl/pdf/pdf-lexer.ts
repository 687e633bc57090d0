/**
 * The PDF tokeniser (ISO 32000-1 §7.2–7.3), shared by the object parser and the content-stream scanner. Content
 * streams are the hot path (millions of operands in a large job), so tokens are not allocated: `next()` returns a
 * token type and leaves the token's extent in `start`/`pos` and its numeric value in `num`; callers ask for a
 * name's or keyword's text only when they need it. Strings are skipped unless their bytes are asked for.
 *
 * The lexer reads a window `[pos, limit)` of a buffer. When a token runs into `limit` it sets `atLimit`, so the
 * object parser can tell "the object continues past my window" (read more and retry) from "the object is broken".
 */

/** Token types returned by {@link PdfLexer.next}. */
export const enum Tok {
  EOF,
  Number,
  Name,
  String,
  HexString,
  ArrayOpen,
  ArrayClose,
  DictOpen,
  DictClose,
  BraceOpen,
  BraceClose,
  Keyword,
}

const REGULAR = 0;
const WHITESPACE = 1;
const DELIMITER = 2;

const CHAR_CLASS = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) CHAR_CLASS[c] = WHITESPACE;
for (const c of '()<>[]{}/%') CHAR_CLASS[c.charCodeAt(0)] = DELIMITER;

/** True for PDF white-space bytes (NUL, TAB, LF, FF, CR, SPACE). */
export function isPdfWhitespace(byte: number): boolean {
  return CHAR_CLASS[byte] === WHITESPACE;
}

/** True for bytes that end a name, number or keyword (white space and delimiters). */
export function isPdfBoundary(byte: number | undefined): boolean {
  return byte === undefined || CHAR_CLASS[byte] !== REGULAR;
}

/** Packs a keyword of up to three ASCII bytes into a number, for switch-based operator dispatch. */
export function opCode(text: string): number {
  let code = 0;
  for (let i = 0; i < text.length && i < 3; i += 1) code |= text.charCodeAt(i) << (8 * i);
  return text.length > 3 ? -1 : code;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

/** A tokeniser over `buf[pos, limit)`. */
export class PdfLexer {
  /** Start of the last token. */
  start = 0;
  /** Numeric value of the last Number token. */
  num = 0;
  /** True when the last Number token had no fractional part. */
  isInteger = false;
  /** True when a token or white space ran up to `limit` (the token may continue beyond the window). */
  atLimit = false;

  constructor(
    readonly buf: Buffer,
    /** Position of the next byte to read. */
    public pos = 0,
    readonly limit = buf.length,
  ) {}

  /** Reads the next token; its extent is `[start, pos)`. */
  next(): Tok {
    const buf = this.buf;
    const limit = this.limit;
    let pos = this.pos;
    for (;;) {
      while (pos < limit && CHAR_CLASS[buf[pos]] === WHITESPACE) pos += 1;
      if (pos < limit && buf[pos] === 0x25 /* % */) {
        while (pos < limit && buf[pos] !== 0x0a && buf[pos] !== 0x0d) pos += 1;
        continue;
      }
      break;
    }
    this.start = pos;
    if (pos >= limit) {
      this.pos = pos;
      this.atLimit = true;
      return Tok.EOF;
    }
    const c = buf[pos];
    switch (c) {
      case 0x2f /* / */:
        this.pos = this.skipRegular(pos + 1);
        return Tok.Name;
      case 0x28 /* ( */:
        this.pos = this.skipLiteralString(pos + 1);
        return Tok.String;
      case 0x3c /* < */:
        if (buf[pos + 1] === 0x3c) {
          this.pos = pos + 2;
          return Tok.DictOpen;
        }
        this.pos = this.skipHexString(pos + 1);
        return Tok.HexString;
      case 0x3e /* > */:
        if (buf[pos + 1] === 0x3e) {
          this.pos = pos + 2;
          return Tok.DictClose;
        }
        this.pos = pos + 1;
        return Tok.Keyword;
      case 0x5b:
        this.pos = pos + 1;
        return Tok.ArrayOpen;
      case 0x5d:
        this.pos = pos + 1;
        return Tok.ArrayClose;
      case 0x7b:
        this.pos = pos + 1;
        return Tok.BraceOpen;
      case 0x7d:
        this.pos = pos + 1;
        return Tok.BraceClose;
      case 0x29 /* stray ) */:
        this.pos = pos + 1;
        return Tok.Keyword;
      default:
        if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) return this.readNumber(pos);
        this.pos = this.skipRegular(pos);
        return Tok.Keyword;
    }
  }

  /** The last Name token's text, without the slash, with `#xx` escapes decoded. */
  name(): string {
    return this.nameBetween(this.start, this.pos);
  }

  /** The text of a Name token that spanned `[start, end)` (slash included), `#xx` escapes decoded. */
  nameBetween(start: number, end: number): string {
    const raw = this.buf.toString('latin1', start + 1, end);
    if (raw.indexOf('#') < 0) return raw;
    return raw.replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }

  /** The last Keyword token's text. */
  keyword(): string {
    return this.buf.toString('latin1', this.start, this.pos);
  }

  /** The last Keyword token packed by {@link opCode}, or -1 when longer than three bytes. */
  keywordCode(): number {
    const length = this.pos - this.start;
    if (length > 3) return -1;
    const buf = this.buf;
    let code = 0;
    for (let i = 0; i < length; i += 1) code |= buf[this.start + i] << (8 * i);
    return code;
  }

  /** True when the last token is the keyword `word`. */
  isKeyword(word: string): boolean {
    if (this.pos - this.start !== word.length) return false;
    for (let i = 0; i < word.length; i += 1)
      if (this.buf[this.start + i] !== word.charCodeAt(i)) return false;
    return true;
  }

  /** The decoded bytes of the last String or HexString token, at most `max` of them. */
  stringBytes(max: number): Buffer {
    return this.buf[this.start] === 0x28 ? this.decodeLiteral(max) : this.decodeHex(max);
  }

  private skipRegular(from: number): number {
    const buf = this.buf;
    let pos = from;
    while (pos < this.limit && CHAR_CLASS[buf[pos]] === REGULAR) pos += 1;
    if (pos >= this.limit) this.atLimit = true;
    return pos;
  }

  private readNumber(from: number): Tok {
    const buf = this.buf;
    let pos = from;
    let negative = false;
    // Producers write `--5` and `+-5`; readers take the last sign, as Acrobat does.
    while (pos < this.limit && (buf[pos] === 0x2d || buf[pos] === 0x2b)) {
      negative = buf[pos] === 0x2d;
      pos += 1;
    }
    let value = 0;
    let digits = 0;
    while (pos < this.limit && buf[pos] >= 0x30 && buf[pos] <= 0x39) {
      value = value * 10 + (buf[pos] - 0x30);
      pos += 1;
      digits += 1;
    }
    let integer = true;
    if (pos < this.limit && buf[pos] === 0x2e) {
      integer = false;
      pos += 1;
      let scale = 0.1;
      while (pos < this.limit && buf[pos] >= 0x30 && buf[pos] <= 0x39) {
        value += (buf[pos] - 0x30) * scale;
        scale /= 10;
        pos += 1;
        digits += 1;
      }
    }
    if (pos >= this.limit) this.atLimit = true;
    if (digits === 0 && pos < this.limit && CHAR_CLASS[buf[pos]] === REGULAR) {
      // `-foo` or `.x`: not a number at all; let it be a keyword the caller ignores.
      this.pos = this.skipRegular(pos);
      return Tok.Keyword;
    }
    this.pos = pos;
    this.num = negative ? -value : value;
    this.isInteger = integer;
    return Tok.Number;
  }

  private skipLiteralString(from: number): number {
    const buf = this.buf;
    let depth = 1;
    let pos = from;
    while (pos < this.limit) {
      const c = buf[pos];
      if (c === 0x5c /* \ */) pos += 2;
      else {
        if (c === 0x28) depth += 1;
        else if (c === 0x29 && --depth === 0) return pos + 1;
        pos += 1;
      }
    }
    this.atLimit = true;
    return this.limit;
  }

  private skipHexString(from: number): number {
    const end = this.buf.indexOf(0x3e, from);
    if (end < 0 || end >= this.limit) {
      this.atLimit = true;
      return this.limit;
    }
    return end + 1;
  }

  private decodeHex(max: number): Buffer {
    const out: number[] = [];
    let high = -1;
    for (let pos = this.start + 1; pos < this.pos && out.length < max; pos += 1) {
      const value = hexValue(this.buf[pos]);
      if (value < 0) continue;
      if (high < 0) high = value;
      else {
        out.push((high << 4) | value);
        high = -1;
      }
    }
    // An odd number of digits means a final 0 (§7.3.4.3).
    if (high >= 0 && out.length < max) out.push(high << 4);
    return Buffer.from(out);
  }

  private decodeLiteral(max: number): Buffer {
    const buf = this.buf;
    const out: number[] = [];
    const end = buf[this.pos - 1] === 0x29 ? this.pos - 1 : this.pos;
    const escapes: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12 };
    let pos = this.start + 1;
    while (pos < end && out.length < max) {
      const c = buf[pos];
      if (c !== 0x5c) {
        out.push(c);
        pos += 1;
        continue;
      }
      const e = buf[pos + 1];
      pos += 2;
      if (e >= 0x30 && e <= 0x37) {
        let value = e - 0x30;
        for (let n = 0; n < 2 && pos < end && buf[pos] >= 0x30 && buf[pos] <= 0x37; n += 1) {
          value = value * 8 + (buf[pos] - 0x30);
          pos += 1;
        }
        out.push(value & 0xff);
      } else if (e === 0x0d) {
        if (buf[pos] === 0x0a) pos += 1;
      } else if (e !== 0x0a && e !== undefined) out.push(escapes[e] ?? e);
    }
    return Buffer.from(out);
  }
}
