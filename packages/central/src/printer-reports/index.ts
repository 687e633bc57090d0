/**
 * Central's printer reports over the replicated printer tables: the SNMP counter report and the event history,
 * with their REST router.
 */
export {
  PrinterReportsRepository,
  type CounterReportRow,
  type CounterValues,
  type PrinterEventQuery,
  type ReportWindow,
} from './printer-reports.repository';
export {
  counterRowJson,
  printerEventJson,
  printerReportsRouter,
  PRINTER_REPORT_CSV_MAX,
  PRINTER_REPORT_PAGE_DEFAULT,
  PRINTER_REPORT_PAGE_MAX,
  type PrinterReportsRouterDeps,
} from './printer-reports.routes';
export {
  PrinterReportsService,
  type CentralPrinterEvent,
  type CounterReportFilters,
  type PrinterEventFilters,
} from './printer-reports.service';
