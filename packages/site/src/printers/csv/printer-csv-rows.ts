/**
 * Checks the cells of one printer CSV row on their own, against the same rules as the REST API
 * (printer-input.ts and the output drivers' URI parser), and turns them into the settings the importer
 * applies. Every bad cell is reported with what it must be, not only the first: one round of fixes is enough.
 *
 * An empty optional cell means "leave as it is": an import adds and changes values but never clears one, so a
 * sparse file (name and address only) cannot wipe serial numbers and MAC addresses that discovery found.
 */
import { type z } from 'zod';
import { formatPrinterUri, parsePrinterUri } from '../../release/printer-uri';
import { hostSchema, macAddressSchema, printerNameSchema } from '../printer-input';
import { type AppliedColumn } from './printer-csv-format';
import { csvProblem, type PrinterCsvProblem, type PrinterCsvRow } from './printer-csv-reader';

/** The settings of one row; an optional field is undefined when its cell is absent or empty. */
export interface PrinterCsvSettings {
  row: number;
  name: string;
  /** The address, normalised as the URI parser does (lower case, IPv6 without brackets). */
  host: string;
  location?: string;
  assetNumber?: string;
  contact?: string;
  serial?: string;
  mac?: string;
}

/** What each column must hold, for messages. */
export const COLUMN_EXPECTATIONS: Readonly<Record<AppliedColumn, string>> = {
  printer: 'a printer name: 1 to 127 printable ASCII characters without spaces',
  IPAddress: 'an IPv4 or IPv6 address or a host name, without scheme or port',
  location: 'at most 255 characters',
  assetNumber: 'at most 64 characters',
  contact: 'at most 255 characters',
  'Serial number': 'at most 128 characters',
  MAC: 'a MAC address of 6 bytes, such as 00:1b:a9:12:34:56',
};

const TEXT_LIMITS = { location: 255, assetNumber: 64, contact: 255, 'Serial number': 128 } as const;

/** The device URI a row's printer gets when it is new: AppSocket on port 9100, as MyQ assumes. */
export function socketUri(host: string): string {
  return formatPrinterUri({ protocol: 'raw', host, port: 9100 });
}

/** `host` as the URI parser normalises it, or null when no URI can hold it. */
function normalisedHost(host: string): string | null {
  if (!hostSchema.safeParse(host).success) return null;
  try {
    return parsePrinterUri(socketUri(host)).host;
  } catch {
    return null;
  }
}

function parsed<T>(schema: z.ZodType<T>, value: string): T | null {
  const result = schema.safeParse(value);
  return result.success ? result.data : null;
}

/**
 * The settings of `row`, or the problems of its cells. `printer` and `IPAddress` must be filled; the other
 * cells may be empty.
 */
export function checkRowCells(
  row: PrinterCsvRow,
): { settings: PrinterCsvSettings; problems: [] } | { settings: null; problems: PrinterCsvProblem[] } {
  const problems: PrinterCsvProblem[] = [];
  const read = <T>(column: AppliedColumn, check: (value: string) => T | null): T | undefined => {
    const cell = row.cells[column];
    if (!cell || cell.value === '') {
      if (column === 'printer' || column === 'IPAddress') {
        const at = { row: row.row, column: cell?.column ?? null, columnName: column };
        problems.push(csvProblem(at, '', COLUMN_EXPECTATIONS[column]));
      }
      return undefined;
    }
    const value = check(cell.value);
    if (value === null) {
      const at = { row: row.row, column: cell.column, columnName: column };
      problems.push(csvProblem(at, cell.value, COLUMN_EXPECTATIONS[column]));
      return undefined;
    }
    return value;
  };
  const text = (column: keyof typeof TEXT_LIMITS) =>
    read(column, (value) => (value.length <= TEXT_LIMITS[column] ? value : null));
  const settings = {
    row: row.row,
    name: read('printer', (value) => parsed(printerNameSchema, value)),
    host: read('IPAddress', normalisedHost),
    location: text('location'),
    assetNumber: text('assetNumber'),
    contact: text('contact'),
    serial: text('Serial number'),
    mac: read('MAC', (value) => parsed(macAddressSchema, value)),
  };
  if (problems.length > 0 || settings.name === undefined || settings.host === undefined) {
    return { settings: null, problems };
  }
  return { settings: { ...settings, name: settings.name, host: settings.host }, problems: [] };
}
