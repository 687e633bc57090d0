/**
 * DB access for sites. Every method takes an optional EntityManager so a service can run it inside its own
 * transaction (together with the audit record of the admin write that caused it).
 */
import { IsNull, MoreThan, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { SITE_ERROR_MAX_CHARS, SiteEntity } from './site.entity';

/** DB access for the `sites` table. */
export class SiteRepository {
  constructor(private readonly dataSource: DataSource) {}

  private repo(manager?: EntityManager): Repository<SiteEntity> {
    return (manager ?? this.dataSource.manager).getRepository(SiteEntity);
  }

  /** Every site, by name. */
  list(manager?: EntityManager): Promise<SiteEntity[]> {
    return this.repo(manager).find({ order: { name: 'ASC' } });
  }

  /** One site by id, or null. */
  findById(id: string, manager?: EntityManager): Promise<SiteEntity | null> {
    return this.repo(manager).findOneBy({ id });
  }

  /** One site by its unique name, or null. */
  findByName(name: string, manager?: EntityManager): Promise<SiteEntity | null> {
    return this.repo(manager).findOneBy({ name });
  }

  /** Insert a new site row. */
  async insert(site: SiteEntity, manager?: EntityManager): Promise<void> {
    await this.repo(manager).insert(site);
  }

  /** Replace the pending enrolment token of a site that is not revoked; false when there is no such site. */
  async setEnrolmentToken(
    id: string,
    tokenHash: string,
    expiresAt: Date,
    now: Date,
    manager?: EntityManager,
  ) {
    const result = await this.repo(manager).update(
      { id, revokedAt: IsNull() },
      { enrolmentTokenHash: tokenHash, enrolmentExpiresAt: expiresAt, updatedAt: now },
    );
    return (result.affected ?? 0) === 1;
  }

  /**
   * Exchange an unexpired enrolment token for a credential, atomically: the conditional UPDATE matches the token
   * hash only once, so two sites racing with the same token cannot both enrol. Returns the enrolled site or null.
   */
  async claimEnrolment(tokenHash: string, credentialHash: string, now: Date, manager?: EntityManager) {
    const site = await this.repo(manager).findOneBy({
      enrolmentTokenHash: tokenHash,
      enrolmentExpiresAt: MoreThan(now),
      revokedAt: IsNull(),
    });
    if (!site) return null;
    const result = await this.repo(manager).update(
      { id: site.id, enrolmentTokenHash: tokenHash },
      { enrolmentTokenHash: null, enrolmentExpiresAt: null, credentialHash, enrolledAt: now, updatedAt: now },
    );
    return (result.affected ?? 0) === 1 ? { ...site, credentialHash, enrolledAt: now } : null;
  }

  /** Record when a site was last heard from, and which version it runs. */
  async recordSeen(id: string, seenAt: Date, siteVersion: string, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, { lastSeenAt: seenAt, siteVersion });
  }

  /**
   * Revoke a site: its credential and any pending enrolment token stop working. The time of the first
   * revocation is kept when it is revoked again. False when there is no such site.
   */
  async revoke(id: string, now: Date, manager?: EntityManager): Promise<boolean> {
    const site = await this.repo(manager).findOneBy({ id });
    if (!site) return false;
    await this.repo(manager).update(
      { id },
      {
        revokedAt: site.revokedAt ?? now,
        credentialHash: null,
        enrolmentTokenHash: null,
        enrolmentExpiresAt: null,
        updatedAt: now,
      },
    );
    return true;
  }

  /** Record the directory version a site acknowledged. */
  async recordDirectoryVersion(id: string, version: number): Promise<void> {
    await this.repo().update({ id }, { directoryVersion: version });
  }

  /** Record the configuration-template version a site acknowledged. */
  async recordTemplateVersion(id: string, version: number): Promise<void> {
    await this.repo().update({ id }, { templateVersion: version });
  }

  /** Keep `error` (cut to the column's width) as the site's latest replication error, or clear it (null). */
  async recordError(id: string, error: string | null, at: Date): Promise<void> {
    await this.repo().update(
      { id },
      error === null
        ? { lastError: null, lastErrorAt: null }
        : { lastError: error.slice(0, SITE_ERROR_MAX_CHARS), lastErrorAt: at },
    );
  }
}
