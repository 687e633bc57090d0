/**
 * Which subjects of a printer are in an event's condition now, judged from one observation. Pure: the evaluator
 * turns the answer into episodes that open and close, and tests feed it hand-made observations.
 *
 * Two rules keep episodes honest:
 * - No reading is not a resolution. While a printer does not answer, only the `offline` event is judged; every
 *   other episode stays as it was, since nobody knows whether the jam was cleared.
 * - An episode closes only when the reading says its condition is over (`settles`): a toner whose level turns
 *   "unknown" or that disappears from the table keeps its episode open until a level is read again.
 */
import {
  type AlertReading,
  type PrinterObservation,
  type SupplyReading,
} from '../monitoring/printer-reading';
import { type DefinitionSpec, type SnmpAlertParams, type TonerScope } from './event-definition-input';

/** The episode text of a subject whose condition holds. */
export interface ActiveCondition {
  message: string;
  details: Record<string, unknown>;
}

/** The condition's state on one printer. */
export interface ConditionState {
  /** Subjects in the condition now ('' for printer-wide conditions), with their episode text. */
  active: Map<string, ActiveCondition>;
  /** Whether an open episode of `subject` that is not active any more is over (false: the reading cannot tell). */
  settles(subject: string): boolean;
}

/** The definitions judged state by state (milestones are judged from two counters, see counter-milestones.ts). */
export type StateSpec = Exclude<DefinitionSpec, { type: 'counter-milestone' }>;

/** Supply types that put colorant on paper; `other`/`unknown` count too when they carry a colorant. */
const MARKER_SUPPLY_TYPES = new Set([
  'toner',
  'tonerCartridge',
  'ink',
  'inkCartridge',
  'inkRibbon',
  'solidWax',
  'ribbonWax',
]);

/** Printer-wide conditions read from the status reasons and hrPrinterDetectedErrorState bits. */
const FLAG_CONDITIONS = {
  'out-of-paper': {
    reason: 'out-of-paper',
    bit: 'noPaper',
    label: 'Out of paper',
    alert: /mediaSupplyEmpty/i,
  },
  'paper-jam': { reason: 'jam', bit: 'jammed', label: 'Paper jam', alert: /jam/i },
  'cover-open': {
    reason: 'cover-open',
    bit: 'doorOpen',
    label: 'Cover open',
    alert: /coverOpen|interlockOpen/i,
  },
  'service-requested': {
    reason: 'service-requested',
    bit: 'serviceRequested',
    label: 'Service requested',
    alert: /serviceRequested|overdue/i,
  },
} as const;

const COLOURS = ['black', 'cyan', 'magenta', 'yellow'] as const;

const NOTHING_ACTIVE = (settled: boolean): ConditionState => ({ active: new Map(), settles: () => settled });

/** Whether `supply` is a toner (or ink) cartridge rather than a drum, fuser or waste container. */
export function isTonerSupply(supply: SupplyReading): boolean {
  if (MARKER_SUPPLY_TYPES.has(supply.type)) return true;
  return (supply.type === 'other' || supply.type === 'unknown') && supply.colorant !== null;
}

/** The supply's colour: its colorant, else a colour named in its description, else null. */
export function supplyColour(supply: SupplyReading): string | null {
  if (supply.colorant) return supply.colorant.toLowerCase();
  const description = supply.description.toLowerCase();
  return COLOURS.find((colour) => description.includes(colour)) ?? null;
}

function inScope(supply: SupplyReading, scope: TonerScope): boolean {
  const colour = supplyColour(supply);
  if (scope === 'any') return true;
  if (scope === 'color') return colour !== null && colour !== 'black';
  return colour === scope;
}

function supplyLabel(supply: SupplyReading): string {
  if (supply.description.trim() !== '') return supply.description.trim();
  const colour = supplyColour(supply);
  return colour ? `${colour[0].toUpperCase()}${colour.slice(1)} toner` : `Supply ${supply.index}`;
}

function supplyDetails(supply: SupplyReading): Record<string, unknown> {
  return {
    supplyIndex: supply.index,
    supply: supplyLabel(supply),
    colorant: supplyColour(supply),
    levelPercent: supply.levelPercent,
  };
}

/** A supply-indexed subject settles once its supply is read with a level again. */
function supplySettles(supplies: readonly SupplyReading[]) {
  const known = new Set(supplies.filter((s) => s.levelPercent !== null).map((s) => s.index));
  return (subject: string) => subject === '' || known.has(subject);
}

function tonerLow(supplies: readonly SupplyReading[], threshold: number, scope: TonerScope): ConditionState {
  const active = new Map<string, ActiveCondition>();
  for (const supply of supplies) {
    if (!isTonerSupply(supply) || !inScope(supply, scope) || supply.levelPercent === null) continue;
    if (supply.levelPercent >= threshold) continue;
    active.set(supply.index, {
      message: `${supplyLabel(supply)} at ${supply.levelPercent}% (below ${threshold}%)`,
      details: { ...supplyDetails(supply), thresholdPercent: threshold },
    });
  }
  return { active, settles: supplySettles(supplies) };
}

/** Each toner read at 0%; or, when the device reports "no toner" without a level at 0, the printer as a whole. */
function tonerEmpty(observation: PrinterObservation, supplies: readonly SupplyReading[]): ConditionState {
  const active = new Map<string, ActiveCondition>();
  for (const supply of supplies) {
    if (!isTonerSupply(supply) || supply.levelPercent !== 0) continue;
    active.set(supply.index, { message: `${supplyLabel(supply)} is empty`, details: supplyDetails(supply) });
  }
  const flagged =
    observation.reasons.includes('toner-empty') ||
    (observation.reading?.errorState ?? []).includes('noToner');
  if (flagged && active.size === 0) {
    active.set('', { message: 'Toner empty', details: { source: 'printer status' } });
  }
  return { active, settles: supplySettles(supplies) };
}

function flagCondition(type: keyof typeof FLAG_CONDITIONS, observation: PrinterObservation): ConditionState {
  const flag = FLAG_CONDITIONS[type];
  const reading = observation.reading!;
  const on = observation.reasons.includes(flag.reason) || reading.errorState.includes(flag.bit);
  if (!on) return NOTHING_ACTIVE(true);
  const alert = reading.alerts.find((a) => flag.alert.test(a.codeName) && a.description.trim() !== '');
  const message = alert ? `${flag.label}: ${alert.description.trim()}` : flag.label;
  return {
    active: new Map([['', { message, details: alert ? { alert: alertDetails(alert) } : {} }]]),
    settles: () => true,
  };
}

function alertDetails(alert: AlertReading): Record<string, unknown> {
  return {
    code: alert.code,
    codeName: alert.codeName,
    severity: alert.severity,
    trainingLevel: alert.trainingLevel,
    group: alert.group,
    groupIndex: alert.groupIndex,
    location: alert.location,
    description: alert.description,
  };
}

/** True when any SNMP-alert filter is set; an event with none never opens. */
export function hasAlertFilter(params: SnmpAlertParams): boolean {
  return Object.values(params).some((value) => value !== undefined);
}

/** Whether one alert row passes every filter that is set. */
export function alertMatches(alert: AlertReading, params: SnmpAlertParams, model: string): boolean {
  if (params.codeFrom !== undefined && alert.code < params.codeFrom) return false;
  if (params.codeTo !== undefined && alert.code > params.codeTo) return false;
  if (params.severity !== undefined && alert.severity.toLowerCase() !== params.severity.toLowerCase()) {
    return false;
  }
  if (params.trainingLevel !== undefined && alert.trainingLevel !== params.trainingLevel) return false;
  if (params.group !== undefined && alert.group !== params.group) return false;
  if (params.groupIndex !== undefined && alert.groupIndex !== params.groupIndex) return false;
  if (params.model !== undefined && !model.toLowerCase().includes(params.model.toLowerCase())) return false;
  return true;
}

function snmpAlerts(alerts: readonly AlertReading[], params: SnmpAlertParams, model: string): ConditionState {
  if (!hasAlertFilter(params)) return NOTHING_ACTIVE(true);
  const active = new Map<string, ActiveCondition>();
  for (const alert of alerts) {
    if (!alertMatches(alert, params, model)) continue;
    const text = alert.description.trim() || alert.codeName;
    active.set(`${alert.code}:${alert.group}.${alert.groupIndex}`, {
      message: `${text} (alert ${alert.code}, ${alert.severity})`,
      details: { alert: alertDetails(alert) },
    });
  }
  return { active, settles: () => true };
}

/**
 * The condition of `spec` on a printer whose model is `model`, as `observation` shows it; null when the
 * observation cannot tell (no reading), in which case every episode of the event stays as it is.
 */
export function evaluateCondition(
  spec: StateSpec,
  model: string,
  observation: PrinterObservation,
): ConditionState | null {
  if (spec.type === 'offline') {
    if (observation.status !== 'offline') return NOTHING_ACTIVE(true);
    const message = `Not answering${observation.error ? `: ${observation.error}` : ''}`;
    return {
      active: new Map([['', { message, details: { error: observation.error } }]]),
      settles: () => true,
    };
  }
  const reading = observation.reading;
  if (reading === null || observation.status === 'offline') return null;
  switch (spec.type) {
    case 'toner-low':
      return tonerLow(reading.supplies, spec.params.thresholdPercent, spec.params.colorant);
    case 'toner-empty':
      return tonerEmpty(observation, reading.supplies);
    case 'snmp-alert':
      return snmpAlerts(reading.alerts, spec.params, reading.model || model);
    default:
      return flagCondition(spec.type, observation);
  }
}
