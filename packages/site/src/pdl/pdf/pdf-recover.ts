/**
 * Rebuilds the cross-reference table of a damaged PDF by scanning the whole file for `N G obj` headers, as every
 * viewer does when `startxref` or the offsets are wrong (files truncated in transfer, edited by hand, or
 * concatenated). The scan reads fixed-size chunks sequentially, so memory stays bounded for any file size, and
 * checks the deadline per chunk. A later definition of an object wins, which is what incremental updates mean. It
 * also notes the trailers, xref streams, object streams and catalogs it passes, to find the document root.
 */
import type { PdfBudget, PdfWarnings } from './pdf-budget';
import type { PdfFile } from './pdf-file';
import { PdfDict, PdfRef, PdfStream } from './pdf-objects';
import { parseDictAt, parseIndirectAt } from './pdf-parser';
import { XrefKind, XrefTable } from './pdf-xref-table';

const CHUNK = 1024 * 1024;
// Bytes shared by consecutive chunks: a header cut at a chunk end is seen whole in the next chunk, and the
// dictionary text after a header is available to classify it.
const OVERLAP = 256;
const OBJ_HEADER = /(?<![0-9])(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj(?![A-Za-z0-9])/g;
const TRAILER = /trailer[\0\t\n\f\r ]*<</g;
const SPECIAL_TYPE = /\/Type[\0\t\n\f\r ]*\/(ObjStm|XRef|Catalog)(?![A-Za-z0-9])/;

/** What a scan of the whole file found. */
export interface RecoveredXref {
  table: XrefTable;
  /** The newest trailer-like dictionary with a `/Root`, or null when the file has none. */
  trailer: PdfDict | null;
  /** Object numbers of `/Type /ObjStm` candidates, in file order, to unpack once objects can be resolved. */
  objectStreams: number[];
}

interface ScanNotes {
  trailers: number[];
  xrefStreams: number[];
  catalogs: { num: number; gen: number }[];
  objectStreams: number[];
}

function classify(text: string, from: number, num: number, gen: number, notes: ScanNotes): void {
  let body = text.slice(from, from + OVERLAP);
  const end = body.search(/endobj|stream/);
  if (end >= 0) body = body.slice(0, end);
  const type = SPECIAL_TYPE.exec(body)?.[1];
  if (type === 'ObjStm') notes.objectStreams.push(num);
  else if (type === 'XRef') notes.xrefStreams.push(num);
  else if (type === 'Catalog') notes.catalogs.push({ num, gen });
}

async function scanChunks(
  file: PdfFile,
  budget: PdfBudget,
  table: XrefTable,
  notes: ScanNotes,
): Promise<void> {
  for (let pos = 0; pos < file.length; pos += CHUNK - OVERLAP) {
    budget.checkNow();
    const chunk = await file.readDirect(pos, CHUNK);
    const last = pos + chunk.length >= file.length;
    const accept = last ? chunk.length : chunk.length - OVERLAP;
    const text = chunk.toString('latin1');
    for (const match of text.matchAll(OBJ_HEADER)) {
      if (match.index >= accept) break;
      const num = Number(match[1]);
      const gen = Number(match[2]);
      table.set(num, XrefKind.Offset, pos + match.index, gen);
      classify(text, match.index + match[0].length, num, gen, notes);
    }
    for (const match of text.matchAll(TRAILER)) {
      if (match.index < accept) notes.trailers.push(pos + match.index + match[0].length - 2);
    }
    if (last) break;
  }
}

async function trailerWithRoot(file: PdfFile, notes: ScanNotes, table: XrefTable): Promise<PdfDict | null> {
  for (const position of [...notes.trailers].reverse()) {
    const dict = await parseDictAt(file, position).catch(() => null);
    if (dict?.get('Root') instanceof PdfRef) return dict;
  }
  for (const num of [...notes.xrefStreams].reverse()) {
    const found = await parseIndirectAt(file, table.location(num)).catch(() => null);
    if (found?.value instanceof PdfStream && found.value.dict.get('Root') instanceof PdfRef)
      return found.value.dict;
  }
  const catalog = notes.catalogs[notes.catalogs.length - 1];
  if (!catalog) return null;
  const trailer = new PdfDict();
  trailer.entries.set('Root', new PdfRef(catalog.num, catalog.gen));
  return trailer;
}

/** Scans the whole file for objects; bounded by the file size and the deadline. */
export async function scanForObjects(
  file: PdfFile,
  budget: PdfBudget,
  warnings: PdfWarnings,
): Promise<RecoveredXref> {
  const table = new XrefTable();
  const notes: ScanNotes = { trailers: [], xrefStreams: [], catalogs: [], objectStreams: [] };
  await scanChunks(file, budget, table, notes);
  if (table.dropped > 0)
    warnings.add('The PDF numbers objects beyond the supported range; those were ignored.');
  const trailer = await trailerWithRoot(file, notes, table);
  return { table, trailer, objectStreams: notes.objectStreams };
}
