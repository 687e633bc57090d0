/**
 * Central's printer reports over what sites replicate up: the SNMP counter report (pages per printer over a
 * period, from counter snapshots) and the "Event history" (printer event episodes across sites). It only
 * reads; the replication inbox is the one writer. Sites are named by id or name, as in the jobs view.
 */
import { type SitesService } from '../sites/sites.service';
import { type SitePrinterEventEntity } from '../replication/site-printer-event.entity';
import {
  type CounterReportRow,
  type PrinterEventQuery,
  type PrinterReportsRepository,
  type ReportWindow,
} from './printer-reports.repository';

/** The counter report's filters, with the site given by id or name. */
export type CounterReportFilters = Omit<ReportWindow, 'siteId'> & { site?: string };

/** The event history's filters, with the site given by id or name. */
export type PrinterEventFilters = Omit<PrinterEventQuery, 'siteId'> & { site?: string };

/** A replicated printer event with the site it belongs to. */
export interface CentralPrinterEvent {
  event: SitePrinterEventEntity;
  siteName: string;
}

/** Reads the replicated printer tables; see the file comment. */
export class PrinterReportsService {
  constructor(
    private readonly reports: PrinterReportsRepository,
    private readonly sites: Pick<SitesService, 'list' | 'find'>,
  ) {}

  /** A page of the counter report, by site, then printer name. NOT_FOUND when `site` names no site. */
  async counterReport(filters: CounterReportFilters): Promise<CounterReportRow[]> {
    const { site, ...window } = filters;
    return this.reports.counterReport({ ...window, siteId: await this.siteId(site) });
  }

  /** A page of printer events, newest first. NOT_FOUND when `site` names no site. */
  async events(filters: PrinterEventFilters): Promise<CentralPrinterEvent[]> {
    const { site, ...query } = filters;
    const siteId = await this.siteId(site);
    const [rows, sites] = await Promise.all([this.reports.events({ ...query, siteId }), this.sites.list()]);
    const names = new Map(sites.map((entry) => [entry.id, entry.name]));
    return rows.map((event) => ({ event, siteName: names.get(event.siteId) ?? '' }));
  }

  private async siteId(site: string | undefined): Promise<string | undefined> {
    return site === undefined ? undefined : (await this.sites.find(site)).id;
  }
}
