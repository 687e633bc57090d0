/**
 * Reads a printer CSV file into rows of cells by column, without judging the values (the importer does that).
 * What makes the whole file unreadable is refused here, as PRINTER_CSV_INVALID saying what to fix: text that is
 * not UTF-8, another separator than `;`, a header without `printer` and `IPAddress`, a quote never closed.
 *
 * Rows are numbered as a spreadsheet shows them (the header is row 1, a blank line is a row, a quoted cell
 * spanning lines is still one row), so an admin finds row 7 where Excel shows row 7. Columns are named in any
 * order and any letter case once `printer` and `IPAddress` are there; columns Quire does not apply (MyQ's
 * scanner IP, terminal ids, counters, anything else) are listed as ignored rather than refused, so a MyQ export
 * imports as it is.
 */
import { parse } from 'csv-parse/sync';
import { CSV_SEPARATOR as SEPARATOR, ErrorCode, QuireError, undefusedCellText } from '@quire/common';
import { APPLIED_COLUMNS, HEADER_START, REQUIRED_COLUMNS, type AppliedColumn } from './printer-csv-format';

/** One thing wrong with the file, where it is, and what would be right. */
export interface PrinterCsvProblem {
  /** Spreadsheet row number; 1 is the header. */
  row: number;
  /** 1-based column number, or null when the problem is the row as a whole. */
  column: number | null;
  columnName: string | null;
  /** The offending cell as read, or null. */
  value: string | null;
  expected: string;
  /** All of the above as one sentence. */
  message: string;
}

/** A cell of an applied column, with where it was. */
export interface PrinterCsvCell {
  value: string;
  column: number;
}

/** One printer row: its number and its applied cells. */
export interface PrinterCsvRow {
  row: number;
  cells: Partial<Record<AppliedColumn, PrinterCsvCell>>;
}

/** What a readable file holds. */
export interface PrinterCsvFile {
  /** Header names of the columns the import does not apply, as written in the file. */
  ignoredColumns: string[];
  rows: PrinterCsvRow[];
  /** Rows that cannot be read as a printer (more cells than the header has columns). */
  problems: PrinterCsvProblem[];
}

/** A problem at a row and column, with its message. */
export function csvProblem(
  at: { row: number; column: number | null; columnName: string | null },
  value: string | null,
  expected: string,
): PrinterCsvProblem {
  const named = at.columnName === null ? '' : ` (${at.columnName})`;
  const where = at.column === null ? `Row ${at.row}` : `Row ${at.row}, column ${at.column}${named}`;
  const got = value === null ? '' : value === '' ? ' is empty; it' : `: "${value.slice(0, 80)}"`;
  return { ...at, value, expected, message: `${where}${got} must be ${expected}` };
}

function fileProblem(message: string, details: Partial<PrinterCsvProblem> = {}): QuireError {
  return new QuireError(ErrorCode.PrinterCsvInvalid, `The printer CSV cannot be read: ${message}`, {
    details: { errors: [{ row: 1, column: null, columnName: null, value: null, ...details, message }] },
  });
}

function decoded(text: string): string {
  const body = text.replace(/^\uFEFF/, '');
  // Express decodes the body as UTF-8, putting U+FFFD where a byte is not: such a file has another encoding.
  if (body.includes('\uFFFD')) {
    throw fileProblem(
      'it is not UTF-8 text; save it as "CSV UTF-8" (Windows-1252 and UTF-16 files are not read)',
    );
  }
  if (body.trim() === '') {
    throw fileProblem(
      `the file is empty; it needs a header row (${HEADER_START};...) and one printer per row`,
    );
  }
  return body;
}

/** A header line with no `;` is the usual sign of a file saved with another separator. */
function checkSeparator(firstLine: string): void {
  if (firstLine.includes(SEPARATOR)) return;
  const other = [',', '\t'].find((candidate) => firstLine.includes(candidate));
  const named = other === '\t' ? 'tabs' : 'commas (,)';
  if (other !== undefined) {
    throw fileProblem(
      `it is separated by ${named}, but a printer CSV is separated by semicolons (;), as MyQ requires: its ` +
        `header starts ${HEADER_START}. Save it again with ";" as the separator`,
      { value: firstLine.slice(0, 80), expected: `a header starting ${HEADER_START}` },
    );
  }
  throw headerProblem(firstLine);
}

function headerProblem(firstLine: string, missing?: string): QuireError {
  const lacking = missing ? `it has no ${missing} column` : 'it is not a printer CSV header';
  return fileProblem(`row 1 must be the header, starting ${HEADER_START}; ${lacking}`, {
    value: firstLine.slice(0, 80),
    expected: `a header starting ${HEADER_START}`,
  });
}

function records(text: string): string[][] {
  // The line the last complete record ended on: a quote never closed swallows the rest of the file, so the
  // parser's own line number is the file's end, and the broken record is the one after this line.
  let lastEnd = 0;
  try {
    return parse(text, {
      delimiter: SEPARATOR,
      relax_column_count: true,
      skip_empty_lines: false,
      trim: true,
      on_record: (record: string[], context: { lines: number }) => {
        lastEnd = context.lines;
        return record;
      },
    });
  } catch (err) {
    if ((err as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED') {
      throw fileProblem(`a quoted cell in the record starting on line ${lastEnd + 1} is never closed`);
    }
    const line = (err as { lines?: number }).lines ?? lastEnd + 1;
    throw fileProblem(
      `line ${line}: text follows a closing quote; double any quote inside a quoted cell ("")`,
    );
  }
}

/** Which applied column each header cell is, or null for an ignored one. */
function headerColumns(header: string[], firstLine: string): Array<AppliedColumn | null> {
  const names = [...header];
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  const columns = names.map((name, i) => {
    if (name === '') throw fileProblem(`column ${i + 1} of the header has no name`);
    return APPLIED_COLUMNS.find((column) => column.toLowerCase() === name.toLowerCase()) ?? null;
  });
  const lower = names.map((name) => name.toLowerCase());
  const twice = names.find((name, i) => lower.indexOf(name.toLowerCase()) !== i);
  if (twice !== undefined) throw fileProblem(`the header names the column "${twice}" twice`);
  const missing = REQUIRED_COLUMNS.find((column) => !columns.includes(column));
  if (missing !== undefined) throw headerProblem(firstLine, missing);
  return columns;
}

/** Read a printer CSV; see the file comment. Throws PRINTER_CSV_INVALID for a file that cannot be read. */
export function readPrinterCsv(text: string): PrinterCsvFile {
  const body = decoded(text);
  const firstLine = body.split(/\r?\n/, 1)[0];
  checkSeparator(firstLine);
  const [header, ...lines] = records(body);
  const columns = headerColumns(header, firstLine);
  const ignoredColumns = header.slice(0, columns.length).filter((_name, i) => columns[i] === null);
  const rows: PrinterCsvRow[] = [];
  const problems: PrinterCsvProblem[] = [];
  lines.forEach((cells, index) => {
    const row = index + 2;
    if (cells.every((cell) => cell === '')) return;
    const extra = cells.findIndex((cell, i) => i >= columns.length && cell !== '');
    if (extra !== -1) {
      const expected = `empty: the header names ${columns.length} columns (a ";" too many in the row?)`;
      problems.push(csvProblem({ row, column: extra + 1, columnName: null }, cells[extra], expected));
      return;
    }
    const found: PrinterCsvRow['cells'] = {};
    columns.forEach((column, i) => {
      if (column !== null) found[column] = { value: undefusedCellText(cells[i] ?? ''), column: i + 1 };
    });
    rows.push({ row, cells: found });
  });
  return { ignoredColumns, rows, problems };
}
