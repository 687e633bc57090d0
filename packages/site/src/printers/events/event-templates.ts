/**
 * Event action templates: the subject and body of an event email, with MyQ's placeholders (`%PRN.NAME%`,
 * `%PRN.IP_ADDRESS%`, `%TONER_K.LEVEL%`, `%SUPPLY.INFO%`, ...) and the short ones (`%supply%`,
 * `%level%`). Placeholders match in any case; one the renderer does not know is left exactly as written, so a
 * typo shows in the mail instead of vanishing. A rendered subject is always one line: values come from devices
 * (supply descriptions, alert texts) and must not be able to add mail headers.
 */
import { parsePrinterUri } from '../../release/printer-uri';
import { type SupplyReading } from '../monitoring/printer-reading';
import { isTonerSupply, supplyColour } from './event-conditions';

/** The printer fields templates use. */
export interface TemplatePrinter {
  name: string;
  uri: string;
  snmpHost: string | null;
  serial: string | null;
  model: string;
  location: string;
  assetNumber: string;
  contact: string;
  group: string | null;
}

/** The episode fields templates use. */
export interface TemplateEpisode {
  eventName: string;
  type: string;
  subject: string;
  message: string;
  openedAt: Date;
  closedAt: Date | null;
  details: Record<string, unknown>;
}

/** Everything a template can show. */
export interface TemplateContext {
  printer: TemplatePrinter;
  episode: TemplateEpisode;
  /** The printer's supplies as last read (empty when unknown). */
  supplies: readonly SupplyReading[];
}

const PLACEHOLDER = /%([A-Za-z][A-Za-z0-9_.]*)%/g;
const COLOUR_LETTERS = { K: 'black', C: 'cyan', M: 'magenta', Y: 'yellow' } as const;

/** A time as `2025-01-31 12:00:00 UTC`; '' for none. */
export function templateTime(at: Date | null): string {
  return at ? `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC` : '';
}

/** The printer's address: the host of its URI, else its SNMP host. */
export function printerAddress(printer: Pick<TemplatePrinter, 'uri' | 'snmpHost'>): string {
  try {
    return parsePrinterUri(printer.uri).host;
  } catch {
    return printer.snmpHost ?? '';
  }
}

function percent(level: unknown): string {
  return typeof level === 'number' ? `${level}%` : 'unknown';
}

function tonerLevel(supplies: readonly SupplyReading[], colour: string): string {
  const supply = supplies.find((s) => isTonerSupply(s) && supplyColour(s) === colour);
  return supply ? percent(supply.levelPercent) : '';
}

/** Every toner with its level, `;`-separated: `Black Toner 7%; Cyan Toner 54%`. */
function supplyInfo(supplies: readonly SupplyReading[]): string {
  return supplies
    .filter(isTonerSupply)
    .map((s) => `${s.description.trim() || supplyColour(s) || s.index} ${percent(s.levelPercent)}`)
    .join('; ');
}

/** The value of every known placeholder, by upper-case name. */
export function templateValues(context: TemplateContext): Map<string, string> {
  const { printer, episode, supplies } = context;
  const supply = typeof episode.details.supply === 'string' ? episode.details.supply : '';
  const level = 'levelPercent' in episode.details ? percent(episode.details.levelPercent) : '';
  const values = new Map<string, string>([
    ['PRN.NAME', printer.name],
    ['PRN.IP', printerAddress(printer)],
    ['PRN.IP_ADDRESS', printerAddress(printer)],
    ['PRN.SERIAL', printer.serial ?? ''],
    ['PRN.SERIAL_NUMBER', printer.serial ?? ''],
    ['PRN.MODEL', printer.model],
    ['PRN.LOCATION', printer.location],
    ['PRN.ASSET_NO', printer.assetNumber],
    ['PRN.CONTACT', printer.contact],
    ['PRN.GROUP', printer.group ?? ''],
    ['EVENT.NAME', episode.eventName],
    ['EVENT.TYPE', episode.type],
    ['EVENT.SUBJECT', episode.subject],
    ['EVENT.MESSAGE', episode.message],
    ['EVENT.OPENED', templateTime(episode.openedAt)],
    ['EVENT.CLOSED', templateTime(episode.closedAt)],
    ['EVENT.STATE', episode.closedAt ? 'resolved' : 'open'],
    ['EVENT.TONER.INFO', supply],
    ['EVENT.TONER.LEVEL', level],
    ['SUPPLY', supply],
    ['LEVEL', level],
    ['SUPPLY.INFO', supplyInfo(supplies)],
  ]);
  for (const [letter, colour] of Object.entries(COLOUR_LETTERS)) {
    values.set(`TONER_${letter}.LEVEL`, tonerLevel(supplies, colour));
  }
  return values;
}

/** Replace every known placeholder of `template` (in any case); unknown ones stay as written. */
export function renderTemplate(template: string, values: ReadonlyMap<string, string>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => values.get(name.toUpperCase()) ?? whole);
}

/** Render a mail subject: one line, whatever the template or the values hold. */
export function renderSubject(template: string, values: ReadonlyMap<string, string>): string {
  return renderTemplate(template, values)
    .replace(/[\r\n]+/g, ' ')
    .trim();
}
