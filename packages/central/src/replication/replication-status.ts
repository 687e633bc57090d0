/**
 * What each site last said about its outbox, kept in memory: the figures of its latest heartbeat (records
 * pending, when the oldest of them was written, the highest sequence it has written). Together with the applied
 * sequence stored at central, they give the outbox lag `GET /api/v1/sites` and `/metrics` show. Nothing here is
 * worth persisting: a site repeats its figures with every heartbeat.
 */

/** A site's outbox as its latest heartbeat described it. */
export interface OutboxReport {
  /** Records written and not yet acknowledged by central. */
  pending: number;
  /** When the oldest unacknowledged record was written; null when none is pending. */
  oldestAt: Date | null;
  /** The highest sequence number the site has written. */
  lastSeq: number;
  reportedAt: Date;
}

/** How far central is behind a site's outbox; null figures when the site has not reported since central started. */
export interface OutboxLag {
  records: number | null;
  seconds: number | null;
}

/** The in-memory registry of sites' outbox reports, shared by the replication inbox and the sites routes. */
export class ReplicationStatus {
  private readonly reports = new Map<string, OutboxReport>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Keep `report` as the site's latest. */
  report(siteId: string, report: OutboxReport): void {
    this.reports.set(siteId, report);
  }

  /** The site's latest report, or null. */
  latest(siteId: string): OutboxReport | null {
    return this.reports.get(siteId) ?? null;
  }

  /**
   * The lag of the site's outbox behind `appliedSeq` (central's applied sequence): records the site reported as
   * written and central has not applied, and seconds since the oldest unacknowledged record was written. Once
   * central has applied everything the report counted, both are 0, even before the next heartbeat says so.
   */
  lag(siteId: string, appliedSeq: number): OutboxLag {
    const report = this.reports.get(siteId);
    if (!report) return { records: null, seconds: null };
    const records = Math.max(0, report.lastSeq - appliedSeq);
    if (records === 0 || !report.oldestAt) return { records, seconds: 0 };
    const seconds = (this.now().getTime() - report.oldestAt.getTime()) / 1000;
    return { records, seconds: Math.max(0, Math.round(seconds * 1000) / 1000) };
  }
}
