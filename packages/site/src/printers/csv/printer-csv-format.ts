/**
 * MyQ's printer CSV (myq-2 §1.19) as Quire writes and reads it: the column names, and how a value becomes a
 * cell and back.
 *
 * The format: semicolon-separated (MyQ's import insists on a header starting `printer;IPAddress`), UTF-8, CRLF
 * line ends. Exports start with a byte order mark, because Excel opens a UTF-8 CSV without one in the machine's
 * ANSI code page and garbles every accented location or contact; imports accept a file with or without one.
 *
 * Cells are written by @quire/common's `csvCell`, which defuses anything a spreadsheet would run as a formula
 * (locations and contacts can come from SNMP sysLocation and sysContact); the reader undoes that with
 * `undefusedCellText`, so an export imports back unchanged.
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

/** The header MyQ expects, for messages. */
export const HEADER_START = 'printer;IPAddress';
