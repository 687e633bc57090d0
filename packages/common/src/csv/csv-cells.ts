/**
 * CSV cells and lines as Quire's exports write them (the printer CSV, the event history, central's reports):
 * RFC 4180 quoting, CRLF line ends, and formula defusing. A cell that starts with `=`, `+`, `-`, `@`, a tab or a
 * CR gets a leading apostrophe, so a spreadsheet shows it as text instead of running it: printer names,
 * locations, contacts and alert texts come from devices (SNMP sysLocation, sysContact), which anyone on a branch
 * network can set. Numbers are written as they are. The separator is MyQ's `;` unless a caller says otherwise.
 */

/** What a cell may be given: null and undefined are empty, dates ISO 8601. */
export type CsvValue = string | number | boolean | Date | null | undefined;

/** The UTF-8 byte order mark that lets Excel read an export as UTF-8 rather than the machine's ANSI code page. */
export const CSV_BYTE_ORDER_MARK = '\uFEFF';

/** MyQ's CSV separator. */
export const CSV_SEPARATOR = ';';

const FORMULA_START = /^[=+\-@\t\r]/;
const DEFUSED_FORMULA = /^'[=+\-@\t\r]/;

function needsQuotes(text: string, separator: string): boolean {
  return text.includes(separator) || /["\r\n]/.test(text);
}

/** One value as a cell: defused when it could run as a formula, quoted (quotes doubled) when it must be. */
export function csvCell(value: CsvValue, separator: string = CSV_SEPARATOR): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return needsQuotes(text, separator) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line of cells, with its CRLF. */
export function csvLine(values: readonly CsvValue[], separator: string = CSV_SEPARATOR): string {
  return `${values.map((value) => csvCell(value, separator)).join(separator)}\r\n`;
}

/** A cell's text as it was before `csvCell` defused it (`'=x` → `=x`), for reading an export back. */
export function undefusedCellText(cell: string): string {
  return DEFUSED_FORMULA.test(cell) ? cell.slice(1) : cell;
}
