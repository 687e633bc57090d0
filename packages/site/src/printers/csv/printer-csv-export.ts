/**
 * The printer CSV export: every printer as one row of MyQ's columns, filled with what Quire knows (name,
 * location, the host of its URI, asset number, contact, model, serial number, MAC) and, from the monitor's
 * latest observation, its page counters and toner levels. Columns Quire has nothing for (scanner IP, terminal
 * ids, enforced model, purchase date, copy, scan and fax counters) stay empty, so the file still opens in MyQ.
 */
import { CSV_BYTE_ORDER_MARK, csvLine } from '@quire/common';
import { parsePrinterUri } from '../../release/printer-uri';
import { type PrinterObservation, type PrinterReading } from '../monitoring/printer-reading';
import { type PrinterEntity } from '../printer.entity';
import { EXPORT_COLUMNS, type ExportColumn } from './printer-csv-format';

/** Where the export reads the monitor's latest observation of each printer. */
export interface PrinterStatusSource {
  current(printerIds: string[]): Promise<Map<string, PrinterObservation>>;
}

/** The toner columns and the colorant each stands for. */
const TONER_COLUMNS = { C: 'cyan', M: 'magenta', Y: 'yellow', K: 'black' } as const;

/** Supplies that put colour on paper (toner, ink, wax), as opposed to drums, fusers and waste bins. */
const MARKING_SUPPLY = /toner|ink|wax/i;

/** The host of a printer's URI, or '' when the stored URI no longer parses. */
function hostOf(printer: PrinterEntity): string {
  try {
    return parsePrinterUri(printer.uri).host;
  } catch {
    return '';
  }
}

/** The lowest known level of the marking supplies of one colorant: the one that runs out first. */
function tonerLevel(reading: PrinterReading, colorant: string): number | null {
  const levels = reading.supplies
    .filter((supply) => supply.colorant?.toLowerCase() === colorant)
    .filter((supply) => MARKING_SUPPLY.test(supply.type) && !/^waste/i.test(supply.type))
    .map((supply) => supply.levelPercent)
    .filter((level): level is number => level !== null);
  return levels.length > 0 ? Math.min(...levels) : null;
}

/**
 * The print counters of a reading. A device with only a total counter prints everything in black when it is
 * mono, so its total is its B&W count; a colour device's total cannot be split, so both stay empty.
 */
function printCounters(reading: PrinterReading): { mono: number | null; color: number | null } {
  const { total, mono, color } = reading.counters;
  if (mono === null && color === null && !reading.colorCapable) return { mono: total, color: null };
  return { mono, color };
}

/** One printer's cells by column; absent columns are empty. */
export function printerCsvCells(
  printer: PrinterEntity,
  observation: PrinterObservation | undefined,
): Partial<Record<ExportColumn, string | number | null>> {
  const cells: Partial<Record<ExportColumn, string | number | null>> = {
    printer: printer.name,
    location: printer.location,
    IPAddress: hostOf(printer),
    assetNumber: printer.assetNumber,
    contact: printer.contact,
    Model: printer.model,
    'Serial number': printer.serial,
    MAC: printer.mac,
  };
  const reading = observation?.reading;
  if (!reading) return cells;
  const counters = printCounters(reading);
  cells['B&W print'] = counters.mono;
  cells['Color print'] = counters.color;
  for (const [column, colorant] of Object.entries(TONER_COLUMNS)) {
    cells[column as keyof typeof TONER_COLUMNS] = tonerLevel(reading, colorant);
  }
  return cells;
}

/** The export file of `printers` (in the order given), with a byte order mark and the header row. */
export function printerCsv(
  printers: readonly PrinterEntity[],
  observations: ReadonlyMap<string, PrinterObservation>,
): string {
  const lines = printers.map((printer) => {
    const cells = printerCsvCells(printer, observations.get(printer.id));
    return csvLine(EXPORT_COLUMNS.map((column) => cells[column]));
  });
  return `${CSV_BYTE_ORDER_MARK}${csvLine(EXPORT_COLUMNS)}${lines.join('')}`;
}
