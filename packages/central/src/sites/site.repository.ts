/**
 * DB access for sites. Every method takes an optional EntityManager so a service can run it inside its own
 * transaction (together with the audit record of the admin write that caused it).
 */
import { IsNull, MoreThan, type DataSource, type EntityManager, type Repository } from 'typeorm';
import { SiteEntity } from './site.entity';

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
}
