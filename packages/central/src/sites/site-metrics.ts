/**
 * Per-site replication gauges on central's `/metrics`, labelled by site name and id: outbox lag (records and
 * seconds), applied outbox sequence, acknowledged directory and template versions, and whether the site's
 * session is open. The figures are read when Prometheus scrapes (the six gauges of one scrape share one read
 * of the sites table), so they always agree with `GET /api/v1/sites`. Revoked sites are left out.
 */
import { describeError, type Logger } from '@quire/common';
import { Gauge, type Registry } from 'prom-client';
import { type SiteSessionRegistry } from '../federation/session-registry';
import { type SitesService } from './sites.service';

/** What the site gauges read. */
export interface SiteMetricsOptions {
  registry: Registry;
  sites: Pick<SitesService, 'list' | 'replication'>;
  sessions: Pick<SiteSessionRegistry, 'status'>;
  logger: Logger;
}

type Labels = 'site' | 'site_id';

/** One site's figures as the gauges show them; a null lag is left out (not reported since central started). */
interface SiteFigures {
  labels: Record<Labels, string>;
  values: Record<string, number | null>;
}

const GAUGES: Record<string, string> = {
  quire_site_outbox_lag_records:
    "Outbox records the site has written and central has not applied (the site's latest report).",
  quire_site_outbox_lag_seconds:
    'Seconds since the oldest outbox record central has not applied was written.',
  quire_site_applied_seq:
    'The highest outbox sequence central has applied for the site, with none missing below it.',
  quire_site_directory_version: 'The directory version the site last acknowledged.',
  quire_site_template_version: 'The configuration-template version the site last acknowledged.',
  quire_site_connected: "1 while the site's federation session is open, else 0.",
};

// Gauges collected within this long of each other share one read of the sites table.
const SNAPSHOT_MS = 1000;

/** Register the per-site gauges on `registry`, replacing any of the same names from an earlier server. */
export function registerSiteMetrics(options: SiteMetricsOptions): void {
  let snapshot: { at: number; figures: Promise<SiteFigures[]> } | null = null;
  const figures = (): Promise<SiteFigures[]> => {
    if (!snapshot || Date.now() - snapshot.at > SNAPSHOT_MS) {
      snapshot = { at: Date.now(), figures: readFigures(options) };
    }
    return snapshot.figures;
  };
  for (const [name, help] of Object.entries(GAUGES)) {
    options.registry.removeSingleMetric(name);
    new Gauge<Labels>({
      name,
      help,
      labelNames: ['site', 'site_id'],
      registers: [options.registry],
      async collect() {
        this.reset();
        for (const site of await figures()) {
          const value = site.values[name];
          if (value !== null) this.set(site.labels, value);
        }
      },
    });
  }
}

async function readFigures(options: SiteMetricsOptions): Promise<SiteFigures[]> {
  try {
    const sites = await options.sites.list();
    return sites
      .filter((site) => site.revokedAt === null)
      .map((site) => {
        const lag = options.sites.replication.lag(site.id, site.appliedSeq);
        return {
          labels: { site: site.name, site_id: site.id },
          values: {
            quire_site_outbox_lag_records: lag.records,
            quire_site_outbox_lag_seconds: lag.seconds,
            quire_site_applied_seq: site.appliedSeq,
            quire_site_directory_version: site.directoryVersion,
            quire_site_template_version: site.templateVersion,
            quire_site_connected: options.sessions.status(site.id).connected ? 1 : 0,
          },
        };
      });
  } catch (err) {
    // A scrape must not fail because the database is briefly away; the gauges are empty until it is back.
    options.logger.warn('could not read the sites for /metrics', { error: describeError(err) });
    return [];
  }
}
