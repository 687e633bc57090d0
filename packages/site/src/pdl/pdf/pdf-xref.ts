/**
 * Reads the cross-reference data of a PDF from `startxref` (§7.5.4–7.5.8): classic `xref` tables, xref streams
 * (`/Type /XRef` with `/W`, `/Index` and predictors), hybrid files (`/XRefStm`), and incremental updates chained
 * by `/Prev`, newest first so the newest definition of each object wins. Reading stops at a loop in the `/Prev`
 * chain or at the section limit. If the newest section cannot be read this throws {@link PdfFormatError} and the
 * caller rebuilds the table by scanning the file; an unreadable older section only costs a warning.
 */
import { PDF_LIMITS, type PdfBudget, PdfFormatError, type PdfWarnings } from './pdf-budget';
import type { PdfFile } from './pdf-file';
import { PdfLexer, Tok } from './pdf-lexer';
import { asArray, asCount, PdfDict, PdfStream } from './pdf-objects';
import { parseDictAt, parseIndirectAt } from './pdf-parser';
import { directLength, filterSteps, locateStream, readAndDecode } from './pdf-stream';
import { XrefKind, XrefTable } from './pdf-xref-table';

const TABLE_WINDOW = 256 * 1024;
// Every token of one classic entry (`0000012345 00000 n`) fits in this much window, whatever the EOL style.
const ENTRY_MARGIN = 64;

/** The cross-reference table and the merged trailer of the current revision. */
export interface XrefData {
  table: XrefTable;
  trailer: PdfDict;
}

/** Position of the `%PDF-` header within the first KB, or -1. */
export async function findHeader(file: PdfFile): Promise<number> {
  const head = await file.read(0, 1024);
  return head.indexOf('%PDF-', 0, 'latin1');
}

/** The offset written after the last `startxref`, or undefined when the tail has none. */
export async function findStartxref(file: PdfFile): Promise<number | undefined> {
  // Trailing bytes after %%EOF (a PJL footer, padding) are usually short; look further only if needed.
  for (const size of [4096, 1024 * 1024]) {
    const from = Math.max(0, file.length - size);
    const tail = await file.read(from, size);
    const at = tail.lastIndexOf('startxref', tail.length, 'latin1');
    if (at < 0) {
      if (from === 0) return undefined;
      continue;
    }
    const lx = new PdfLexer(tail, at + 'startxref'.length);
    return lx.next() === Tok.Number && lx.isInteger && lx.num >= 0 ? lx.num : undefined;
  }
  return undefined;
}

/** Reads big-endian unsigned `width`-byte fields (widths up to 8 exceed 2^32, so no bit operators). */
function readField(data: Buffer, pos: number, width: number): number {
  let value = 0;
  for (let i = 0; i < width; i += 1) value = value * 256 + data[pos + i];
  return value;
}

async function readXrefStream(
  file: PdfFile,
  position: number,
  table: XrefTable,
  budget: PdfBudget,
): Promise<PdfDict> {
  const { value } = await parseIndirectAt(file, position);
  if (!(value instanceof PdfStream)) throw new PdfFormatError('startxref does not point at an xref stream');
  const dict = value.dict;
  const widths = (asArray(dict.get('W')) ?? []).map((w) => asCount(w) ?? -1);
  if (widths.length < 3 || widths.some((w) => w < 0 || w > 8))
    throw new PdfFormatError('bad /W in xref stream');
  const size = asCount(dict.get('Size')) ?? 0;
  const index = (asArray(dict.get('Index')) ?? [0, size]).map((n) => asCount(n) ?? 0);
  const extent = await locateStream(file, value.dataOffset, directLength(dict), budget.streamBytes);
  const steps = filterSteps(dict.get('Filter'), dict.get('DecodeParms'));
  const decoded = await readAndDecode(file, extent, steps, budget.streamBytes);
  if (decoded.unsupported !== null)
    throw new PdfFormatError(`xref stream uses ${decoded.unsupported || 'an unknown filter'}`);
  const data = decoded.data;
  const [w0, w1, w2] = widths;
  const rowBytes = w0 + w1 + w2;
  if (rowBytes === 0) throw new PdfFormatError('bad /W in xref stream');
  let pos = 0;
  for (let pair = 0; pair + 1 < index.length; pair += 2) {
    const first = index[pair];
    for (let i = 0; i < index[pair + 1] && pos + rowBytes <= data.length; i += 1, pos += rowBytes) {
      budget.tick();
      const type = w0 === 0 ? 1 : readField(data, pos, w0);
      const second = readField(data, pos + w0, w1);
      const third = readField(data, pos + w0 + w1, w2);
      if (type === 1) table.setIfAbsent(first + i, XrefKind.Offset, second, third);
      else if (type === 2) table.setIfAbsent(first + i, XrefKind.Compressed, second, third);
    }
  }
  return dict;
}

/** Reads a classic table starting after its `xref` keyword; returns the position of `trailer`'s dictionary. */
async function readClassicTable(
  file: PdfFile,
  from: number,
  table: XrefTable,
  budget: PdfBudget,
): Promise<number> {
  let base = from;
  let buf = await file.read(base, TABLE_WINDOW);
  let lx = new PdfLexer(buf);
  const needNumber = (): number => {
    if (lx.next() !== Tok.Number || !lx.isInteger || lx.num < 0)
      throw new PdfFormatError('malformed xref table');
    return lx.num;
  };
  let firstSubsection = true;
  for (;;) {
    if (buf.length - lx.pos < ENTRY_MARGIN && base + buf.length < file.length) {
      base += lx.pos;
      buf = await file.read(base, TABLE_WINDOW);
      lx = new PdfLexer(buf);
    }
    const tok = lx.next();
    if (tok === Tok.Keyword && lx.isKeyword('trailer')) return base + lx.pos;
    if (tok !== Tok.Number || !lx.isInteger) throw new PdfFormatError('malformed xref table');
    let start = lx.num;
    const count = needNumber();
    for (let i = 0; i < count; i += 1) {
      budget.tick();
      if (buf.length - lx.pos < ENTRY_MARGIN && base + buf.length < file.length) {
        base += lx.pos;
        buf = await file.read(base, TABLE_WINDOW);
        lx = new PdfLexer(buf);
      }
      const offset = needNumber();
      const gen = needNumber();
      if (lx.next() !== Tok.Keyword) throw new PdfFormatError('malformed xref table entry');
      const inUse = lx.isKeyword('n');
      // A common writer bug numbers the first subsection from 1 while listing object 0's free entry first.
      if (firstSubsection && i === 0 && start === 1 && !inUse && gen === 65535) start = 0;
      if (inUse && offset > 0) table.setIfAbsent(start + i, XrefKind.Offset, offset, gen);
    }
    firstSubsection = false;
  }
}

async function readSectionAt(
  file: PdfFile,
  position: number,
  table: XrefTable,
  budget: PdfBudget,
): Promise<PdfDict> {
  const head = await file.read(position, 64);
  const lx = new PdfLexer(head);
  const tok = lx.next();
  if (tok === Tok.Keyword && lx.isKeyword('xref')) {
    const trailerAt = await readClassicTable(file, position + lx.pos, table, budget);
    return parseDictAt(file, trailerAt);
  }
  if (tok === Tok.Number) return readXrefStream(file, position, table, budget);
  throw new PdfFormatError('startxref does not point at cross-reference data');
}

/** Tries the offset as written, then shifted by the junk before `%PDF-` (writers disagree on which is meant). */
async function readSection(
  file: PdfFile,
  offset: number,
  shift: number,
  table: XrefTable,
  budget: PdfBudget,
): Promise<PdfDict> {
  try {
    return await readSectionAt(file, offset + shift, table, budget);
  } catch (err) {
    if (shift === 0 || !(err instanceof PdfFormatError)) throw err;
    return readSectionAt(file, offset, table, budget);
  }
}

/** Follows the `/Prev` chain from `startxref`, newest section first; throws if the newest one is unreadable. */
export async function readXref(
  file: PdfFile,
  startxref: number,
  shift: number,
  budget: PdfBudget,
  warnings: PdfWarnings,
): Promise<XrefData> {
  const table = new XrefTable();
  const trailers: PdfDict[] = [];
  const seen = new Set<number>();
  for (let next: number | undefined = startxref; next !== undefined;) {
    if (seen.has(next)) {
      warnings.add('The PDF revision chain (/Prev) loops; older revisions were ignored.');
      break;
    }
    if (seen.size >= PDF_LIMITS.maxXrefSections) {
      warnings.add('The PDF has too many revisions; the oldest were ignored.');
      break;
    }
    seen.add(next);
    let trailer: PdfDict;
    try {
      trailer = await readSection(file, next, shift, table, budget);
    } catch (err) {
      if (trailers.length === 0 || !(err instanceof PdfFormatError)) throw err;
      warnings.add(`An older revision of the PDF could not be read (${err.message}); it was ignored.`);
      break;
    }
    trailers.push(trailer);
    const hybrid = asCount(trailer.get('XRefStm'));
    if (hybrid !== undefined) {
      await readXrefStreamQuietly(file, hybrid, shift, table, budget, warnings);
    }
    next = asCount(trailer.get('Prev'));
  }
  if (table.dropped > 0)
    warnings.add('The PDF numbers objects beyond the supported range; those were ignored.');
  return { table, trailer: mergeTrailers(trailers) };
}

async function readXrefStreamQuietly(
  file: PdfFile,
  offset: number,
  shift: number,
  table: XrefTable,
  budget: PdfBudget,
  warnings: PdfWarnings,
): Promise<void> {
  try {
    await readSection(file, offset, shift, table, budget);
  } catch (err) {
    if (!(err instanceof PdfFormatError)) throw err;
    warnings.add(`The PDF's /XRefStm could not be read (${err.message}).`);
  }
}

/** The newest trailer, completed with keys only older trailers carry. */
function mergeTrailers(trailers: PdfDict[]): PdfDict {
  const merged = new PdfDict();
  for (const trailer of trailers) {
    for (const [key, value] of trailer.entries) if (!merged.entries.has(key)) merged.entries.set(key, value);
  }
  return merged;
}
