/**
 * SNMP profiles and printer configuration profiles: entities, services, REST routers, and `createProfileServices`
 * to compose them on a DataSource.
 */
import { type DataSource } from 'typeorm';
import { type Logger } from '@quire/common';
import { ConfigProfileEntity } from './config-profile.entity';
import { ConfigProfileRepository } from './config-profile.repository';
import { ConfigProfileService } from './config-profile.service';
import { SnmpProfileEntity } from './snmp-profile.entity';
import { SnmpProfileRepository } from './snmp-profile.repository';
import { SnmpProfileService } from './snmp-profile.service';

export * from './snmp-profile.entity';
export * from './config-profile.entity';
export * from './snmp-profile-input';
export * from './config-profile-input';
export * from './snmp-profile.repository';
export * from './config-profile.repository';
export * from './snmp-profile.service';
export * from './config-profile.service';
export * from './snmp-profiles.routes';
export * from './config-profiles.routes';

/** The entities of the profile tables (migration 1763700910000). */
export const profileEntities = [SnmpProfileEntity, ConfigProfileEntity];

/** Both profile services, on one DataSource. */
export function createProfileServices(
  dataSource: DataSource,
  logger: Logger,
): { snmpProfiles: SnmpProfileService; configProfiles: ConfigProfileService } {
  const snmpRepository = new SnmpProfileRepository(dataSource);
  const configRepository = new ConfigProfileRepository(dataSource);
  return {
    snmpProfiles: new SnmpProfileService({
      dataSource,
      profiles: snmpRepository,
      configProfiles: configRepository,
      logger: logger.child({ component: 'snmp-profiles' }),
    }),
    configProfiles: new ConfigProfileService({
      profiles: configRepository,
      snmpProfiles: snmpRepository,
      logger: logger.child({ component: 'config-profiles' }),
    }),
  };
}
