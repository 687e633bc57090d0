/**
 * Inline images in content streams (`BI <dict> ID <data> EI`, §8.9.7). Their data has no length field, so the
 * end is found the way viewers find it: the first `EI` preceded by white space and followed by a delimiter, whose
 * following bytes look like content-stream text rather than more binary data. When the image is unfiltered the
 * expected length is known and the search starts there, which avoids stopping at an `EI` inside the pixels.
 */
import { PdfFormatError } from './pdf-budget';
import { isPdfBoundary, isPdfWhitespace, type PdfLexer, Tok } from './pdf-lexer';
import { asCount, asName, PdfDict } from './pdf-objects';
import { ObjectParser } from './pdf-parser';

/** An inline image's dictionary (abbreviated keys kept as written) and its encoded data. */
export interface InlineImage {
  dict: PdfDict;
  data: Buffer;
}

const PLAUSIBLE_TAIL = 16;
const COMPONENTS: Record<string, number> = {
  G: 1,
  DeviceGray: 1,
  RGB: 3,
  DeviceRGB: 3,
  CMYK: 4,
  DeviceCMYK: 4,
  I: 1,
  Indexed: 1,
};

/** The value of `short` or `long` key (inline images may use either spelling). */
export function inlineValue(dict: PdfDict, short: string, long: string) {
  return dict.get(short) ?? dict.get(long);
}

/** True when the bytes after `pos` could be content-stream operators (text, no binary). */
function plausibleTail(buf: Buffer, pos: number): boolean {
  const end = Math.min(buf.length, pos + PLAUSIBLE_TAIL);
  for (let i = pos; i < end; i += 1) {
    const c = buf[i];
    if (c >= 0x7f || (c < 0x20 && !isPdfWhitespace(c))) return false;
  }
  return true;
}

function isEndAt(buf: Buffer, at: number, dataStart: number): boolean {
  return (
    buf[at] === 0x45 &&
    buf[at + 1] === 0x49 &&
    (at === dataStart || isPdfWhitespace(buf[at - 1])) &&
    isPdfBoundary(buf[at + 2]) &&
    plausibleTail(buf, at + 2)
  );
}

/** Bytes of unfiltered image data implied by the dictionary, or undefined when it cannot be computed. */
function expectedLength(dict: PdfDict): number | undefined {
  if (inlineValue(dict, 'F', 'Filter') !== undefined) return undefined;
  const width = asCount(inlineValue(dict, 'W', 'Width'));
  const height = asCount(inlineValue(dict, 'H', 'Height'));
  const mask = inlineValue(dict, 'IM', 'ImageMask') === true;
  const bpc = mask ? 1 : asCount(inlineValue(dict, 'BPC', 'BitsPerComponent'));
  const space = asName(inlineValue(dict, 'CS', 'ColorSpace'));
  const components = mask ? 1 : space === undefined ? undefined : COMPONENTS[space];
  if (!width || !height || !bpc || !components) return undefined;
  return height * Math.ceil((width * components * bpc) / 8);
}

/** Position of the `E` of the `EI` ending the data that starts at `dataStart` (the buffer end when none). */
function findEnd(buf: Buffer, dataStart: number, expected: number | undefined): number {
  if (expected !== undefined) {
    let at = dataStart + expected;
    while (at < buf.length && isPdfWhitespace(buf[at])) at += 1;
    if (isEndAt(buf, at, dataStart)) return at;
  }
  for (let at = buf.indexOf('EI', dataStart, 'latin1'); at >= 0; at = buf.indexOf('EI', at + 1, 'latin1')) {
    if (isEndAt(buf, at, dataStart)) return at;
  }
  return buf.length;
}

/** The dictionary between `BI` and `ID`; null when the buffer ends before `ID` (or inside a value). */
function readDictionary(lx: PdfLexer): PdfDict | null {
  const dict = new PdfDict();
  const parser = new ObjectParser(lx, true);
  try {
    for (;;) {
      const tok = lx.next();
      if (tok === Tok.EOF) return null;
      if (tok === Tok.Keyword && lx.isKeyword('ID')) return dict;
      if (tok === Tok.Name) dict.entries.set(lx.name(), parser.value());
    }
  } catch (err) {
    if (err instanceof PdfFormatError) return null;
    throw err;
  }
}

/**
 * Reads an inline image whose `BI` the lexer has just returned; leaves the lexer after `EI`. Returns null for a
 * dictionary without `ID` at the true end of the content, and 'incomplete' when the image runs past the end of a
 * buffer that is not the end of the content (the caller appends more and retries).
 */
export function readInlineImage(lx: PdfLexer, final: boolean): InlineImage | null | 'incomplete' {
  const dict = readDictionary(lx);
  // A value touching the buffer's end may continue in the next chunk (`/W 4` of `/W 40`).
  if (dict === null || (lx.atLimit && !final)) return final ? null : 'incomplete';
  // Exactly one white-space byte separates ID from the data (§8.9.7).
  const dataStart = Math.min(lx.buf.length, lx.pos + 1);
  const end = findEnd(lx.buf, dataStart, expectedLength(dict));
  // `EI` must be followed by content text; at a chunk's end we cannot see that yet.
  if (!final && end + PLAUSIBLE_TAIL >= lx.buf.length) return 'incomplete';
  let dataEnd = end;
  if (dataEnd > dataStart && isPdfWhitespace(lx.buf[dataEnd - 1])) dataEnd -= 1;
  lx.pos = Math.min(lx.buf.length, end + 2);
  return { dict, data: lx.buf.subarray(dataStart, dataEnd) };
}
