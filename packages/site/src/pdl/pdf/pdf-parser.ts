/**
 * Parses PDF objects (§7.3) from bytes: values inside a buffer (object streams, inline-image dictionaries,
 * trailers) and indirect objects `N G obj ... endobj` at a file position. An indirect object has no length field,
 * so the parser reads a small window at the offset and, when the object runs past it, retries with a window twice
 * as large, up to {@link PDF_LIMITS.maxObjectBytes}. Broken syntax is tolerated the way viewers tolerate it
 * (missing `endobj`, a missing value before `>>`, stray keywords), so one bad object does not lose a page.
 */
import { PDF_LIMITS, PdfFormatError } from './pdf-budget';
import type { PdfFile } from './pdf-file';
import { PdfLexer, Tok } from './pdf-lexer';
import { PdfDict, type PdfObject, PdfRef, PdfStream, PdfString } from './pdf-objects';

// Strings matter only as Indexed lookup tables (at most 256 entries × 32 components).
const MAX_STRING_BYTES = 64 * 1024;
const FIRST_WINDOW = 2048;

/** Raised inside the parser when the window ended before the object did. */
class WindowTooSmall extends Error {}

/** What an indirect object at a file position holds. */
export interface IndirectObject {
  num: number;
  gen: number;
  value: PdfObject;
}

/** Parses values from a lexer; `final` says the lexer's limit is the true end of the data. */
export class ObjectParser {
  constructor(
    readonly lexer: PdfLexer,
    private readonly final: boolean,
  ) {}

  /** Parses the value starting with the next token. */
  value(): PdfObject {
    return this.valueFrom(this.lexer.next(), 0);
  }

  /** Parses the value whose first token has just been read as `tok`. */
  valueFrom(tok: Tok, depth: number): PdfObject {
    const lx = this.lexer;
    switch (tok) {
      case Tok.Number:
        return lx.isInteger && lx.num >= 0 ? this.integerOrRef(lx.num) : lx.num;
      case Tok.Name:
        return lx.name();
      case Tok.String:
      case Tok.HexString:
        this.checkCut();
        return new PdfString(lx.stringBytes(MAX_STRING_BYTES));
      case Tok.ArrayOpen:
        return this.array(depth + 1);
      case Tok.DictOpen:
        return this.dict(depth + 1);
      case Tok.Keyword:
        return this.keyword();
      case Tok.EOF:
        this.checkCut();
        throw new PdfFormatError('the data ended inside an object');
      default:
        // A stray `]`, `>>`, `{` or `}` where a value should be: read it as null, as viewers do.
        return null;
    }
  }

  private checkCut(): void {
    if (this.lexer.atLimit && !this.final) throw new WindowTooSmall();
  }

  private keyword(): PdfObject {
    const lx = this.lexer;
    this.checkCut();
    if (lx.isKeyword('true')) return true;
    if (lx.isKeyword('false')) return false;
    return null;
  }

  private integerOrRef(num: number): PdfObject {
    const lx = this.lexer;
    const save = lx.pos;
    if (lx.next() === Tok.Number && lx.isInteger && lx.num >= 0) {
      const gen = lx.num;
      if (lx.next() === Tok.Keyword && lx.isKeyword('R')) return new PdfRef(num, gen);
    }
    // The lookahead may have been cut by the window: `12 0` at its end could be `12 0 R` in the file.
    this.checkCut();
    lx.pos = save;
    return num;
  }

  private array(depth: number): PdfObject[] {
    if (depth > PDF_LIMITS.maxNesting) throw new PdfFormatError('arrays and dictionaries nest too deeply');
    const items: PdfObject[] = [];
    for (;;) {
      const tok = this.lexer.next();
      if (tok === Tok.ArrayClose) return items;
      if (tok === Tok.EOF) {
        this.checkCut();
        return items;
      }
      if (tok === Tok.Keyword && this.endsObject()) return items;
      items.push(this.valueFrom(tok, depth));
    }
  }

  private dict(depth: number): PdfDict {
    if (depth > PDF_LIMITS.maxNesting) throw new PdfFormatError('arrays and dictionaries nest too deeply');
    const dict = new PdfDict();
    const lx = this.lexer;
    for (;;) {
      const tok = lx.next();
      if (tok === Tok.DictClose) return dict;
      if (tok === Tok.EOF) {
        this.checkCut();
        return dict;
      }
      if (tok === Tok.Keyword && this.endsObject()) return dict;
      if (tok !== Tok.Name) continue;
      const key = lx.name();
      const valueTok = lx.next();
      if (valueTok === Tok.DictClose) {
        dict.entries.set(key, null);
        return dict;
      }
      if (valueTok === Tok.Keyword && this.endsObject()) return dict;
      dict.entries.set(key, this.valueFrom(valueTok, depth));
    }
  }

  /** At `endobj`/`stream`/`obj` inside an unclosed array or dict: rewind so the caller sees the keyword. */
  private endsObject(): boolean {
    const lx = this.lexer;
    this.checkCut();
    if (
      lx.isKeyword('endobj') ||
      lx.isKeyword('stream') ||
      lx.isKeyword('obj') ||
      lx.isKeyword('endstream')
    ) {
      lx.pos = lx.start;
      return true;
    }
    return false;
  }
}

/** Position of the first data byte after the `stream` keyword ending at `pos`: skip CR LF, LF, or a lone CR. */
function streamDataStart(buf: Buffer, pos: number): number {
  if (buf[pos] === 0x0d) return buf[pos + 1] === 0x0a ? pos + 2 : pos + 1;
  if (buf[pos] === 0x0a) return pos + 1;
  // Some writers put spaces before the EOL.
  let p = pos;
  while (buf[p] === 0x20) p += 1;
  if (buf[p] === 0x0d) return buf[p + 1] === 0x0a ? p + 2 : p + 1;
  return buf[p] === 0x0a ? p + 1 : pos;
}

function parseIndirectIn(buf: Buffer, base: number, final: boolean): IndirectObject {
  const lx = new PdfLexer(buf);
  const header: number[] = [];
  for (let i = 0; i < 2; i += 1) {
    if (lx.next() !== Tok.Number || !lx.isInteger || lx.num < 0) {
      if (lx.atLimit && !final) throw new WindowTooSmall();
      throw new PdfFormatError('no object header at this position');
    }
    header.push(lx.num);
  }
  if (lx.next() !== Tok.Keyword || !lx.isKeyword('obj')) {
    if (lx.atLimit && !final) throw new WindowTooSmall();
    throw new PdfFormatError('no object header at this position');
  }
  const parser = new ObjectParser(lx, final);
  const tok = lx.next();
  const value = tok === Tok.Keyword && lx.isKeyword('endobj') ? null : parser.valueFrom(tok, 0);
  const after = lx.next();
  if (after === Tok.Keyword && lx.isKeyword('stream') && value instanceof PdfDict) {
    if (lx.pos + 2 > buf.length && !final) throw new WindowTooSmall();
    return {
      num: header[0],
      gen: header[1],
      value: new PdfStream(value, base + streamDataStart(buf, lx.pos), header[0]),
    };
  }
  if (after === Tok.EOF && !final) throw new WindowTooSmall();
  return { num: header[0], gen: header[1], value };
}

/** Parses the indirect object whose header starts at `position` in the file (white space before it is skipped). */
export async function parseIndirectAt(file: PdfFile, position: number): Promise<IndirectObject> {
  if (position < 0 || position >= file.length)
    throw new PdfFormatError(`object offset ${position} is outside the file`);
  for (let window = FIRST_WINDOW; ; window *= 2) {
    const buf = await file.read(position, window);
    const final = position + buf.length >= file.length || window >= PDF_LIMITS.maxObjectBytes;
    try {
      return parseIndirectIn(buf, position, final);
    } catch (err) {
      if (!(err instanceof WindowTooSmall)) throw err;
    }
  }
}

/** Parses one value at `position` of `buf` (the rest of the buffer is the data's true end). */
export function parseValueAt(buf: Buffer, position: number): { value: PdfObject; end: number } {
  const lx = new PdfLexer(buf, position);
  const value = new ObjectParser(lx, true).value();
  return { value, end: lx.pos };
}

/** Parses a trailer dictionary `<< ... >>` at `position` in the file, growing the window as needed. */
export async function parseDictAt(file: PdfFile, position: number): Promise<PdfDict> {
  for (let window = FIRST_WINDOW; ; window *= 2) {
    const buf = await file.read(position, window);
    const final = position + buf.length >= file.length || window >= PDF_LIMITS.maxObjectBytes;
    const lx = new PdfLexer(buf);
    try {
      const tok = lx.next();
      if (tok !== Tok.DictOpen) {
        if (lx.atLimit && !final) continue;
        throw new PdfFormatError('no dictionary where the trailer should be');
      }
      const value = new ObjectParser(lx, final).valueFrom(tok, 0);
      if (value instanceof PdfDict) return value;
      throw new PdfFormatError('no dictionary where the trailer should be');
    } catch (err) {
      if (!(err instanceof WindowTooSmall)) throw err;
    }
  }
}
