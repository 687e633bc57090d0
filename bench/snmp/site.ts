/**
 * The Quire side of `bench/snmp`: a site database on SQLite in the scratch directory (as `npm start` keeps it),
 * holding one printer per simulated agent, each with an SNMP profile of its own (v2c, its community, the
 * simulator's port, the default timeout and retries) through a configuration profile of its own, all created
 * through the real services; and PrinterMonitors on it as the site composes them: the real SNMP probe (profile
 * resolution, then readPrinter), deriveStatus, the observation recorder and its SQLite writes, the monitor's
 * metrics in a registry, and an info-level log to a file.
 *
 * The profile and monitoring tables are added to the job core's entities and migrations here when the site does
 * not list them yet (the same way packages/site/test/printers-monitor-fixtures.ts does).
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { type DataSource } from 'typeorm';
import { configSchema, createLogger, openDatabase, Registry } from '@quire/common';
import { jobCoreEntities, jobCoreMigrations } from '@quire/site/dist/src/job-core';
import { SnmpProfiles1763700910000 } from '@quire/site/dist/src/migrations/1763700910000-snmp-profiles';
import { PrinterStatus1763700920000 } from '@quire/site/dist/src/migrations/1763700920000-printer-status';
import { PrinterRepository } from '@quire/site/dist/src/printers/printer.repository';
import { PrinterService } from '@quire/site/dist/src/printers/printer.service';
import { PrinterMonitor, printerMonitoringEntities } from '@quire/site/dist/src/printers/monitoring';
import { createProfileServices, profileEntities } from '@quire/site/dist/src/printers/profiles';
import { snmpPrinterProbe } from '@quire/site/dist/src/printers/snmp-printer-probe';
import { deriveStatus } from '@quire/site/dist/src/printers/snmp/printer-status';
import { communityOf, SIM_ADDRESS } from './sim-protocol';

type ProfileServices = ReturnType<typeof createProfileServices>;

/** The site's settings the monitor takes, at their defaults (packages/common/src/config/schema.ts). */
export const PRINTER_DEFAULTS = {
  intervalSeconds: configSchema.printers.pollIntervalSeconds.defaultValue as number,
  concurrency: configSchema.printers.pollConcurrency.defaultValue as number,
  counterSnapshotMinutes: configSchema.printers.counterSnapshotMinutes.defaultValue as number,
};

/** The site database with its printers, and how to build monitors on it. */
export interface BenchSite {
  dataSource: DataSource;
  printers: PrinterService;
  /** A monitor as the site would run it, with its own metrics registry. */
  monitor(options: { intervalSeconds: number; concurrency: number }): {
    monitor: PrinterMonitor;
    metrics: Registry;
  };
  close(): Promise<void>;
}

function withMissing<T>(list: readonly T[], extra: readonly T[]): T[] {
  return [...list, ...extra.filter((item) => !list.includes(item))];
}

async function openSiteDatabase(file: string): Promise<DataSource> {
  const { dataSource } = await openDatabase({
    url: `sqlite:${file}`,
    entities: withMissing<unknown>(jobCoreEntities, [
      ...profileEntities,
      ...printerMonitoringEntities,
    ]) as typeof jobCoreEntities,
    migrations: withMissing<unknown>(jobCoreMigrations, [
      SnmpProfiles1763700910000,
      PrinterStatus1763700920000,
    ]) as typeof jobCoreMigrations,
  });
  return dataSource;
}

/**
 * Create `count` printers, each with its own SNMP and configuration profile, in one transaction (as a CSV import
 * would: 3 × 600 separate commits would only measure fsync).
 */
async function createFleet(
  dataSource: DataSource,
  services: { printers: PrinterService } & ProfileServices,
  count: number,
  port: number,
): Promise<void> {
  const { printers, snmpProfiles, configProfiles } = services;
  await dataSource.transaction(async (manager) => {
    for (let index = 1; index <= count; index++) {
      const community = communityOf(index);
      const snmpProfile = await snmpProfiles.create(
        { name: `snmp-${community}`, version: '2c', community, port },
        manager,
      );
      const configProfile = await configProfiles.create(
        { name: `config-${community}`, snmpProfileId: snmpProfile.id },
        manager,
      );
      await printers.create(
        {
          name: `printer-${community}`,
          uri: `socket://${SIM_ADDRESS}:9100`,
          snmpHost: SIM_ADDRESS,
          configProfileId: configProfile.id,
        },
        manager,
      );
    }
  });
}

/** Open the site database under `scratch` and create the fleet of `count` printers polled on `port`. */
export async function openBenchSite(scratch: string, count: number, port: number): Promise<BenchSite> {
  const logStream = createWriteStream(path.join(scratch, 'site.log'));
  const logger = createLogger({ stream: logStream, level: 'info' });
  const dataSource = await openSiteDatabase(path.join(scratch, 'site.db'));
  try {
    const printers = new PrinterService({ printers: new PrinterRepository(dataSource), logger });
    const profiles = createProfileServices(dataSource, logger);
    printers.checkConfigProfilesWith((id, manager) => profiles.configProfiles.get(id, manager));
    await createFleet(dataSource, { printers, ...profiles }, count, port);
    const probe = snmpPrinterProbe(profiles.snmpProfiles);
    return {
      dataSource,
      printers,
      monitor({ intervalSeconds, concurrency }) {
        const metrics = new Registry();
        const monitor = new PrinterMonitor({
          dataSource,
          printers,
          probe,
          derive: (reading) => deriveStatus(reading),
          observers: [],
          outbox: null,
          intervalSeconds,
          concurrency,
          counterSnapshotMinutes: PRINTER_DEFAULTS.counterSnapshotMinutes,
          logger: logger.child({ component: 'printer-monitor' }),
          metrics,
        });
        return { monitor, metrics };
      },
      async close() {
        await dataSource.destroy();
        await new Promise<void>((resolve) => logStream.end(resolve));
      },
    };
  } catch (err) {
    await dataSource.destroy();
    logStream.end();
    throw err;
  }
}
