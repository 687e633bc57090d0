/**
 * The sites domain: creating sites, issuing one-time enrolment tokens, exchanging them for per-site
 * credentials, and authenticating federation sessions. It implements the federation server's SiteAuthority
 * port, so the gRPC front-end never touches the DB.
 *
 * Secrets: an enrolment token and a site credential are 32 random bytes, shown once (the token to the admin, the
 * credential to the site) and stored only as SHA-256 hashes.
 *
 * It also keeps each site's replication figures: the applied outbox sequence (read by the replication inbox),
 * the directory and template versions and the last error (written by the publishers and the inbox), and, in
 * memory, the outbox figures of the site's latest heartbeat (`replication`).
 */
import { type EntityManager } from 'typeorm';
import { ErrorCode, QuireError, newId, randomToken, safeEqual, sha256Hex, type Logger } from '@quire/common';
import { type AuthenticatedSite, type SiteAuthority } from '../federation/site-authority';
import { ReplicationStatus } from '../replication/replication-status';
import { type SiteEntity } from './site.entity';
import { type SiteRepository } from './site.repository';

/** Construction options of SitesService. */
export interface SitesServiceOptions {
  sites: SiteRepository;
  logger: Logger;
  enrolmentTokenTtlHours: number;
  /** The sites' reported outbox figures; a new registry when not given. */
  replication?: ReplicationStatus;
  now?: () => Date;
}

/** Where central stands with a site's outbox. */
export interface SiteReplicationState {
  appliedSeq: number;
  revoked: boolean;
}

/** What an admin gets back when creating a site or asking for a new enrolment token (shown once). */
export interface EnrolmentTicket {
  siteId: string;
  siteName: string;
  enrolmentToken: string;
  expiresAt: Date;
}

/** The sites domain; see the file comment. */
export class SitesService implements SiteAuthority {
  /** What each site last reported about its outbox (shared with the replication inbox and the routes). */
  readonly replication: ReplicationStatus;
  private readonly now: () => Date;

  constructor(private readonly options: SitesServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.replication = options.replication ?? new ReplicationStatus(this.now);
  }

  /** Every site, by name. */
  list(): Promise<SiteEntity[]> {
    return this.options.sites.list();
  }

  /** One site, or NOT_FOUND. */
  async get(id: string): Promise<SiteEntity> {
    const site = await this.options.sites.findById(id);
    if (!site) throw new QuireError(ErrorCode.NotFound, `No site with id ${id}`);
    return site;
  }

  /** One site by id or by name (the `site` filter of the jobs view), or NOT_FOUND. */
  async find(idOrName: string): Promise<SiteEntity> {
    const site =
      (await this.options.sites.findById(idOrName)) ?? (await this.options.sites.findByName(idOrName));
    if (!site) throw new QuireError(ErrorCode.NotFound, `No site with id or name "${idOrName}"`);
    return site;
  }

  /** Create a site and its first enrolment token. A taken name is a CONFLICT. */
  async create(name: string, manager?: EntityManager): Promise<EnrolmentTicket> {
    if (await this.options.sites.findByName(name, manager)) {
      throw new QuireError(ErrorCode.Conflict, `A site named "${name}" already exists`, {
        details: { field: 'name' },
      });
    }
    const now = this.now();
    const token = randomToken();
    const expiresAt = this.tokenExpiry(now);
    const site: SiteEntity = {
      id: newId(),
      name,
      enrolmentTokenHash: sha256Hex(token),
      enrolmentExpiresAt: expiresAt,
      credentialHash: null,
      enrolledAt: null,
      lastSeenAt: null,
      siteVersion: null,
      revokedAt: null,
      appliedSeq: 0,
      directoryVersion: 0,
      templateVersion: 0,
      lastError: null,
      lastErrorAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.options.sites.insert(site, manager);
    return { siteId: site.id, siteName: name, enrolmentToken: token, expiresAt };
  }

  /**
   * Issue a fresh enrolment token for an existing site (a re-install lost its data dir, or the first token
   * expired). The site's current credential stays valid until the new token is exchanged.
   */
  async issueEnrolmentToken(id: string, manager?: EntityManager): Promise<EnrolmentTicket> {
    const site = await this.options.sites.findById(id, manager);
    if (!site) throw new QuireError(ErrorCode.NotFound, `No site with id ${id}`);
    if (site.revokedAt) throw new QuireError(ErrorCode.Conflict, `Site "${site.name}" is revoked`);
    const now = this.now();
    const token = randomToken();
    const expiresAt = this.tokenExpiry(now);
    await this.options.sites.setEnrolmentToken(id, sha256Hex(token), expiresAt, now, manager);
    return { siteId: id, siteName: site.name, enrolmentToken: token, expiresAt };
  }

  /** SiteAuthority: exchange a one-time token for a per-site credential. */
  async enrol(token: string, info: { siteName: string; siteVersion: string; remoteAddr: string }) {
    const credential = randomToken();
    const site = token
      ? await this.options.sites.claimEnrolment(sha256Hex(token), sha256Hex(credential), this.now())
      : null;
    if (!site) {
      this.options.logger.warn('site enrolment refused', {
        remoteAddr: info.remoteAddr,
        siteName: info.siteName,
      });
      throw new QuireError(
        ErrorCode.EnrolmentTokenInvalid,
        'The enrolment token is invalid, already used or expired; ask central for a new one (POST /api/v1/sites/{id}/enrolment-token)',
      );
    }
    this.options.logger.info('site enrolled', {
      siteId: site.id,
      siteName: site.name,
      remoteAddr: info.remoteAddr,
    });
    return { siteId: site.id, siteName: site.name, credential };
  }

  /** SiteAuthority: the site for a credential, or null when unknown, never enrolled or revoked. */
  async authenticate(siteId: string, credential: string): Promise<AuthenticatedSite | null> {
    const site = await this.options.sites.findById(siteId);
    if (!site || site.revokedAt || !site.credentialHash) return null;
    return safeEqual(site.credentialHash, sha256Hex(credential)) ? { id: site.id, name: site.name } : null;
  }

  /** SiteAuthority: persist last-seen time and version. */
  async recordSeen(siteId: string, seenAt: Date, siteVersion: string): Promise<void> {
    await this.options.sites.recordSeen(siteId, seenAt, siteVersion);
  }

  /**
   * Revoke a site: its credential is refused from now on (`authenticate`), and a pending enrolment token too.
   * Ending its live session is the caller's part (the session registry). The site's replicated history stays.
   * NOT_FOUND for an unknown site; revoking a revoked site again changes nothing.
   */
  async revoke(id: string, manager?: EntityManager): Promise<void> {
    if (!(await this.options.sites.revoke(id, this.now(), manager))) {
      throw new QuireError(ErrorCode.NotFound, `No site with id ${id}`);
    }
    this.options.logger.info('site revoked', { siteId: id });
  }

  /** The site's applied outbox sequence and whether it is revoked, or NOT_FOUND. */
  async replicationState(siteId: string): Promise<SiteReplicationState> {
    const site = await this.get(siteId);
    return { appliedSeq: site.appliedSeq, revoked: site.revokedAt !== null };
  }

  /** Record the directory version a site acknowledged (called by the directory publisher). */
  async recordDirectoryVersion(siteId: string, version: number): Promise<void> {
    await this.options.sites.recordDirectoryVersion(siteId, version);
  }

  /** Record the configuration-template version a site acknowledged (called by the template publisher). */
  async recordTemplateVersion(siteId: string, version: number): Promise<void> {
    await this.options.sites.recordTemplateVersion(siteId, version);
  }

  /**
   * Keep `error` as the site's latest replication error, shown in `GET /api/v1/sites` with its time, or clear
   * it with null once replication works again. Long messages are cut to 1,024 characters.
   */
  async recordError(siteId: string, error: string | null): Promise<void> {
    await this.options.sites.recordError(siteId, error, this.now());
  }

  private tokenExpiry(now: Date): Date {
    return new Date(now.getTime() + this.options.enrolmentTokenTtlHours * 3600_000);
  }
}
