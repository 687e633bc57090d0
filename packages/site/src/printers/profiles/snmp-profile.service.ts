/**
 * SNMP profiles: their rules (see snmp-profile-input.ts), the one default profile, and which profile a printer
 * is polled with. A printer with SNMP turned off is not monitored; otherwise it uses its configuration profile's
 * SNMP profile, or the default one when the configuration profile names none (or the printer has none, or its
 * configuration profile no longer exists: the printer keeps being watched rather than silently going dark).
 *
 * A profile in use by a configuration profile cannot be deleted, nor can the default one (printers without an
 * explicit profile need it). Secrets are never logged.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { ErrorCode, isUniqueViolation, newId, QuireError, type Logger } from '@quire/common';
import { type PrinterEntity } from '../printer.entity';
import { type SnmpProfileSettings } from '../snmp/snmp-settings';
import { type ConfigProfileRepository } from './config-profile.repository';
import {
  checkNewSnmpProfile,
  checkSnmpProfilePatch,
  mergeSnmpProfile,
  SNMP_PROFILE_DEFAULTS,
  type NewSnmpProfile,
  type SnmpProfilePatch,
} from './snmp-profile-input';
import { SnmpProfileEntity } from './snmp-profile.entity';
import { type SnmpProfileRepository } from './snmp-profile.repository';

/** Dependencies of the SNMP profile service. */
export interface SnmpProfileServiceOptions {
  dataSource: DataSource;
  profiles: SnmpProfileRepository;
  configProfiles: ConfigProfileRepository;
  logger: Logger;
  now?: () => Date;
}

/** The protocol settings of a stored profile, as the SNMP layer takes them. */
export function snmpSettingsOf(profile: SnmpProfileEntity): SnmpProfileSettings {
  return {
    version: profile.version,
    community: profile.community,
    port: profile.port,
    timeoutMs: profile.timeoutMs,
    retries: profile.retries,
    v3:
      profile.version === '3'
        ? {
            user: profile.v3User ?? '',
            authProtocol: profile.v3AuthProtocol ?? 'none',
            authKey: profile.v3AuthKey ?? '',
            privProtocol: profile.v3PrivProtocol ?? 'none',
            privKey: profile.v3PrivKey ?? '',
            context: profile.v3Context ?? '',
          }
        : null,
  };
}

/** A stored profile in the shape of the input it was made from (what a change is merged into). */
function inputOf(profile: SnmpProfileEntity): NewSnmpProfile {
  const settings = snmpSettingsOf(profile);
  return {
    name: profile.name,
    version: profile.version,
    community: profile.version === '3' ? undefined : profile.community,
    writeCommunity: profile.writeCommunity ?? undefined,
    port: profile.port,
    timeoutMs: profile.timeoutMs,
    retries: profile.retries,
    v3: settings.v3
      ? {
          ...settings.v3,
          authKey: profile.v3AuthKey ?? undefined,
          privKey: profile.v3PrivKey ?? undefined,
        }
      : undefined,
  };
}

/** The columns a checked input sets. */
function columnsOf(input: NewSnmpProfile) {
  const v3 = input.v3;
  return {
    name: input.name,
    nameKey: input.name.toLowerCase(),
    version: input.version,
    community: input.community ?? '',
    writeCommunity: input.writeCommunity ?? null,
    port: input.port ?? SNMP_PROFILE_DEFAULTS.port,
    timeoutMs: input.timeoutMs ?? SNMP_PROFILE_DEFAULTS.timeoutMs,
    retries: input.retries ?? SNMP_PROFILE_DEFAULTS.retries,
    v3User: v3?.user ?? null,
    v3AuthProtocol: v3?.authProtocol ?? null,
    v3AuthKey: v3?.authKey ?? null,
    v3PrivProtocol: v3 ? (v3.privProtocol ?? 'none') : null,
    v3PrivKey: v3?.privKey ?? null,
    v3Context: v3 ? (v3.context ?? '') : null,
  };
}

/** SNMP profile rules and persistence, and the profile each printer is polled with. */
export class SnmpProfileService {
  private readonly now: () => Date;

  constructor(private readonly options: SnmpProfileServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Every profile, by name. */
  list(manager?: EntityManager): Promise<SnmpProfileEntity[]> {
    return this.options.profiles.list(manager);
  }

  /** One profile, or SNMP_PROFILE_NOT_FOUND. */
  async get(id: string, manager?: EntityManager): Promise<SnmpProfileEntity> {
    const profile = await this.options.profiles.findById(id, manager);
    if (!profile) throw new QuireError(ErrorCode.SnmpProfileNotFound, `No SNMP profile with id ${id}`);
    return profile;
  }

  /** Add a profile (not the default). VALIDATION_FAILED for bad settings, CONFLICT for a name taken. */
  async create(input: NewSnmpProfile, manager?: EntityManager): Promise<SnmpProfileEntity> {
    const checked = checkNewSnmpProfile(input);
    const now = this.now();
    const profile = Object.assign(new SnmpProfileEntity(), {
      id: newId(),
      ...columnsOf(checked),
      isDefault: false,
      createdAt: now,
      updatedAt: now,
    });
    await this.conflictOnName(profile.name, () => this.options.profiles.insert(profile, manager));
    this.options.logger.info('SNMP profile created', {
      snmpProfileId: profile.id,
      name: profile.name,
      version: profile.version,
    });
    return profile;
  }

  /** Change some settings (merged into the stored ones, then checked whole); the errors of `create`, and 404. */
  async update(id: string, patch: SnmpProfilePatch, manager?: EntityManager): Promise<SnmpProfileEntity> {
    const checkedPatch = checkSnmpProfilePatch(patch);
    const current = await this.get(id, manager);
    const checked = checkNewSnmpProfile(mergeSnmpProfile(inputOf(current), checkedPatch));
    const changes = { ...columnsOf(checked), updatedAt: this.now() };
    await this.conflictOnName(checked.name, () => this.options.profiles.update(id, changes, manager));
    this.options.logger.info('SNMP profile updated', {
      snmpProfileId: id,
      name: changes.name,
      version: changes.version,
    });
    return Object.assign(new SnmpProfileEntity(), current, changes);
  }

  /** Delete a profile: 404 when there is none, CONFLICT for the default one or one in use. */
  async remove(id: string, manager?: EntityManager): Promise<void> {
    const profile = await this.get(id, manager);
    if (profile.isDefault) {
      throw new QuireError(
        ErrorCode.Conflict,
        `SNMP profile "${profile.name}" is the default and cannot be deleted; make another profile the default first`,
      );
    }
    const usage = await this.options.configProfiles.usingSnmpProfile(id, manager);
    if (usage.count > 0) {
      throw new QuireError(
        ErrorCode.Conflict,
        `SNMP profile "${profile.name}" is used by ${usage.count} configuration profile(s) (${usage.names.join(', ')}); give them another SNMP profile first`,
        { details: { configProfiles: usage.count } },
      );
    }
    await this.options.profiles.delete(id, manager);
    this.options.logger.info('SNMP profile deleted', { snmpProfileId: id, name: profile.name });
  }

  /** The default profile; SNMP_PROFILE_NOT_FOUND only if the database lost it. */
  async defaultProfile(manager?: EntityManager): Promise<SnmpProfileEntity> {
    const profile = await this.options.profiles.findDefault(manager);
    if (!profile) {
      throw new QuireError(
        ErrorCode.SnmpProfileNotFound,
        'There is no default SNMP profile; make one profile the default',
      );
    }
    return profile;
  }

  /** Make `id` the default profile (and no other); SNMP_PROFILE_NOT_FOUND when there is none. */
  async setDefault(id: string, manager?: EntityManager): Promise<SnmpProfileEntity> {
    const write = async (tx: EntityManager) => {
      const profile = await this.get(id, tx);
      const now = this.now();
      await this.options.profiles.makeDefault(id, now, tx);
      return Object.assign(new SnmpProfileEntity(), profile, { isDefault: true, updatedAt: now });
    };
    const profile = manager ? await write(manager) : await this.options.dataSource.transaction(write);
    this.options.logger.info('SNMP profile made the default', { snmpProfileId: id, name: profile.name });
    return profile;
  }

  /** The settings of profile `id`, or of the default profile when `id` is null or undefined. */
  async settingsById(id: string | null | undefined, manager?: EntityManager): Promise<SnmpProfileSettings> {
    const profile = id ? await this.get(id, manager) : await this.defaultProfile(manager);
    return snmpSettingsOf(profile);
  }

  /** How `printer` is polled: null when its SNMP is off (not monitored), else its profile's settings. */
  async settingsFor(printer: PrinterEntity, manager?: EntityManager): Promise<SnmpProfileSettings | null> {
    if (!printer.snmpEnabled) return null;
    const configProfile = printer.configProfileId
      ? await this.options.configProfiles.findById(printer.configProfileId, manager)
      : null;
    return this.settingsById(configProfile?.snmpProfileId, manager);
  }

  /**
   * `settingsFor` for many printers in three queries instead of two per printer (a monitoring sweep), by
   * printer id.
   */
  async settingsForMany(
    printers: readonly PrinterEntity[],
    manager?: EntityManager,
  ): Promise<Map<string, SnmpProfileSettings | null>> {
    const monitored = printers.filter((printer) => printer.snmpEnabled);
    const configIds = [
      ...new Set(monitored.map((p) => p.configProfileId).filter((id): id is string => !!id)),
    ];
    const configs = new Map(
      (await this.options.configProfiles.findByIds(configIds, manager)).map((c) => [c.id, c.snmpProfileId]),
    );
    const profiles = new Map((await this.list(manager)).map((p) => [p.id, snmpSettingsOf(p)]));
    const fallback = monitored.length > 0 ? snmpSettingsOf(await this.defaultProfile(manager)) : null;
    return new Map(
      printers.map((printer) => {
        if (!printer.snmpEnabled) return [printer.id, null];
        const snmpProfileId = printer.configProfileId ? configs.get(printer.configProfileId) : null;
        return [printer.id, (snmpProfileId && profiles.get(snmpProfileId)) || fallback];
      }),
    );
  }

  private async conflictOnName<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      throw new QuireError(
        ErrorCode.Conflict,
        `An SNMP profile named "${name}" already exists (profile names are compared without regard to case)`,
        { details: { field: 'name' } },
      );
    }
  }
}
