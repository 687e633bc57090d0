/**
 * The string tokens of the PostScript tokenizer — literal `( )` with nesting and escapes, hexadecimal `< >` and
 * ASCII85 `<~ ~>` — scanned across chunk boundaries. At most {@link MAX_KEPT_STRING_BYTES} bytes of content are
 * kept (colour palettes need them; page text does not, and can be dropped altogether with `keepContent`).
 *
 * After the scan may have been thrown off by data of unknown length, a string still open when a line starts with
 * `%%Page:`, `%%Trailer` or `%%EOF` is taken for a runaway one and dropped there: DSC pages are independent, so
 * scanning resumes cleanly at the next page.
 */
import { CHAR_CLASS, CharClass, decodeEscapes, hexDigit } from './postscript-chars';

export const enum StringKind {
  Literal,
  Hex,
  Ascii85,
}

const MAX_KEPT_STRING_BYTES = 1024;
const PAGE_COMMENT = /^(Page:|Trailer|EOF)/;

/** See the file comment. */
export class StringScanner {
  /** False to drop string content (saves an allocation per string of page text). */
  keepContent = true;
  /** True to end runaway strings at page comments (see the file comment). */
  resync = false;
  private kind = StringKind.Literal;
  private readonly kept = Buffer.alloc(MAX_KEPT_STRING_BYTES);
  private keptLength = 0;
  private overflow = false;
  private escapes = false;
  private depth = 0;
  private escape = false;
  private hexHigh = -1;
  private open = false;
  /** The page-comment line found last in `boundaryChunk`, searched from `boundaryFrom`. */
  private boundaryChunk: Buffer | null = null;
  private boundaryFrom = 0;
  private boundaryAt = 0;

  /** `onString` receives each finished string's content (null when too long or not kept). */
  constructor(private readonly onString: (content: string | null) => void) {}

  /** True while a string is being scanned. */
  get active(): boolean {
    return this.open;
  }

  /** Starts a string, just after its opening delimiter. */
  start(kind: StringKind): void {
    this.kind = kind;
    this.open = true;
    this.keptLength = 0;
    this.overflow = false;
    this.escapes = false;
    this.escape = false;
    this.depth = 1;
    this.hexHigh = -1;
  }

  /** Scans from `chunk[i]`; returns where the string ended (after its delimiter) or the chunk's end. */
  scan(chunk: Buffer, i: number): number {
    if (!this.resync) return this.scanTo(chunk, i);
    const boundary = this.pageCommentLine(chunk, i);
    if (boundary === i) {
      this.open = false; // a runaway string: dropped, the line end before the comment consumed
      return i + 1;
    }
    return this.scanTo(boundary < chunk.length ? chunk.subarray(0, boundary) : chunk, i);
  }

  private scanTo(chunk: Buffer, i: number): number {
    if (this.kind === StringKind.Literal) return this.literal(chunk, i);
    let at = i;
    while (at < chunk.length && this.open) {
      const code = chunk[at++];
      if (this.kind === StringKind.Hex) this.hexByte(code);
      else if (code === 0x7e) this.escape = true;
      else if (code === 0x3e && this.escape) this.finish(null);
      else if (CHAR_CLASS[code] !== CharClass.Whitespace) this.escape = false;
    }
    return at;
  }

  private literal(chunk: Buffer, i: number): number {
    const simpleEnd = this.simpleEnd(chunk, i);
    if (simpleEnd >= 0) {
      // Straight from the chunk: no copy into the kept buffer, one string allocation.
      const keep = this.keepContent && simpleEnd - i <= MAX_KEPT_STRING_BYTES;
      this.finish(keep ? chunk.toString('latin1', i, simpleEnd) : null);
      return simpleEnd + 1;
    }
    let depth = this.depth;
    let escape = this.escape;
    let at = i;
    for (; at < chunk.length; at += 1) {
      const code = chunk[at];
      if (escape) escape = false;
      else if (code === 0x5c) escape = this.escapes = true;
      else if (code === 0x28) depth += 1;
      else if (code === 0x29 && --depth === 0) break;
    }
    this.depth = depth;
    this.escape = escape;
    this.keepRange(chunk, i, at);
    if (at === chunk.length) return at;
    const raw = this.kept.subarray(0, this.keptLength);
    this.finish(this.keepContent ? (this.escapes ? decodeEscapes(raw) : raw).toString('latin1') : null);
    return at + 1;
  }

  /**
   * Most strings (text shown on the page) hold neither nested parentheses nor escapes, and end in the chunk they
   * start in: for those the closing parenthesis is found with a native search. Returns its index, or -1.
   */
  private simpleEnd(chunk: Buffer, i: number): number {
    if (this.depth !== 1 || this.escape || this.keptLength > 0) return -1;
    const close = chunk.indexOf(0x29, i);
    if (close < 0) return -1;
    for (let at = i; at < close; at += 1) {
      const code = chunk[at];
      if (code === 0x28 || code === 0x5c) return -1;
    }
    return close;
  }

  private keepRange(chunk: Buffer, start: number, end: number): void {
    const room = MAX_KEPT_STRING_BYTES - this.keptLength;
    if (end - start > room) this.overflow = true;
    const count = Math.min(room, end - start);
    chunk.copy(this.kept, this.keptLength, start, start + count);
    this.keptLength += count;
  }

  private keep(byte: number): void {
    if (this.keptLength < MAX_KEPT_STRING_BYTES) this.kept[this.keptLength++] = byte;
    else this.overflow = true;
  }

  private hexByte(code: number): void {
    if (code === 0x3e) {
      if (this.hexHigh >= 0) this.keep(this.hexHigh << 4);
      this.finish(this.keepContent ? this.kept.toString('latin1', 0, this.keptLength) : null);
      return;
    }
    const digit = hexDigit(code);
    if (digit < 0) return;
    if (this.hexHigh < 0) this.hexHigh = digit;
    else {
      this.keep((this.hexHigh << 4) | digit);
      this.hexHigh = -1;
    }
  }

  private finish(content: string | null): void {
    this.open = false;
    this.onString(this.overflow ? null : content);
  }

  /** The index of the line end before the next page-comment line in `chunk`, or the chunk's length. */
  private pageCommentLine(chunk: Buffer, i: number): number {
    if (chunk === this.boundaryChunk && i >= this.boundaryFrom && i <= this.boundaryAt)
      return this.boundaryAt;
    let at = chunk.indexOf('\n%%', i, 'latin1');
    while (at >= 0 && !PAGE_COMMENT.test(chunk.toString('latin1', at + 3, at + 10))) {
      at = chunk.indexOf('\n%%', at + 1, 'latin1');
    }
    this.boundaryChunk = chunk;
    this.boundaryFrom = i;
    this.boundaryAt = at < 0 ? chunk.length : at;
    return this.boundaryAt;
  }
}
