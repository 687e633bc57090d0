/**
 * Which sites have a live federation session on this central process, and when each was last heard from.
 *
 * At most one session per site is live: a site that reconnects after a crash may leave a half-open stream
 * behind, and the newer session must win, so attaching a session ends any older one. The registry also throttles
 * the `recordSeen` writes to the sites service: one on hello, then at most one per heartbeat interval, so a
 * thousand sites heartbeating do not turn into a thousand DB writes per interval.
 */
import { describeError, type Logger } from '@quire/common';
import type { FederationMetrics } from './federation-metrics';
import type { SiteAuthority } from './site-authority';

/**
 * How a live session is ended from outside: replaced by a newer one, disconnected (central stopping), or
 * revoked by an operator (the site is told its credential is no longer valid, so it stops retrying at once).
 */
export type SessionEndKind = 'replaced' | 'disconnected' | 'revoked';

/** What the registry needs from one established Session stream. */
export interface RegisteredSession {
  readonly siteId: string;
  readonly siteName: string;
  readonly siteVersion: string;
  readonly remoteAddr: string;
  readonly connectedAt: Date;
  /** End the stream now; the session detaches itself from the registry. */
  end(kind: SessionEndKind, reason: string): void;
}

/** The link status of one site as seen by this central process. */
export interface SiteLinkStatus {
  siteId: string;
  siteName: string | null;
  connected: boolean;
  lastSeenAt: Date | null;
  siteVersion: string | null;
  connectedAt: Date | null;
  remoteAddr: string | null;
}

/** Construction options of SiteSessionRegistry. */
export interface SiteSessionRegistryOptions {
  authority: Pick<SiteAuthority, 'recordSeen'>;
  logger: Logger;
  metrics: FederationMetrics;
  heartbeatSeconds: number;
  now?: () => Date;
}

interface KnownSite {
  live: RegisteredSession | null;
  siteName: string;
  siteVersion: string;
  remoteAddr: string;
  lastSeenAt: Date;
  lastRecordedAt: number | null;
  recording: boolean;
}

/**
 * The in-memory registry of federation sessions, one per FederationServer. It forgets nothing while the process
 * runs (one small record per site ever seen), so `status` can still say when a disconnected site was last seen.
 */
export class SiteSessionRegistry {
  private readonly sites = new Map<string, KnownSite>();
  private readonly now: () => Date;

  constructor(private readonly options: SiteSessionRegistryOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Make `session` the live session of its site, ending the one it replaces, and record the site as seen. */
  attach(session: RegisteredSession): void {
    const update = {
      live: session,
      siteName: session.siteName,
      siteVersion: session.siteVersion,
      remoteAddr: session.remoteAddr,
      lastSeenAt: this.now(),
    };
    let entry = this.sites.get(session.siteId);
    const previous = entry?.live ?? null;
    if (entry) {
      Object.assign(entry, update);
    } else {
      entry = { ...update, lastRecordedAt: null, recording: false };
      this.sites.set(session.siteId, entry);
    }
    if (previous && previous !== session) {
      this.options.logger.warn('federation session replaced by a newer one from the same site', {
        siteId: session.siteId,
        previousRemoteAddr: previous.remoteAddr,
        remoteAddr: session.remoteAddr,
      });
      previous.end('replaced', `replaced by a newer session from ${session.remoteAddr}`);
    }
    this.updateGauge();
    this.record(session.siteId, entry, true);
  }

  /** Forget `session` as live (a no-op when a newer session already replaced it). */
  detach(session: RegisteredSession): void {
    const known = this.sites.get(session.siteId);
    if (known?.live !== session) return;
    known.live = null;
    this.updateGauge();
  }

  /** Note a message from `session`'s site; persists the last-seen time when the last write is old enough. */
  touch(session: RegisteredSession): void {
    const known = this.sites.get(session.siteId);
    if (known?.live !== session) return;
    known.lastSeenAt = this.now();
    this.record(session.siteId, known, false);
  }

  /** The link status of one site; a site never seen since this process started reads as never connected. */
  status(siteId: string): SiteLinkStatus {
    const known = this.sites.get(siteId);
    if (!known) {
      return {
        siteId,
        siteName: null,
        connected: false,
        lastSeenAt: null,
        siteVersion: null,
        connectedAt: null,
        remoteAddr: null,
      };
    }
    return {
      siteId,
      siteName: known.siteName,
      connected: known.live !== null,
      lastSeenAt: known.lastSeenAt,
      siteVersion: known.siteVersion,
      connectedAt: known.live?.connectedAt ?? null,
      remoteAddr: known.remoteAddr,
    };
  }

  /** The status of every site seen since this process started, connected ones first. */
  list(): SiteLinkStatus[] {
    return [...this.sites.keys()]
      .map((siteId) => this.status(siteId))
      .sort((a, b) => Number(b.connected) - Number(a.connected) || a.siteId.localeCompare(b.siteId));
  }

  /** End the site's live session now (`revoked` on revocation). True when there was one. */
  disconnect(siteId: string, reason: string, kind: SessionEndKind = 'disconnected'): boolean {
    const live = this.sites.get(siteId)?.live;
    if (!live) return false;
    live.end(kind, reason);
    return true;
  }

  /** End every live session, e.g. when central shuts down. */
  disconnectAll(reason: string): void {
    for (const known of this.sites.values()) known.live?.end('disconnected', reason);
  }

  private updateGauge(): void {
    let connected = 0;
    for (const known of this.sites.values()) if (known.live) connected += 1;
    this.options.metrics.connectedSites.set(connected);
  }

  private record(siteId: string, known: KnownSite, force: boolean): void {
    const seenAt = known.lastSeenAt;
    const intervalMs = this.options.heartbeatSeconds * 1000;
    const due =
      force || known.lastRecordedAt === null || seenAt.getTime() - known.lastRecordedAt >= intervalMs;
    if (!due || known.recording) return;
    known.recording = true;
    known.lastRecordedAt = seenAt.getTime();
    this.options.authority
      .recordSeen(siteId, seenAt, known.siteVersion)
      .catch((err: unknown) => {
        this.options.logger.warn('could not record when a site was last seen', {
          siteId,
          error: describeError(err),
        });
      })
      .finally(() => {
        known.recording = false;
      });
  }
}
