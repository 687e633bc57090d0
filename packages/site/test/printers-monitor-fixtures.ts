/**
 * What the printer monitor tests share: a site database with the monitoring tables (added to the job core's
 * entities and migrations until the site lists them itself), a probe that answers as each test tells it, a
 * small status rule, printer readings to vary, and a log that keeps its lines.
 */
import { Writable } from 'node:stream';
import {
  commonEntities,
  commonMigrations,
  createLogger,
  ErrorCode,
  openDatabase,
  QuireError,
  type Logger,
} from '@quire/common';
import { type DataSource } from 'typeorm';
import { siteEntities } from '../src/job-core';
import { siteMigrations } from '../src/migrations';
import { PrinterStatus1763700920000 } from '../src/migrations/1763700920000-printer-status';
import {
  printerMonitoringEntities,
  type PrinterProbe,
  type PrinterReading,
  type StatusDeriver,
} from '../src/printers/monitoring';
import { type PrinterEntity } from '../src/printers/printer.entity';

function missingFrom(list: readonly unknown[], extra: readonly unknown[]) {
  return extra.filter((item) => !list.includes(item));
}

/** The site's own entities with the monitoring ones (for openServerCore, which adds the common ones). */
export const siteMonitorEntities = [
  ...siteEntities,
  ...missingFrom(siteEntities, printerMonitoringEntities),
] as typeof siteEntities;

/** The site's own migrations with the monitoring one. */
export const siteMonitorMigrations = [
  ...siteMigrations,
  ...missingFrom(siteMigrations, [PrinterStatus1763700920000]),
] as typeof siteMigrations;

/** Open (and migrate) a site database with the monitoring tables. */
export async function openMonitorDatabase(url: string): Promise<DataSource> {
  const { dataSource } = await openDatabase({
    url,
    entities: [...commonEntities, ...siteMonitorEntities],
    migrations: [...commonMigrations, ...siteMonitorMigrations],
  });
  return dataSource;
}

/** A reading of a mono printer with one black toner and one tray; vary it with `overrides`. */
export function readingOf(overrides: Partial<PrinterReading> = {}): PrinterReading {
  return {
    sysDescr: 'HP LaserJet M507',
    sysName: 'lj-m507',
    sysLocation: 'Floor 2',
    sysContact: 'it@example.org',
    model: 'HP LaserJet M507',
    mac: 'aa:bb:cc:00:00:01',
    serial: 'PHB1234567',
    deviceStatus: 2,
    printerStatus: 3,
    errorState: [],
    counters: { total: 1000, mono: null, color: null },
    supplies: [
      {
        index: '1.1',
        description: 'Black Cartridge HP 89A',
        type: 'toner',
        colorant: 'black',
        level: 40,
        max: 100,
        levelPercent: 40,
      },
    ],
    trays: [
      { index: '1.2', name: 'Tray 2', media: 'iso_a4_210x297mm', level: 250, max: 500, levelPercent: 50 },
    ],
    alerts: [],
    colorCapable: false,
    ...overrides,
  };
}

/** The same reading with the black toner at `percent`. */
export function withToner(reading: PrinterReading, percent: number): PrinterReading {
  return {
    ...reading,
    supplies: reading.supplies.map((supply) => ({ ...supply, level: percent, levelPercent: percent })),
  };
}

/** What a fake probe answers for a printer: a reading, "not monitored" (null), or an error. */
export type ProbeAnswer = PrinterReading | null | Error;

/** A probe that answers from a table; printers not in it time out. Counts reads and the most at once. */
export class FakeProbe implements PrinterProbe {
  readonly answers = new Map<string, ProbeAnswer>();
  readonly reads: string[] = [];
  delayMs = 0;
  maxInFlight = 0;
  private inFlight = 0;

  async read(printer: PrinterEntity): Promise<PrinterReading | null> {
    this.reads.push(printer.id);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const answer = this.answers.get(printer.id);
      if (answer === undefined) {
        throw new QuireError(ErrorCode.SnmpTimeout, `No answer from ${printer.name} after 1 retry`);
      }
      if (answer instanceof Error) throw answer;
      return answer === null ? null : structuredClone(answer);
    } finally {
      this.inFlight -= 1;
    }
  }
}

/** A small status rule: toner below 10% is a warning, hrPrinterStatus 4 is printing, anything else idle. */
export const deriveForTests: StatusDeriver = (reading) => {
  if (reading.supplies.some((supply) => supply.levelPercent !== null && supply.levelPercent < 10)) {
    return { status: 'warning', reasons: ['toner-low'] };
  }
  return { status: reading.printerStatus === 4 ? 'printing' : 'idle', reasons: [] };
};

/** A logger that keeps every line it writes, parsed. */
export function recordingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger({ stream, level: 'debug' }), lines };
}
