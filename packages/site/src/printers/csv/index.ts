/** MyQ's printer CSV: export with counters and toner levels, and import that upserts printers in one go. */
export { printerCsv, printerCsvCells, type PrinterStatusSource } from './printer-csv-export';
export {
  APPLIED_COLUMNS,
  EXPORT_COLUMNS,
  HEADER_START,
  type AppliedColumn,
  type ExportColumn,
} from './printer-csv-format';
export {
  invalidPrinterCsv,
  PrinterCsvImporter,
  type PrinterCsvImportResult,
  type PrinterCsvOutcome,
} from './printer-csv-import';
export { readPrinterCsv, type PrinterCsvFile, type PrinterCsvProblem } from './printer-csv-reader';
export { checkRowCells, type PrinterCsvSettings } from './printer-csv-rows';
export { printerCsvRouter, PRINTER_CSV_LIMIT, type PrinterCsvRouterDeps } from './printer-csv.routes';
