/**
 * A site database with what discovery needs (printers, queues, the audit log, saved discoveries) and the
 * discovery services composed on it the way the server composes them, for the discovery integration tests.
 * `identify` defaults to a table of fake devices by address (anything else is silent, SNMP_TIMEOUT), so the
 * rules, identity and action tests need no SNMP agent; the snmpsim test passes the real identifyPrinter.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type DataSource } from 'typeorm';
import {
  AuditLogRepository,
  AuditService,
  commonEntities,
  commonMigrations,
  createSilentLogger,
  ErrorCode,
  openDatabase,
  QuireError,
  type Logger,
} from '@quire/common';
import { siteEntities } from '../src/job-core';
import { siteMigrations } from '../src/migrations';
import { SnmpProfiles1763700910000 } from '../src/migrations/1763700910000-snmp-profiles';
import { Discoveries1763700940000 } from '../src/migrations/1763700940000-discoveries';
import {
  DiscoveryEntity,
  DiscoveryRepository,
  DiscoveryService,
  DiscoverySettingsService,
  type ActivationGate,
  type IdentifyDevice,
} from '../src/printers/discovery';
import { PrinterRepository, PrinterService } from '../src/printers';
import { profileEntities } from '../src/printers/profiles';
import { type PrinterIdentity } from '../src/printers/snmp/printer-reader';
import { type SnmpProfileSettings } from '../src/printers/snmp/snmp-settings';
import { QueueRepository, QueueService } from '../src/queues';

/** `list` with each of `extras` it lacks appended. */
function withExtras(list: readonly unknown[], extras: readonly unknown[]): unknown[] {
  return [...list, ...extras.filter((extra) => !list.includes(extra))];
}

/**
 * The site's entities with the profile and discovery ones (added here until the lead adds them to the site's
 * lists; once there, nothing is added twice).
 */
export const siteDiscoveryEntities = withExtras(siteEntities, [...profileEntities, DiscoveryEntity]);
/** The site's migrations with the profile and discovery ones, likewise. */
export const siteDiscoveryMigrations = withExtras(siteMigrations, [
  SnmpProfiles1763700910000,
  Discoveries1763700940000,
]);

/** The default profile the fake profile service hands out. */
export const TEST_PROFILE: SnmpProfileSettings = {
  version: '2c',
  community: 'public',
  port: 161,
  timeoutMs: 300,
  retries: 0,
  v3: null,
};

/** Configuration profiles the fake profile service knows. */
export const KNOWN_CONFIG_PROFILES = ['cfg-hp', 'cfg-colour'];

/** A device identity, HP mono unless overridden. */
export function deviceIdentity(overrides: Partial<PrinterIdentity> = {}): PrinterIdentity {
  return {
    sysDescr: 'HP ETHERNET MULTI-ENVIRONMENT',
    sysName: 'NPI1A2B3C',
    sysLocation: 'Floor 1',
    sysContact: 'helpdesk@example.org',
    model: 'HP LaserJet Enterprise M507',
    serial: 'PHBQB00001',
    mac: '00:1b:a9:00:00:01',
    colorCapable: false,
    isPrinter: true,
    ...overrides,
  };
}

/** The composed services and the knobs of the fake devices. */
export interface DiscoveryRig {
  dataSource: DataSource;
  printers: PrinterService;
  queues: QueueService;
  audit: AuditService;
  discovery: DiscoveryService;
  settings: DiscoverySettingsService;
  /** Fake devices by address; change it between runs to move or replace devices. */
  devices: Map<string, PrinterIdentity>;
  /** Addresses asked, in order. */
  asked: string[];
  /** Most fake probes in flight at once. */
  maxInFlight: () => number;
  close(): Promise<void>;
}

/** Options of the rig. */
export interface DiscoveryRigOptions {
  activation?: ActivationGate;
  concurrency?: number;
  /** How long each fake probe takes. */
  probeDelayMs?: number;
  /** The SNMP profile every discovery probes with; default TEST_PROFILE. */
  profile?: SnmpProfileSettings;
  /** Replaces the fake devices (the snmpsim test passes identifyPrinter). */
  identify?: IdentifyDevice;
  logger?: Logger;
}

/** Open (and migrate) the database at `url` and compose discovery on it. */
export async function openDiscoveryRig(
  url: string,
  options: DiscoveryRigOptions = {},
): Promise<DiscoveryRig> {
  const { dataSource } = await openDatabase({
    url,
    entities: [...commonEntities, ...siteDiscoveryEntities] as never[],
    migrations: [...commonMigrations, ...siteDiscoveryMigrations] as never[],
  });
  return composeDiscovery(dataSource, options);
}

/** Compose discovery on an open, migrated site database; `close` destroys the DataSource. */
export function composeDiscovery(dataSource: DataSource, options: DiscoveryRigOptions = {}): DiscoveryRig {
  const logger = options.logger ?? createSilentLogger();
  const printerRepository = new PrinterRepository(dataSource);
  const queues = new QueueService({
    queues: new QueueRepository(dataSource),
    logger,
    unknownPrinters: async (ids, manager) => {
      const found = new Set((await printerRepository.findByIds(ids, manager)).map((p) => p.id));
      return ids.filter((id) => !found.has(id));
    },
  });
  const printers = new PrinterService({ printers: printerRepository, logger });
  const audit = new AuditService(new AuditLogRepository(dataSource));
  const devices = new Map<string, PrinterIdentity>();
  const asked: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fakeIdentify: IdentifyDevice = async (target) => {
    asked.push(target.host);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await sleep(options.probeDelayMs ?? 1);
      const device = devices.get(target.host);
      if (!device) throw new QuireError(ErrorCode.SnmpTimeout, `${target.host}:161 did not answer`);
      return device;
    } finally {
      inFlight -= 1;
    }
  };
  const discovery = new DiscoveryService({
    dataSource,
    printers,
    queues,
    snmpProfiles: { settingsById: async () => options.profile ?? TEST_PROFILE },
    configProfiles: {
      get: async (id) => {
        if (KNOWN_CONFIG_PROFILES.includes(id)) return { id };
        throw new QuireError(ErrorCode.ConfigProfileNotFound, `No configuration profile with id ${id}`);
      },
    },
    identify: options.identify ?? fakeIdentify,
    audit,
    concurrency: options.concurrency ?? 8,
    activation: options.activation,
    reverseLookup: async (address) => (address.endsWith('.2') ? 'prn-two.example' : null),
    logger,
  });
  const settings = new DiscoverySettingsService({
    repository: new DiscoveryRepository(dataSource),
    discovery,
    logger,
  });
  return {
    dataSource,
    printers,
    queues,
    audit,
    discovery,
    settings,
    devices,
    asked,
    maxInFlight: () => maxInFlight,
    close: () => dataSource.destroy(),
  };
}
