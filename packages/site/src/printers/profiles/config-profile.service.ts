/**
 * Printer configuration profiles: one per printer model, carrying the SNMP profile, price list, device admin
 * credentials and fax module of the printers attached to it. The SNMP profile must exist (null means the
 * default one); a profile that printers use cannot be deleted. The admin password is never logged.
 */
import { type EntityManager } from 'typeorm';
import { ErrorCode, isUniqueViolation, newId, QuireError, type Logger } from '@quire/common';
import {
  checkConfigProfilePatch,
  checkNewConfigProfile,
  type ConfigProfilePatch,
  type NewConfigProfile,
} from './config-profile-input';
import { ConfigProfileEntity } from './config-profile.entity';
import { type ConfigProfileChanges, type ConfigProfileRepository } from './config-profile.repository';
import { type SnmpProfileRepository } from './snmp-profile.repository';

/** Dependencies of the configuration profile service. */
export interface ConfigProfileServiceOptions {
  profiles: ConfigProfileRepository;
  snmpProfiles: SnmpProfileRepository;
  logger: Logger;
  now?: () => Date;
}

/** Configuration profile rules and persistence. */
export class ConfigProfileService {
  private readonly now: () => Date;

  constructor(private readonly options: ConfigProfileServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Every profile, by name. */
  list(manager?: EntityManager): Promise<ConfigProfileEntity[]> {
    return this.options.profiles.list(manager);
  }

  /** One profile, or CONFIG_PROFILE_NOT_FOUND. */
  async get(id: string, manager?: EntityManager): Promise<ConfigProfileEntity> {
    const profile = await this.options.profiles.findById(id, manager);
    if (!profile)
      throw new QuireError(ErrorCode.ConfigProfileNotFound, `No configuration profile with id ${id}`);
    return profile;
  }

  /**
   * Add a profile. VALIDATION_FAILED for bad settings, SNMP_PROFILE_NOT_FOUND for an SNMP profile that does
   * not exist, CONFLICT for a name taken.
   */
  async create(input: NewConfigProfile, manager?: EntityManager): Promise<ConfigProfileEntity> {
    const checked = checkNewConfigProfile(input);
    await this.checkSnmpProfile(checked.snmpProfileId, manager);
    const now = this.now();
    const profile = Object.assign(new ConfigProfileEntity(), {
      id: newId(),
      name: checked.name,
      nameKey: checked.name.toLowerCase(),
      snmpProfileId: checked.snmpProfileId ?? null,
      priceListId: checked.priceListId ?? null,
      adminUser: checked.adminUser ?? null,
      adminPassword: checked.adminPassword ?? null,
      faxModule: checked.faxModule ?? false,
      createdAt: now,
      updatedAt: now,
    });
    await this.conflictOnName(profile.name, () => this.options.profiles.insert(profile, manager));
    this.options.logger.info('configuration profile created', {
      configProfileId: profile.id,
      name: profile.name,
    });
    return profile;
  }

  /** Change some settings; the errors of `create`, and CONFIG_PROFILE_NOT_FOUND. */
  async update(id: string, patch: ConfigProfilePatch, manager?: EntityManager): Promise<ConfigProfileEntity> {
    const checked = checkConfigProfilePatch(patch);
    const current = await this.get(id, manager);
    if (checked.snmpProfileId !== undefined) await this.checkSnmpProfile(checked.snmpProfileId, manager);
    const changes: ConfigProfileChanges = { updatedAt: this.now() };
    for (const [key, value] of Object.entries(checked)) {
      if (value !== undefined) Object.assign(changes, { [key]: value });
    }
    if (changes.name !== undefined) changes.nameKey = changes.name.toLowerCase();
    await this.conflictOnName(changes.name ?? current.name, () =>
      this.options.profiles.update(id, changes, manager),
    );
    this.options.logger.info('configuration profile updated', {
      configProfileId: id,
      name: changes.name ?? current.name,
    });
    return Object.assign(new ConfigProfileEntity(), current, changes);
  }

  /** Delete a profile: CONFIG_PROFILE_NOT_FOUND when there is none, CONFLICT while printers use it. */
  async remove(id: string, manager?: EntityManager): Promise<void> {
    const profile = await this.get(id, manager);
    const usage = await this.options.profiles.printersUsing(id, manager);
    if (usage.count > 0) {
      throw new QuireError(
        ErrorCode.Conflict,
        `Configuration profile "${profile.name}" is used by ${usage.count} printer(s) (${usage.names.join(', ')}); give them another profile first`,
        { details: { printers: usage.count } },
      );
    }
    await this.options.profiles.delete(id, manager);
    this.options.logger.info('configuration profile deleted', { configProfileId: id, name: profile.name });
  }

  private async checkSnmpProfile(
    snmpProfileId: string | null | undefined,
    manager?: EntityManager,
  ): Promise<void> {
    if (!snmpProfileId) return;
    if (!(await this.options.snmpProfiles.findById(snmpProfileId, manager))) {
      throw new QuireError(ErrorCode.SnmpProfileNotFound, `No SNMP profile with id ${snmpProfileId}`, {
        details: { field: 'snmpProfileId' },
      });
    }
  }

  private async conflictOnName<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw new QuireError(
        ErrorCode.Conflict,
        `A configuration profile named "${name}" already exists (profile names are compared without regard to case)`,
        { details: { field: 'name' } },
      );
    }
  }
}
