/**
 * Composition of the site's printer management beyond the registry: SNMP and configuration profiles, the
 * monitor that polls every printer, printer events with their email and webhook actions, discovery (run now or
 * on a schedule), the printer CSV, and the site's SMTP settings. server.ts builds it once, mounts its routers,
 * starts it after the listeners and stops it before the job core and the database.
 *
 * Order matters at both ends: the monitor stops first (no new observations), then the event dispatcher delivers
 * what was already committed, then discovery and its scheduler.
 */
import { type Router } from 'express';
import { type Registry } from 'prom-client';
import { type DataSource } from 'typeorm';
import { type AuditService, type AuthService, type Logger, type QuireConfig } from '@quire/common';
import { type ReplicationOutbox } from '../federation/replication-outbox';
import { type QueueService } from '../queues';
import { siteNotificationsRouter, SiteSettings } from '../settings';
import { printerCsvRouter, type PrinterStatusSource } from './csv';
import { buildDiscovery, discoveryRouter } from './discovery';
import {
  eventActionsRouter,
  PrinterEventActionRepository,
  PrinterEventActionService,
  PrinterEventDefinitionRepository,
  PrinterEventDefinitionService,
  PrinterEventDispatcher,
  PrinterEventEvaluator,
  PrinterEventRepository,
  printerEventDefinitionsRouter,
  printerEventsRouter,
} from './events';
import { PrinterMonitor } from './monitoring';
import { type PrinterService } from './printer.service';
import { printersRouter } from './printers.routes';
import { configProfilesRouter, createProfileServices, snmpProfilesRouter } from './profiles';
import { snmpPrinterProbe } from './snmp-printer-probe';
import { deriveStatus } from './snmp/printer-status';

/** What the printer subsystem is built on. */
export interface PrinterSubsystemOptions {
  config: QuireConfig;
  logger: Logger;
  dataSource: DataSource;
  auth: AuthService;
  audit: AuditService;
  metrics: Registry;
  printers: PrinterService;
  queues: QueueService;
  /** Where counter snapshots and event episodes go up to central; null on a standalone site. */
  outbox: ReplicationOutbox | null;
}

/** The built subsystem: its routers, in mounting order, and its lifecycle. */
export interface PrinterSubsystem {
  routers: Router[];
  monitor: PrinterMonitor;
  /** Start polling and the discovery schedule. */
  start(): Promise<void>;
  /** Stop polling, deliver pending notifications, stop discovery. */
  stop(): Promise<void>;
}

function buildEvents(options: PrinterSubsystemOptions, settings: SiteSettings) {
  const { dataSource, outbox, config } = options;
  const logger = options.logger.child({ component: 'printer-events' });
  const episodes = new PrinterEventRepository(dataSource);
  const definitionRows = new PrinterEventDefinitionRepository(dataSource);
  const actionRows = new PrinterEventActionRepository(dataSource);
  const definitions = new PrinterEventDefinitionService({
    dataSource,
    definitions: definitionRows,
    episodes,
    actions: actionRows,
    outbox,
  });
  const actions = new PrinterEventActionService({
    dataSource,
    actions: actionRows,
    definitions: definitionRows,
  });
  const dispatcher = new PrinterEventDispatcher({
    actions,
    smtp: settings,
    webhookTimeoutSeconds: config.printers.webhookTimeoutSeconds,
    logger,
  });
  const evaluator = new PrinterEventEvaluator({
    dataSource,
    definitions,
    episodes,
    outbox,
    onEpisodes: dispatcher.dispatch,
    logger,
  });
  options.printers.onRemoval((printerId, manager) => evaluator.printerRemoved(printerId, manager));
  return { episodes, definitions, actions, dispatcher, evaluator };
}

/**
 * The CSV export's view of printer state: the latest observation, with the last reading the printer answered
 * with when it is offline now, so that an export taken while a printer is off still has its counters and toner.
 */
function lastKnownState(monitor: PrinterMonitor): PrinterStatusSource {
  return {
    async current(printerIds) {
      const states = await monitor.states(printerIds);
      return new Map(
        [...states].map(([id, state]) => [
          id,
          { ...state.observation, reading: state.observation.reading ?? state.lastReading },
        ]),
      );
    },
  };
}

/** Build the printer subsystem on the site's services; nothing runs until `start()`. */
export function buildPrinterSubsystem(options: PrinterSubsystemOptions): PrinterSubsystem {
  const { config, logger, dataSource, auth, audit, printers } = options;
  const profiles = createProfileServices(dataSource, logger);
  printers.checkConfigProfilesWith((id, manager) => profiles.configProfiles.get(id, manager));
  const settings = new SiteSettings(dataSource);
  const events = buildEvents(options, settings);
  const monitor = new PrinterMonitor({
    dataSource,
    printers,
    probe: snmpPrinterProbe(profiles.snmpProfiles),
    derive: deriveStatus,
    observers: [events.evaluator],
    outbox: options.outbox,
    intervalSeconds: config.printers.pollIntervalSeconds,
    concurrency: config.printers.pollConcurrency,
    counterSnapshotMinutes: config.printers.counterSnapshotMinutes,
    logger: logger.child({ component: 'printer-monitor' }),
    metrics: options.metrics,
  });
  const discovery = buildDiscovery({
    dataSource,
    printers,
    queues: options.queues,
    snmpProfiles: profiles.snmpProfiles,
    configProfiles: profiles.configProfiles,
    concurrency: config.printers.discoveryConcurrency,
    audit,
    logger,
  });
  const routers = [
    // Before printersRouter, whose `/api/v1/printers/:id` would take `export.csv` for an id.
    printerCsvRouter({ printers, statusSource: lastKnownState(monitor), auth, dataSource }),
    printersRouter({ printers, auth, dataSource, monitor }),
    snmpProfilesRouter({ snmpProfiles: profiles.snmpProfiles, auth, dataSource }),
    configProfilesRouter({ configProfiles: profiles.configProfiles, auth, dataSource }),
    printerEventDefinitionsRouter({ definitions: events.definitions, auth, dataSource }),
    eventActionsRouter({
      actions: events.actions,
      dispatcher: events.dispatcher,
      printers,
      auth,
      dataSource,
    }),
    printerEventsRouter({ episodes: events.episodes, auth }),
    siteNotificationsRouter({ settings, auth, dataSource, logger }),
    discoveryRouter({
      discovery: discovery.discovery,
      settings: discovery.settings,
      auth,
      audit,
      dataSource,
    }),
  ];
  return {
    routers,
    monitor,
    async start() {
      monitor.start();
      await discovery.scheduler.start();
    },
    async stop() {
      await monitor.stop();
      await events.dispatcher.close();
      await discovery.discovery.close();
      await discovery.scheduler.stop();
    },
  };
}
