/**
 * Reading a printer over SNMP: `readPrinter` for a monitoring poll, `identifyPrinter` for discovery.
 *
 * Both are built for a fleet: a site polls 600 printers a minute on a small machine, so a poll takes as few
 * round trips as the agent allows. Single values are fetched as GETBULK non-repeaters, each as "the first OID
 * after X": for a scalar X is its parent, and for an hr* or prt* value X is the column, which yields the
 * printer's own row whatever its hrDeviceIndex (hrPrinterTable and prtGeneralTable only have rows for printers,
 * so their first row is the printer's; hrDeviceTable also lists other devices, so its row is fetched again by
 * index when the first one is not the printer's). The tables are GETBULK repeaters in the same request,
 * continued only for columns that did not reach their end (see snmp-walk.ts). An agent that answers a GETBULK
 * whole needs one request; agents cap answers (snmpsim at 64 varbinds, snmpd at about 100), which makes it two
 * or three for a colour device. SNMPv1 gets the same plan through GETNEXT, one table row per round trip.
 *
 * Errors: QuireError SNMP_TIMEOUT when the agent never answers, SNMP_FAILED otherwise (see snmp-session.ts).
 */
import { type PrinterReading } from '../monitoring/printer-reading';
import { COLUMN_OIDS as C, SCALAR_OIDS, SNMP_SERIAL_MAX, snmpText, type RawValue } from './printer-mib';
import {
  decodeColorCapable,
  decodeMac,
  decodeReading,
  type RawPrinterData,
  type WalkedColumns,
} from './printer-reading-decode';
import { type SnmpTarget } from './snmp-settings';
import { type SnmpSession, type SnmpVarbind, withSnmpSession } from './snmp-session';
import { collect, getExisting } from './snmp-walk';
import {
  HP_PAGE_COUNT_OIDS,
  hpCounters,
  KYOCERA_COUNT_BY_FUNCTION_AND_COLOR,
  kyoceraCounters,
  oidBefore,
} from './vendor-counters';

/** What discovery learns of a device. */
export interface PrinterIdentity {
  sysDescr: string;
  sysName: string;
  sysLocation: string;
  sysContact: string;
  /** hrDeviceDescr of the printer, else sysDescr. */
  model: string;
  serial: string | null;
  mac: string | null;
  colorCapable: boolean;
  /** True when the agent implements the Printer MIB or lists a printer in hrPrinterTable. */
  isPrinter: boolean;
}

/** A single value wanted: either one exact instance, or the first row of a column. */
type Wanted = { kind: 'exact'; oid: string } | { kind: 'first-row'; column: string };

/** A single value found: its row index (for first-row values) and raw value. */
interface Found {
  index: string;
  value: RawValue;
}

function exact(oid: string): Wanted {
  return { kind: 'exact', oid };
}

function firstRow(column: string): Wanted {
  return { kind: 'first-row', column };
}

function requestOid(wanted: Wanted): string {
  return wanted.kind === 'exact' ? oidBefore(wanted.oid) : wanted.column;
}

function matchFound(wanted: Wanted, varbind: SnmpVarbind | null): Found | null {
  if (!varbind) return null;
  if (wanted.kind === 'exact') return varbind.oid === wanted.oid ? { index: '', value: varbind.value } : null;
  const prefix = `${wanted.column}.`;
  return varbind.oid.startsWith(prefix)
    ? { index: varbind.oid.slice(prefix.length), value: varbind.value }
    : null;
}

const SYSTEM_VALUES = {
  sysDescr: exact(SCALAR_OIDS.sysDescr),
  sysContact: exact(SCALAR_OIDS.sysContact),
  sysName: exact(SCALAR_OIDS.sysName),
  sysLocation: exact(SCALAR_OIDS.sysLocation),
};

const PRINTER_VALUES = {
  printerStatus: firstRow(C.hrPrinterStatus),
  errorState: firstRow(C.hrPrinterDetectedErrorState),
  serial: firstRow(C.prtGeneralSerialNumber),
  deviceDescr: firstRow(C.hrDeviceDescr),
  deviceStatus: firstRow(C.hrDeviceStatus),
};

const VENDOR_VALUES = {
  hpMono: exact(HP_PAGE_COUNT_OIDS.mono),
  hpColor: exact(HP_PAGE_COUNT_OIDS.color),
};

const READ_VALUES: Record<string, Wanted> = { ...SYSTEM_VALUES, ...PRINTER_VALUES, ...VENDOR_VALUES };

/** Every column a poll reads. */
const READ_COLUMNS = [
  C.ifPhysAddress,
  C.prtMarkerLifeCount,
  C.prtMarkerSuppliesColorantIndex,
  C.prtMarkerSuppliesType,
  C.prtMarkerSuppliesDescription,
  C.prtMarkerSuppliesMaxCapacity,
  C.prtMarkerSuppliesLevel,
  C.prtMarkerColorantValue,
  C.prtInputDimUnit,
  C.prtInputMediaDimFeedDirDeclared,
  C.prtInputMediaDimXFeedDirDeclared,
  C.prtInputMaxCapacity,
  C.prtInputCurrentLevel,
  C.prtInputMediaName,
  C.prtInputName,
  C.prtAlertSeverityLevel,
  C.prtAlertTrainingLevel,
  C.prtAlertGroup,
  C.prtAlertGroupIndex,
  C.prtAlertLocation,
  C.prtAlertCode,
  C.prtAlertDescription,
  KYOCERA_COUNT_BY_FUNCTION_AND_COLOR,
];

/**
 * Rows per column in the first GETBULK. Most printer tables have at most 8 rows (a colour device's supplies
 * are its longest), so one request usually brings everything; longer tables take another round.
 */
const READ_MAX_REPETITIONS = 8;

const IDENTIFY_VALUES: Record<string, Wanted> = {
  ...SYSTEM_VALUES,
  printerStatus: PRINTER_VALUES.printerStatus,
  serial: PRINTER_VALUES.serial,
  deviceDescr: PRINTER_VALUES.deviceDescr,
};
const IDENTIFY_COLUMNS = [C.ifPhysAddress, C.prtMarkerColorantValue];
const IDENTIFY_MAX_REPETITIONS = 6;

/** Fetch the single values and the columns in as few round trips as the agent allows. */
async function fetchValues(
  session: SnmpSession,
  values: Record<string, Wanted>,
  columns: string[],
  maxRepetitions: number,
) {
  const keys = Object.keys(values);
  const result = await collect(session, {
    nexts: keys.map((key) => requestOid(values[key])),
    columns,
    maxRepetitions,
  });
  const found = new Map<string, Found>();
  keys.forEach((key, i) => {
    const match = matchFound(values[key], result.nexts[i]);
    if (match) found.set(key, match);
  });
  return { found, columns: result.columns };
}

/** The printer's hrDeviceIndex: the row of its hrPrinterTable or prtGeneralTable entry; null when it has none. */
function printerIndexOf(found: Map<string, Found>): string | null {
  return (
    found.get('printerStatus')?.index ?? found.get('errorState')?.index ?? found.get('serial')?.index ?? null
  );
}

/**
 * hrDeviceDescr and hrDeviceStatus of the printer's row. The first row of hrDeviceTable is usually the printer
 * (index 1); when it is not, the printer's row is asked for by index (one more GET).
 */
async function deviceRow(
  session: SnmpSession,
  found: Map<string, Found>,
  keys: readonly ('deviceDescr' | 'deviceStatus')[],
): Promise<Partial<Record<'deviceDescr' | 'deviceStatus', RawValue>>> {
  const index = printerIndexOf(found);
  if (index === null) return {};
  const row: Partial<Record<'deviceDescr' | 'deviceStatus', RawValue>> = {};
  const missing: ('deviceDescr' | 'deviceStatus')[] = [];
  for (const key of keys) {
    const first = found.get(key);
    if (first && first.index === index) row[key] = first.value;
    else missing.push(key);
  }
  if (missing.length === 0) return row;
  const columnOf = { deviceDescr: C.hrDeviceDescr, deviceStatus: C.hrDeviceStatus };
  const values = await getExisting(
    session,
    missing.map((key) => `${columnOf[key]}.${index}`),
  );
  for (const key of missing) row[key] = values.get(`${columnOf[key]}.${index}`);
  return row;
}

/** The mono/colour split of the vendor whose private counters the device answered (see vendor-counters.ts). */
function vendorCounters(found: Map<string, Found>, columns: WalkedColumns): RawPrinterData['vendorCounters'] {
  return (
    hpCounters(found.get('hpMono')?.value, found.get('hpColor')?.value) ??
    kyoceraCounters(columns.get(KYOCERA_COUNT_BY_FUNCTION_AND_COLOR)) ?? { mono: null, color: null }
  );
}

/**
 * Read everything monitoring needs from one printer: identity, status and error bits, counters, supplies with
 * their colorants, trays and alerts, in one to three GETBULKs (plus one on SNMPv3, whose first request discovers
 * the agent's engine). Throws QuireError SNMP_TIMEOUT when the device does not answer after the profile's retries,
 * SNMP_FAILED when it answers with an error or the v3 credentials do not match.
 */
export function readPrinter(target: SnmpTarget): Promise<PrinterReading> {
  return withSnmpSession(target, async (session) => {
    const { found, columns } = await fetchValues(session, READ_VALUES, READ_COLUMNS, READ_MAX_REPETITIONS);
    const device = await deviceRow(session, found, ['deviceDescr', 'deviceStatus']);
    const raw: RawPrinterData = {
      sysDescr: found.get('sysDescr')?.value,
      sysName: found.get('sysName')?.value,
      sysLocation: found.get('sysLocation')?.value,
      sysContact: found.get('sysContact')?.value,
      deviceDescr: device.deviceDescr,
      deviceStatus: device.deviceStatus,
      printerStatus: found.get('printerStatus')?.value,
      errorState: found.get('errorState')?.value,
      serial: found.get('serial')?.value,
      vendorCounters: vendorCounters(found, columns),
      columns,
    };
    return decodeReading(raw);
  });
}

/**
 * Identify a device cheaply, for discovery: its system group, model, serial number, MAC address, whether it
 * prints colour and whether it is a printer at all, usually in one GETBULK; the same errors as readPrinter.
 */
export function identifyPrinter(target: SnmpTarget): Promise<PrinterIdentity> {
  return withSnmpSession(target, async (session) => {
    const { found, columns } = await fetchValues(
      session,
      IDENTIFY_VALUES,
      IDENTIFY_COLUMNS,
      IDENTIFY_MAX_REPETITIONS,
    );
    const device = await deviceRow(session, found, ['deviceDescr']);
    const sysDescr = snmpText(found.get('sysDescr')?.value);
    const model = snmpText(device.deviceDescr);
    const serial = snmpText(found.get('serial')?.value, SNMP_SERIAL_MAX);
    const colorants = columns.get(C.prtMarkerColorantValue)?.size ?? 0;
    return {
      sysDescr,
      sysName: snmpText(found.get('sysName')?.value),
      sysLocation: snmpText(found.get('sysLocation')?.value),
      sysContact: snmpText(found.get('sysContact')?.value),
      model: model !== '' ? model : sysDescr,
      serial: serial !== '' ? serial : null,
      mac: decodeMac(columns),
      colorCapable: decodeColorCapable(columns),
      isPrinter: found.has('printerStatus') || found.has('serial') || colorants > 0,
    };
  });
}
