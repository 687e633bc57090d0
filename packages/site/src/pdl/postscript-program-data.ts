/**
 * Data a PostScript program reads from its own text through `currentfile`, which the tokenizer must skip rather
 * than scan (ASCII85 and binary bytes would derail it: a stray `(` opens a string that swallows the job):
 * - image data (see postscript-images.ts), by its filter's end marker or the byte count the image gives;
 * - program text executed through a filter (`currentfile /ASCII85Decode filter /LZWDecode filter cvx exec`, how
 *   ghostscript's ps2write compresses its prolog): the encoded text cannot be scanned, so any `showpage` in it is
 *   out of sight and the executed page count is undecidable;
 * - `currentfile eexec` sections (encrypted Type 1 fonts), which run up to their `cleartomark`.
 */
import { type Builtin, isProc, type PsFile, type PsMachine, type PsValue } from './postscript-values';

const SUBFILE_PREFIX = 'SubFileDecode:';
/** Filters whose encoded data carries its own end (`~>`, `>`), which the skip stops at. */
const SELF_ENDING = new Set(['ASCII85Decode', 'A85', 'ASCIIHexDecode', 'AHx']);

/** True when `value` is `currentfile`, possibly behind filters. */
export function isProgramFile(value: PsValue | undefined): value is PsFile {
  return value !== null && value !== undefined && typeof value === 'object' && value.k === 'file';
}

/** True when the procedure `source` calls `operator` (`{ currentfile s readhexstring pop }`). */
export function procedureReads(source: PsValue, operator: string): boolean {
  if (!isProc(source)) return false;
  return source.body.some(
    (item) =>
      item !== null &&
      typeof item === 'object' &&
      (item.k === 'exec' || item.k === 'op') &&
      item.v === operator,
  );
}

/**
 * Skips what the program reads from `file`: to the end marker of its first filter, or `bytes` raw bytes.
 * Returns false when the length cannot be known (binary data behind other filters).
 */
export function skipFileData(ps: PsMachine, file: PsFile, bytes: number | null): boolean {
  const raw = file.filters[0];
  if (raw === undefined && bytes !== null) ps.data.skipBytes(bytes);
  else if (raw === 'ASCII85Decode' || raw === 'A85') ps.data.skipUntil('~>');
  else if (raw === 'ASCIIHexDecode' || raw === 'AHx') ps.data.skipUntil('>');
  else if (raw?.startsWith(SUBFILE_PREFIX) && raw.length > SUBFILE_PREFIX.length) {
    ps.data.skipUntil(raw.slice(SUBFILE_PREFIX.length));
  } else return false;
  return true;
}

/**
 * The filters that decode what {@link skipFileData} skipped for `file`, outermost first (the end marker is not
 * part of the skipped data); null when the skip's data cannot be decoded (parameters the analyser did not keep,
 * a first filter whose data has no known end).
 */
export function fileDataFilters(file: PsFile): string[] | null {
  const raw = file.filters[0];
  if (file.parameters) return null;
  if (raw === undefined) return [];
  if (SELF_ENDING.has(raw)) return file.filters;
  return raw.startsWith(SUBFILE_PREFIX) ? file.filters.slice(1) : null;
}

/** `exec` of a filtered `currentfile`: the program goes on in encoded form, which is skipped unscanned. */
export function execProgramFile(ps: PsMachine, file: PsFile): void {
  // Plain `currentfile cvx exec` just goes on reading the program text: nothing is hidden.
  if (file.filters.length === 0) return;
  ps.pages.undecidable('part of the program is encoded (currentfile ... filter exec) and cannot be scanned');
  if (!skipFileData(ps, file, null)) {
    ps.derailed('encoded program text of unknown length; tokens after it may be misread');
  }
}

/** `eexec` on `currentfile`: the encrypted section runs to the `cleartomark` that closes it. */
const eexec: Builtin = (ps) => {
  const source = ps.pop();
  if (isProgramFile(source)) ps.data.skipUntil('cleartomark');
  // What the section leaves is cleared by that `cleartomark`, which the skip consumed.
  ps.clearToMark();
  ps.pop();
};

/** Operators reading program text, by name. */
export const PROGRAM_DATA_OPERATORS: Record<string, Builtin> = { eexec };
