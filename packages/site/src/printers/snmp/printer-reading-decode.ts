/**
 * Turning what a poll fetched (single values and table columns, still raw) into a PrinterReading. Pure, so the
 * table joins (supplies to colorants by prtMarkerSuppliesColorantIndex, hr* rows by the printer's hrDeviceIndex)
 * and the counter rules are tested without an agent.
 */
import {
  type AlertReading,
  type PrinterCounters,
  type PrinterReading,
  type SupplyReading,
  type TrayReading,
} from '../monitoring/printer-reading';
import {
  alertCodeName,
  alertSeverityName,
  COLUMN_OIDS as C,
  decodeErrorState,
  formatMac,
  isColorCapable,
  levelPercent,
  mediaSizeName,
  snmpInteger,
  SNMP_SERIAL_MAX,
  snmpText,
  supplyTypeName,
  type RawValue,
} from './printer-mib';
import { type ColumnRows } from './snmp-walk';

/** Everything one poll fetched, before decoding. */
export interface RawPrinterData {
  sysDescr: RawValue;
  sysName: RawValue;
  sysLocation: RawValue;
  sysContact: RawValue;
  /** hrDeviceDescr, hrDeviceStatus, hrPrinterStatus and hrPrinterDetectedErrorState of the printer's row. */
  deviceDescr: RawValue;
  deviceStatus: RawValue;
  printerStatus: RawValue;
  errorState: RawValue;
  serial: RawValue;
  /** Mono and colour counters from a vendor's private MIB, when the device has them. */
  vendorCounters: { mono: number | null; color: number | null };
  /** The rows of every column in COLUMN_OIDS that was walked, by column OID. */
  columns: WalkedColumns;
}

const NO_ROWS: ColumnRows = new Map();

/** The walked columns of a poll, by column OID. */
export type WalkedColumns = Map<string, ColumnRows>;

function rowsOf(raw: { columns: WalkedColumns }, column: string): ColumnRows {
  return raw.columns.get(column) ?? NO_ROWS;
}

/** Row indexes (`1.2`, `1.10`) in numeric order, as the agent's table order. */
function sortedIndexes(rows: ColumnRows): string[] {
  return [...rows.keys()].sort((a, b) => {
    const x = a.split('.').map(Number);
    const y = b.split('.').map(Number);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  });
}

/** The device index (first arc) of a `device.row` index. */
function deviceOf(index: string): string {
  return index.split('.')[0];
}

function intAt(rows: ColumnRows, index: string, fallback: number): number {
  return snmpInteger(rows.get(index)) ?? fallback;
}

/** prtMarkerColorantValue by `device.colorantIndex`. */
function colorantsOf(raw: { columns: WalkedColumns }): Map<string, string> {
  const colorants = new Map<string, string>();
  for (const [index, value] of rowsOf(raw, C.prtMarkerColorantValue)) {
    const name = snmpText(value);
    if (name !== '') colorants.set(index, name);
  }
  return colorants;
}

/** The supplies, each with its colorant (prtMarkerSuppliesColorantIndex 0 means none). */
export function decodeSupplies(raw: RawPrinterData): SupplyReading[] {
  const colorants = colorantsOf(raw);
  const descriptions = rowsOf(raw, C.prtMarkerSuppliesDescription);
  const levels = rowsOf(raw, C.prtMarkerSuppliesLevel);
  const indexes = sortedIndexes(descriptions.size > 0 ? descriptions : levels);
  return indexes.map((index) => {
    const colorantIndex = snmpInteger(rowsOf(raw, C.prtMarkerSuppliesColorantIndex).get(index)) ?? 0;
    const level = intAt(levels, index, -2);
    const max = intAt(rowsOf(raw, C.prtMarkerSuppliesMaxCapacity), index, -2);
    return {
      index,
      description: snmpText(descriptions.get(index)),
      type: supplyTypeName(snmpInteger(rowsOf(raw, C.prtMarkerSuppliesType).get(index))),
      colorant: colorantIndex > 0 ? (colorants.get(`${deviceOf(index)}.${colorantIndex}`) ?? null) : null,
      level,
      max,
      levelPercent: levelPercent(level, max),
    };
  });
}

/** The input trays, named by prtInputName (else `Tray N`), with the media name or the declared size. */
export function decodeTrays(raw: RawPrinterData): TrayReading[] {
  const names = rowsOf(raw, C.prtInputName);
  const levels = rowsOf(raw, C.prtInputCurrentLevel);
  const indexes = sortedIndexes(names.size > 0 ? names : levels);
  return indexes.map((index) => {
    const level = intAt(levels, index, -2);
    const max = intAt(rowsOf(raw, C.prtInputMaxCapacity), index, -2);
    const mediaName = snmpText(rowsOf(raw, C.prtInputMediaName).get(index));
    const media =
      mediaName !== ''
        ? mediaName
        : mediaSizeName(
            snmpInteger(rowsOf(raw, C.prtInputDimUnit).get(index)),
            snmpInteger(rowsOf(raw, C.prtInputMediaDimFeedDirDeclared).get(index)),
            snmpInteger(rowsOf(raw, C.prtInputMediaDimXFeedDirDeclared).get(index)),
          );
    const name = snmpText(names.get(index));
    return {
      index,
      name: name !== '' ? name : `Tray ${index.split('.').pop()}`,
      media,
      level,
      max,
      levelPercent: levelPercent(level, max),
    };
  });
}

/** The rows of prtAlertTable, codes and severities also by name. */
export function decodeAlerts(raw: RawPrinterData): AlertReading[] {
  const codes = rowsOf(raw, C.prtAlertCode);
  return sortedIndexes(codes).map((index) => {
    const code = snmpInteger(codes.get(index)) ?? 2;
    return {
      index,
      severity: alertSeverityName(snmpInteger(rowsOf(raw, C.prtAlertSeverityLevel).get(index))),
      trainingLevel: intAt(rowsOf(raw, C.prtAlertTrainingLevel), index, 2),
      group: intAt(rowsOf(raw, C.prtAlertGroup), index, 2),
      groupIndex: intAt(rowsOf(raw, C.prtAlertGroupIndex), index, -1),
      location: intAt(rowsOf(raw, C.prtAlertLocation), index, -1),
      code,
      codeName: alertCodeName(code),
      description: snmpText(rowsOf(raw, C.prtAlertDescription).get(index)),
    };
  });
}

/**
 * Page counters: the total is prtMarkerLifeCount of the first marker, the counter every printer keeps. Mono
 * and colour come from the vendor's private counters when the device has them; a device that cannot print
 * colour has printed every page in mono, so there mono is the total and colour 0.
 */
export function decodeCounters(raw: RawPrinterData, colorCapable: boolean): PrinterCounters {
  const lifeCounts = rowsOf(raw, C.prtMarkerLifeCount);
  const [first] = sortedIndexes(lifeCounts);
  const total = first === undefined ? null : snmpInteger(lifeCounts.get(first));
  const { mono, color } = raw.vendorCounters;
  if (mono !== null || color !== null) return { total, mono, color };
  if (!colorCapable && total !== null) return { total, mono: total, color: 0 };
  return { total, mono: null, color: null };
}

/** The first interface's MAC address (interfaces without a 6-octet non-zero address are skipped). */
export function decodeMac(columns: WalkedColumns): string | null {
  const addresses = rowsOf({ columns }, C.ifPhysAddress);
  for (const index of sortedIndexes(addresses)) {
    const mac = formatMac(addresses.get(index));
    if (mac) return mac;
  }
  return null;
}

/** Whether the device's colorants make it a colour device (see isColorCapable). */
export function decodeColorCapable(columns: WalkedColumns): boolean {
  return isColorCapable([...colorantsOf({ columns }).values()]);
}

/** The whole PrinterReading. */
export function decodeReading(raw: RawPrinterData): PrinterReading {
  const sysDescr = snmpText(raw.sysDescr);
  const deviceDescr = snmpText(raw.deviceDescr);
  const colorCapable = decodeColorCapable(raw.columns);
  const serial = snmpText(raw.serial, SNMP_SERIAL_MAX);
  return {
    sysDescr,
    sysName: snmpText(raw.sysName),
    sysLocation: snmpText(raw.sysLocation),
    sysContact: snmpText(raw.sysContact),
    model: deviceDescr !== '' ? deviceDescr : sysDescr,
    mac: decodeMac(raw.columns),
    serial: serial !== '' ? serial : null,
    deviceStatus: snmpInteger(raw.deviceStatus),
    printerStatus: snmpInteger(raw.printerStatus),
    errorState: decodeErrorState(raw.errorState),
    counters: decodeCounters(raw, colorCapable),
    supplies: decodeSupplies(raw),
    trays: decodeTrays(raw),
    alerts: decodeAlerts(raw),
    colorCapable,
  };
}
