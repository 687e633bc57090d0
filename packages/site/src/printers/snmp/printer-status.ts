/**
 * The state of a printer, derived from one reading. Pure: the same reading always gives the same status and
 * the same reasons, in the same order, so the event evaluator can compare polls.
 *
 * Devices report trouble in three places, and many fill only one of them, so all three are read:
 *
 *   hrPrinterDetectedErrorState bit   reason
 *   jammed                            jam
 *   noPaper                           out-of-paper
 *   lowPaper, inputTrayEmpty          low-paper           (inputTrayEmpty: one tray is empty, others may not be)
 *   noToner                           toner-empty
 *   lowToner                          toner-low
 *   doorOpen                          cover-open
 *   serviceRequested                  service-requested
 *   offline                           offline
 *   inputTrayMissing                  input-tray-missing
 *   outputTrayMissing                 output-tray-missing
 *   markerSupplyMissing               marker-supply-missing
 *   outputNearFull / outputFull       output-near-full / output-full
 *   overduePreventMaint               overdue-maintenance
 *
 *   supply (prtMarkerSuppliesTable)   reason
 *   colorant consumable at 0 %        toner-empty         (toner, ink, ribbon, wax: what prints the page)
 *   colorant consumable below 10 %    toner-low           (the threshold is an option)
 *   any other supply at 0 %           overdue-maintenance (drum, fuser, waste box: a part to replace)
 *   level unknown or "some left"      nothing
 *
 *   prtAlertTable code (group)        reason
 *   coverOpen 3, interlockOpen 5,     cover-open
 *     doorOpen 501
 *   jam 8                             jam
 *   808 inputMediaSupplyEmpty,        out-of-paper when the alert is critical (printing stopped), else low-paper
 *     13 subunitEmpty (input)
 *   807, 12 subunitAlmostEmpty (input) low-paper
 *   801, 9 subunitMissing (input)     input-tray-missing
 *   901, 1301, 9 (output)             output-tray-missing
 *   902, 1302, 14 (output)            output-near-full
 *   903, 1303, 15 (output)            output-full
 *   1101-1103, 1114, 13 (supplies)    toner-empty
 *   1104-1106, 1113, 12 (supplies)    toner-low
 *   1115, 9 (supplies)                marker-supply-missing
 *   1107, 1108, 1111, 10 (supplies)   overdue-maintenance
 *   1109, 1110, 1112, 11 (supplies),  service-requested
 *     30, 32, 33 (any group)
 *   any other critical alert          service-requested   (the device stopped and says so, but not why)
 *
 * Each reason has one level: jam, out-of-paper, toner-empty, cover-open, service-requested, offline,
 * marker-supply-missing and output-full stop the device (error); the others are warnings. The status is then
 * `error` if any error reason (or hrDeviceStatus is down(5); with no reason found, `service-requested` says a
 * person must look), else `warning` if any warning reason (or hrDeviceStatus is warning(3)), else `printing`
 * when hrPrinterStatus is printing(4), else `idle`. `offline` (no answer) and `not monitored` are decided by the
 * monitor, which has no reading for them.
 */
import {
  type AlertReading,
  type PrinterReading,
  type PrinterStatus,
  type PrinterStatusReason,
  type SupplyReading,
} from '../monitoring/printer-reading';
import { ALERT_GROUP } from './printer-mib-names';
import { HR_DEVICE_STATUS, HR_PRINTER_STATUS } from './printer-mib';

/** Reasons by level, in the order reasons are reported. */
const ERROR_REASONS: readonly PrinterStatusReason[] = [
  'jam',
  'out-of-paper',
  'toner-empty',
  'cover-open',
  'marker-supply-missing',
  'output-full',
  'service-requested',
  'offline',
];
const WARNING_REASONS: readonly PrinterStatusReason[] = [
  'toner-low',
  'low-paper',
  'input-tray-missing',
  'output-tray-missing',
  'output-near-full',
  'overdue-maintenance',
];
const REASON_ORDER = [...ERROR_REASONS, ...WARNING_REASONS];

const ERROR_STATE_REASONS: Readonly<Record<string, PrinterStatusReason>> = {
  jammed: 'jam',
  noPaper: 'out-of-paper',
  lowPaper: 'low-paper',
  inputTrayEmpty: 'low-paper',
  noToner: 'toner-empty',
  lowToner: 'toner-low',
  doorOpen: 'cover-open',
  serviceRequested: 'service-requested',
  offline: 'offline',
  inputTrayMissing: 'input-tray-missing',
  outputTrayMissing: 'output-tray-missing',
  markerSupplyMissing: 'marker-supply-missing',
  outputNearFull: 'output-near-full',
  outputFull: 'output-full',
  overduePreventMaint: 'overdue-maintenance',
};

/** Supplies whose level is what prints the page; the rest are parts and receptacles. */
const COLORANT_SUPPLY_TYPES = new Set([
  'toner',
  'tonerCartridge',
  'ink',
  'inkCartridge',
  'inkRibbon',
  'solidWax',
  'ribbonWax',
  'matteToner',
  'matteInk',
]);

/** Alert codes that mean the same whatever group raised them. */
const CODE_REASONS: Readonly<Record<number, PrinterStatusReason>> = {
  3: 'cover-open',
  5: 'cover-open',
  501: 'cover-open',
  8: 'jam',
  30: 'service-requested',
  32: 'service-requested',
  33: 'service-requested',
  801: 'input-tray-missing',
  807: 'low-paper',
  808: 'out-of-paper',
  901: 'output-tray-missing',
  902: 'output-near-full',
  903: 'output-full',
  1101: 'toner-empty',
  1102: 'toner-empty',
  1103: 'toner-empty',
  1114: 'toner-empty',
  1104: 'toner-low',
  1105: 'toner-low',
  1106: 'toner-low',
  1113: 'toner-low',
  1107: 'overdue-maintenance',
  1108: 'overdue-maintenance',
  1111: 'overdue-maintenance',
  1109: 'service-requested',
  1110: 'service-requested',
  1112: 'service-requested',
  1115: 'marker-supply-missing',
  1301: 'output-tray-missing',
  1302: 'output-near-full',
  1303: 'output-full',
};

/** The generic sub-unit codes (9-15), which mean something only with their group. */
const GROUP_CODE_REASONS: Readonly<Record<number, Readonly<Record<number, PrinterStatusReason>>>> = {
  [ALERT_GROUP.input]: { 9: 'input-tray-missing', 12: 'low-paper', 13: 'out-of-paper' },
  [ALERT_GROUP.output]: { 9: 'output-tray-missing', 14: 'output-near-full', 15: 'output-full' },
  [ALERT_GROUP.mediaPath]: { 9: 'output-tray-missing', 14: 'output-near-full', 15: 'output-full' },
  [ALERT_GROUP.markerSupplies]: {
    9: 'marker-supply-missing',
    10: 'overdue-maintenance',
    11: 'service-requested',
    12: 'toner-low',
    13: 'toner-empty',
  },
};

/** Options of the derivation. */
export interface StatusOptions {
  /** A colorant supply below this percentage is `toner-low`; default 10. */
  tonerLowPercent?: number;
}

/** The default `toner-low` threshold, in percent. */
export const DEFAULT_TONER_LOW_PERCENT = 10;

/** The reason one supply gives, if any (see the table at the top of this file). */
export function supplyReason(supply: SupplyReading, tonerLowPercent: number): PrinterStatusReason | null {
  if (supply.levelPercent === null) return null;
  if (COLORANT_SUPPLY_TYPES.has(supply.type)) {
    if (supply.levelPercent === 0) return 'toner-empty';
    return supply.levelPercent < tonerLowPercent ? 'toner-low' : null;
  }
  return supply.levelPercent === 0 ? 'overdue-maintenance' : null;
}

/** The reason one alert gives, if any (see the table at the top of this file). */
export function alertReason(alert: AlertReading): PrinterStatusReason | null {
  const reason = GROUP_CODE_REASONS[alert.group]?.[alert.code] ?? CODE_REASONS[alert.code] ?? null;
  const critical = alert.severity === 'critical';
  if (reason === 'out-of-paper' && !critical) return 'low-paper';
  if (reason === null && critical) return 'service-requested';
  return reason;
}

/**
 * The status of a printer and why, from one reading: `error`, `warning`, `printing` or `idle`, with the
 * reasons in a fixed order (errors first). See the rule table at the top of this file.
 */
export function deriveStatus(
  reading: PrinterReading,
  options: StatusOptions = {},
): { status: PrinterStatus; reasons: PrinterStatusReason[] } {
  const tonerLowPercent = options.tonerLowPercent ?? DEFAULT_TONER_LOW_PERCENT;
  const found = new Set<PrinterStatusReason>();
  const add = (reason: PrinterStatusReason | null | undefined) => {
    if (reason) found.add(reason);
  };
  reading.errorState.forEach((bit) => add(ERROR_STATE_REASONS[bit]));
  reading.supplies.forEach((supply) => add(supplyReason(supply, tonerLowPercent)));
  reading.alerts.forEach((alert) => add(alertReason(alert)));
  // A toner that is empty is not also low.
  if (
    found.has('toner-empty') &&
    !reading.supplies.some((s) => supplyReason(s, tonerLowPercent) === 'toner-low')
  ) {
    found.delete('toner-low');
  }
  const down = reading.deviceStatus === HR_DEVICE_STATUS.down;
  if (down && !ERROR_REASONS.some((reason) => found.has(reason))) found.add('service-requested');
  const reasons = REASON_ORDER.filter((reason) => found.has(reason));
  if (reasons.some((reason) => ERROR_REASONS.includes(reason))) return { status: 'error', reasons };
  if (reasons.length > 0 || reading.deviceStatus === HR_DEVICE_STATUS.warning) {
    return { status: 'warning', reasons };
  }
  if (reading.printerStatus === HR_PRINTER_STATUS.printing) return { status: 'printing', reasons };
  return { status: 'idle', reasons };
}
