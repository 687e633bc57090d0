/**
 * What the printer event tests share: a site database with the event tables (added to the job core's entities
 * and migrations until the site lists them itself), the event services composed as the site will compose them,
 * a printer row, and readings and observations to vary.
 */
import { createUnitWriter, newId, openDatabase, type UnitWriter } from '@quire/common';
import { type DataSource } from 'typeorm';
import { ReplicationOutbox } from '../src/federation/replication-outbox';
import { jobCoreEntities, jobCoreMigrations } from '../src/job-core';
import { PrinterEvents1763700930000 } from '../src/migrations/1763700930000-printer-events';
import {
  PrinterEventActionRepository,
  PrinterEventActionService,
  PrinterEventDefinitionRepository,
  PrinterEventDefinitionService,
  PrinterEventDispatcher,
  printerEventEntities,
  PrinterEventEvaluator,
  PrinterEventRepository,
  type EpisodeChange,
} from '../src/printers/events';
import {
  type PrinterObservation,
  type PrinterReading,
  type SupplyReading,
} from '../src/printers/monitoring/printer-reading';
import { PrinterEntity } from '../src/printers/printer.entity';
import { SiteSettings, siteSettingsEntities } from '../src/settings';

const extraEntities: unknown[] = [...printerEventEntities, ...siteSettingsEntities];

/** `base` followed by those of `extra` it lacks. */
function withExtra<T>(base: readonly T[], extra: readonly unknown[]): T[] {
  return [...base, ...extra.filter((item) => !(base as readonly unknown[]).includes(item))] as T[];
}

/** The site's entities with the event and settings ones (once each, whether or not the site lists them yet). */
export const eventEntities = withExtra(jobCoreEntities, extraEntities);

/** The site's migrations with the events one. */
export const eventMigrations = withExtra(jobCoreMigrations, [PrinterEvents1763700930000]);

/**
 * Open (and migrate) a site database with the event tables, and `extra` entities and migrations (another
 * capability's, such as monitoring, until the site lists them itself).
 */
export async function openEventsDatabase(
  url: string,
  extra: { entities?: readonly unknown[]; migrations?: readonly unknown[] } = {},
): Promise<DataSource> {
  const { dataSource } = await openDatabase({
    url,
    entities: withExtra(eventEntities, extra.entities ?? []),
    migrations: withExtra(eventMigrations, extra.migrations ?? []),
  });
  return dataSource;
}

/** The event services on one database, wired as the site wires them. */
export interface EventsHarness {
  dataSource: DataSource;
  writer: UnitWriter;
  outbox: ReplicationOutbox;
  episodes: PrinterEventRepository;
  definitions: PrinterEventDefinitionService;
  actions: PrinterEventActionService;
  settings: SiteSettings;
  dispatcher: PrinterEventDispatcher;
  evaluator: PrinterEventEvaluator;
  /** Every change the evaluator announced after a commit, in order. */
  announced: EpisodeChange[];
  /** Judge one observation in its own transaction, as the monitor's recorder does. */
  observe(
    printer: PrinterEntity,
    now: PrinterObservation,
    previous: PrinterObservation | null,
    lastReading?: PrinterReading | null,
  ): Promise<void>;
}

/** Compose the event services on `dataSource`. */
export function eventsHarness(
  dataSource: DataSource,
  options: { webhookTimeoutSeconds?: number; episodes?: PrinterEventRepository } = {},
): EventsHarness {
  const writer = createUnitWriter(dataSource);
  const outbox = new ReplicationOutbox({ dataSource, writer });
  const episodes = options.episodes ?? new PrinterEventRepository(dataSource);
  const definitionRepository = new PrinterEventDefinitionRepository(dataSource);
  const actionRepository = new PrinterEventActionRepository(dataSource);
  const definitions = new PrinterEventDefinitionService({
    dataSource,
    definitions: definitionRepository,
    episodes,
    actions: actionRepository,
    outbox,
  });
  const actions = new PrinterEventActionService({
    dataSource,
    actions: actionRepository,
    definitions: definitionRepository,
  });
  const settings = new SiteSettings(dataSource);
  const dispatcher = new PrinterEventDispatcher({
    actions,
    smtp: settings,
    webhookTimeoutSeconds: options.webhookTimeoutSeconds ?? 5,
  });
  const announced: EpisodeChange[] = [];
  const evaluator = new PrinterEventEvaluator({
    dataSource,
    definitions,
    episodes,
    outbox,
    onEpisodes: (changes) => {
      announced.push(...changes);
      dispatcher.dispatch(changes);
    },
  });
  return {
    dataSource,
    writer,
    outbox,
    episodes,
    definitions,
    actions,
    settings,
    dispatcher,
    evaluator,
    announced,
    observe: (printer, now, previous, lastReading) =>
      dataSource.transaction((manager) => evaluator.observe(printer, now, previous, manager, lastReading)),
  };
}

/** Insert a printer row. */
export async function insertPrinter(dataSource: DataSource, overrides: Partial<PrinterEntity> = {}) {
  const name = overrides.name ?? `printer-${newId().slice(-6)}`;
  const at = new Date();
  const printer = Object.assign(new PrinterEntity(), {
    id: newId(),
    name,
    nameKey: name.toLowerCase(),
    uri: 'socket://127.0.0.1:9100',
    location: 'Floor 2',
    group: null,
    enabled: true,
    pageCounter: 0,
    counterOffset: 0,
    configProfileId: null,
    snmpEnabled: true,
    snmpHost: null,
    model: 'HP LaserJet M507',
    serial: 'PHB1234567',
    mac: null,
    colorCapable: false,
    assetNumber: 'A-1',
    contact: 'Jane Doe <jane@example.org>',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  });
  await dataSource.getRepository(PrinterEntity).insert(printer);
  return printer;
}

/** A toner supply row. */
export function toner(index: string, colorant: string, levelPercent: number | null): SupplyReading {
  const description = `${colorant[0].toUpperCase()}${colorant.slice(1)} Toner`;
  return { index, description, type: 'toner', colorant, level: levelPercent ?? -3, max: 100, levelPercent };
}

/** A reading of a mono printer with a black toner at `blackPercent`; vary it with `overrides`. */
export function readingOf(blackPercent: number, overrides: Partial<PrinterReading> = {}): PrinterReading {
  return {
    sysDescr: 'HP LaserJet M507',
    sysName: 'lj-m507',
    sysLocation: 'Floor 2',
    sysContact: 'jane@example.org',
    model: 'HP LaserJet M507',
    mac: null,
    serial: 'PHB1234567',
    deviceStatus: 2,
    printerStatus: 3,
    errorState: [],
    counters: { total: 1000, mono: 1000, color: null },
    supplies: [toner('1.1', 'black', blackPercent)],
    trays: [],
    alerts: [],
    colorCapable: false,
    ...overrides,
  };
}

/** An observation of `printer` at `at` with `reading` (null: it did not answer). */
export function observationOf(
  printer: PrinterEntity,
  at: Date,
  reading: PrinterReading | null,
  extra: Partial<PrinterObservation> = {},
): PrinterObservation {
  return {
    printerId: printer.id,
    at,
    reading,
    status: reading ? 'idle' : 'offline',
    reasons: reading ? [] : ['offline'],
    error: reading ? null : 'timeout after 2 retries',
    ...extra,
  };
}
