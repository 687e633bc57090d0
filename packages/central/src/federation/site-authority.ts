/**
 * The port between the federation gRPC front-end and the sites service. The front-end only moves bytes; every
 * decision about tokens, credentials and revocation is made behind this interface (the DB-backed implementation
 * lives with the sites service), so the server can be tested against an in-memory double.
 */

/** A site whose per-site credential was accepted. */
export interface AuthenticatedSite {
  id: string;
  name: string;
}

/** What central's sites service offers the federation server. */
export interface SiteAuthority {
  /** Exchange a one-time enrolment token; throws QuireError(ErrorCode.EnrolmentTokenInvalid) when the token is unknown, used or expired. */
  enrol(
    token: string,
    info: { siteName: string; siteVersion: string; remoteAddr: string },
  ): Promise<{ siteId: string; siteName: string; credential: string }>;
  /** The site for a per-site credential, or null when unknown or revoked. */
  authenticate(siteId: string, credential: string): Promise<AuthenticatedSite | null>;
  /** Persist last-seen time and version (called at most once per heartbeat interval per site). */
  recordSeen(siteId: string, seenAt: Date, siteVersion: string): Promise<void>;
}
