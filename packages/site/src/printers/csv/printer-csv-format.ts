/**
 * MyQ's printer CSV (myq-2 §1.19) as Quire writes and reads it: the column names, and how a value becomes a
 * cell and back.
 *
 * The format: semicolon-separated (MyQ's import insists on a header starting `printer;IPAddress`), UTF-8, CRLF
 * line ends. Exports start with a byte order mark, because Excel opens a UTF-8 CSV without one in the machine's
 * ANSI code page and garbles every accented location or contact; imports accept a file with or without one.
 *
 * A cell that starts with `=`, `+`, `-`, `@`, a tab or a CR is written with a leading apostrophe, so a
 * spreadsheet shows it as text instead of running it as a formula (locations and contacts can come from SNMP
 * sysLocation and sysContact, which anyone on the branch network can set). The reader drops that apostrophe
 * again, so an export imports back unchanged.
 */

/** The columns of an export, in MyQ's order. */
// prettier-ignore
export const EXPORT_COLUMNS = [
  'printer', 'location', 'IPAddress', 'scannerIP', 'terminalID', 'slaveTerminalID', 'enforcedModel',
  'assetNumber', 'contact', 'purchaseDate', 'Model', 'Serial number', 'MAC', 'B&W print', 'Color print',
  'B&W copies', 'Color copies', 'Scans', 'Fax', 'C', 'M', 'Y', 'K',
] as const;
export type ExportColumn = (typeof EXPORT_COLUMNS)[number];

/** The columns an import applies to a printer; `printer` and `IPAddress` are required. */
export const APPLIED_COLUMNS = [
  'printer',
  'IPAddress',
  'location',
  'assetNumber',
  'contact',
  'Serial number',
  'MAC',
] as const;
export type AppliedColumn = (typeof APPLIED_COLUMNS)[number];

/** The columns an import must have. */
export const REQUIRED_COLUMNS: readonly AppliedColumn[] = ['printer', 'IPAddress'];

/** What the file's separator must be, and the header MyQ expects, for messages. */
export const SEPARATOR = ';';
export const HEADER_START = 'printer;IPAddress';

const FORMULA_START = /^[=+\-@\t\r]/;
const DEFUSED_FORMULA = /^'[=+\-@\t\r]/;
const NEEDS_QUOTES = /[;"\r\n]/;

/** The UTF-8 byte order mark exports start with. */
export const BYTE_ORDER_MARK = '\uFEFF';

/** One value as a cell: null and undefined are empty, text is defused and quoted when it must be. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line of cells, with its CRLF. */
export function csvLine(values: ReadonlyArray<string | number | null | undefined>): string {
  return `${values.map(csvCell).join(SEPARATOR)}\r\n`;
}

/** A cell's text as written before export defused it (`'=x` → `=x`). */
export function cellText(cell: string): string {
  return DEFUSED_FORMULA.test(cell) ? cell.slice(1) : cell;
}
