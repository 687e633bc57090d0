/**
 * Composes discovery: the service, saved discoveries and their scheduler, on the printer, queue and profile
 * services the server already has (`buildDiscovery`), or, for the command line, on a database alone
 * (`buildDiscoveryCliServices`), with the real SNMP identify.
 */
import { type DataSource } from 'typeorm';
import { AuditLogRepository, AuditService, type CommandContext, type Logger } from '@quire/common';
import { QueueRepository, QueueService } from '../../queues';
import { PrinterRepository } from '../printer.repository';
import { PrinterService } from '../printer.service';
import { createProfileServices } from '../profiles';
import { identifyPrinter } from '../snmp/printer-reader';
import { type ActivationGate } from './activation-gate';
import { type DiscoveryCliServices } from './discovery-cli';
import { type IdentifyDevice } from './discovery-prober';
import { DiscoveryRepository } from './discovery.repository';
import { DiscoveryScheduler } from './discovery-scheduler';
import { DiscoverySettingsService } from './discovery-settings.service';
import {
  DiscoveryService,
  type DiscoveryConfigProfiles,
  type DiscoverySnmpProfiles,
} from './discovery.service';

/** What discovery is built on. */
export interface DiscoveryCompositionOptions {
  dataSource: DataSource;
  printers: PrinterService;
  queues: QueueService;
  snmpProfiles: DiscoverySnmpProfiles;
  configProfiles: DiscoveryConfigProfiles;
  /** `printers.discoveryConcurrency`. */
  concurrency: number;
  logger: Logger;
  /** Default: an AuditService on `dataSource`. */
  audit?: AuditService;
  /** Default: the SNMP layer's identifyPrinter. */
  identify?: IdentifyDevice;
  /** Default: every activation allowed (no licensing yet). */
  activation?: ActivationGate;
}

/** Discovery's parts: run one now, keep saved ones, run those on schedule. */
export interface DiscoveryComposition {
  discovery: DiscoveryService;
  settings: DiscoverySettingsService;
  /** Not started: the server starts it and stops it before the database. */
  scheduler: DiscoveryScheduler;
}

/** Compose discovery on the server's services. */
export function buildDiscovery(options: DiscoveryCompositionOptions): DiscoveryComposition {
  const logger = options.logger.child({ component: 'discovery' });
  const discovery = new DiscoveryService({
    dataSource: options.dataSource,
    printers: options.printers,
    queues: options.queues,
    snmpProfiles: options.snmpProfiles,
    configProfiles: options.configProfiles,
    identify: options.identify ?? identifyPrinter,
    audit: options.audit ?? new AuditService(new AuditLogRepository(options.dataSource)),
    concurrency: options.concurrency,
    activation: options.activation,
    logger,
  });
  const settings = new DiscoverySettingsService({
    repository: new DiscoveryRepository(options.dataSource),
    discovery,
    logger,
  });
  return { discovery, settings, scheduler: new DiscoveryScheduler({ settings, logger }) };
}

/**
 * Discovery for `quire-site printers discover`, on an open site database without the rest of the server: the
 * printer and queue services wired as the job core wires them, and the profile services.
 */
export async function buildDiscoveryCliServices(
  ctx: CommandContext,
  dataSource: DataSource,
): Promise<DiscoveryCliServices> {
  const printerRepository = new PrinterRepository(dataSource);
  const queues = new QueueService({
    queues: new QueueRepository(dataSource),
    logger: ctx.logger.child({ component: 'queues' }),
    unknownPrinters: async (ids, manager) => {
      const found = new Set((await printerRepository.findByIds(ids, manager)).map((printer) => printer.id));
      return ids.filter((id) => !found.has(id));
    },
  });
  const printers = new PrinterService({
    printers: printerRepository,
    logger: ctx.logger.child({ component: 'printers' }),
    onRemoved: (printerId, manager) => queues.dropPrinter(printerId, manager),
  });
  const profiles = createProfileServices(dataSource, ctx.logger);
  const { discovery } = buildDiscovery({
    dataSource,
    printers,
    queues,
    snmpProfiles: profiles.snmpProfiles,
    configProfiles: profiles.configProfiles,
    concurrency: ctx.config.printers.discoveryConcurrency,
    logger: ctx.logger,
  });
  return { discovery, snmpProfiles: profiles.snmpProfiles };
}
