/**
 * The simulated printers' data: three `.snmprec` files (snmpsim's `OID|type|value` format, sorted by OID) laid
 * out as the real devices lay out SNMPv2-MIB, IF-MIB, HOST-RESOURCES-MIB and the Printer-MIB (RFC 3805), and
 * SNMP_FIXTURES, which states what a correct reader must make of each file. snmp-fixtures.test.ts checks the
 * two against each other, so a test may trust either. Also the `.snmprec` record helpers the snmpsim agents use
 * to rewrite a data file while it is served.
 *
 * Page counters: `total` is prtMarkerLifeCount of marker 1.1 on every model. The split into mono and colour
 * comes from the vendors' private counters, as on the real devices: HP's total-mono-page-count and
 * total-color-page-count (1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.6.0 and .7.0; the mono M507 has only the mono one),
 * and Kyocera's counters by function and colour (1.3.6.1.4.1.1347.42.3.1.2.1.1.F.C, F 1 print, 2 copy, 4 fax;
 * C 1 black & white, 3 full colour), whose black & white and full-colour sums are `mono` and `color`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The three simulated printer models. */
export type SnmpFixtureName = 'hp-laserjet-m507' | 'hp-color-laserjet-m555' | 'kyocera-taskalfa-3253ci';

/** One prtMarkerSuppliesTable row, as a reader should report it. */
export interface SnmpFixtureSupply {
  /** `hrDeviceIndex.prtMarkerSuppliesIndex`. */
  index: string;
  description: string;
  /** prtMarkerSuppliesType by name (`toner`, `wasteToner`, `fuser`). */
  type: string;
  colorant: string | null;
  level: number;
  max: number;
  /** round(level * 100 / max), or null when level or max is negative (unknown, "some remaining"). */
  levelPercent: number | null;
}

/** One prtInputTable row. */
export interface SnmpFixtureTray {
  index: string;
  name: string;
  media: string;
  level: number;
  max: number;
}

/** One prtAlertTable row. */
export interface SnmpFixtureAlert {
  index: string;
  /** prtAlertSeverityLevel by name. */
  severity: string;
  code: number;
  description: string;
}

/** What a correct SNMP reader finds in one fixture. */
export interface SnmpFixture {
  model: string;
  serial: string;
  /** ifPhysAddress of the first interface that has one. */
  mac: string;
  color: boolean;
  sysName: string;
  sysDescr: string;
  sysLocation: string;
  sysContact: string;
  counters: { total: number; mono: number | null; color: number | null };
  supplies: SnmpFixtureSupply[];
  /** colorant -> numeric OID of that toner's prtMarkerSuppliesLevel, for Snmpsim.setValue. */
  supplyLevelOids: Record<string, string>;
  trays: SnmpFixtureTray[];
  alerts: SnmpFixtureAlert[];
  /** hrDeviceStatus, hrPrinterStatus and hrPrinterDetectedErrorState (set bits by name, and as hex). */
  status: { device: number; printer: number; errorState: string[]; errorStateHex: string };
  /** Numeric OIDs tests commonly change with Snmpsim.setValue. */
  oids: { deviceStatus: string; printerStatus: string; errorState: string; lifeCount: string };
}

const SUPPLY_LEVEL = '1.3.6.1.2.1.43.11.1.1.9.1';
const STATUS_OIDS = {
  deviceStatus: '1.3.6.1.2.1.25.3.2.1.5.1',
  printerStatus: '1.3.6.1.2.1.25.3.5.1.1.1',
  errorState: '1.3.6.1.2.1.25.3.5.1.2.1',
  lifeCount: '1.3.6.1.2.1.43.10.2.1.4.1.1',
};

function supply(
  row: number,
  description: string,
  type: string,
  colorant: string | null,
  level: number,
  max: number,
): SnmpFixtureSupply {
  const levelPercent = level < 0 || max <= 0 ? null : Math.round((level * 100) / max);
  return { index: `1.${row}`, description, type, colorant, level, max, levelPercent };
}

function tray(row: number, name: string, media: string, level: number, max: number): SnmpFixtureTray {
  return { index: `1.${row}`, name, media, level, max };
}

function levelOids(supplies: SnmpFixtureSupply[]): Record<string, string> {
  const entries = supplies
    .filter((s) => s.colorant !== null)
    .map((s) => [s.colorant, `${SUPPLY_LEVEL}.${s.index.split('.')[1]}`]);
  return Object.fromEntries(entries) as Record<string, string>;
}

function fixture(description: Omit<SnmpFixture, 'supplyLevelOids' | 'oids'>): SnmpFixture {
  return { ...description, supplyLevelOids: levelOids(description.supplies), oids: { ...STATUS_OIDS } };
}

const HP_CONTACT = 'IT Service Desk, ext. 4410';

/** Every fixture, described exactly as its `.snmprec` file serves it. */
export const SNMP_FIXTURES: Record<SnmpFixtureName, SnmpFixture> = {
  'hp-laserjet-m507': fixture({
    model: 'HP LaserJet M507',
    serial: 'VNB3R45217',
    mac: '3c:52:82:1a:4f:07',
    color: false,
    sysName: 'NPI1A4F07',
    sysDescr: 'HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI23900204,CIDATE 08/15/2019',
    sysLocation: 'Building A, 2nd floor, copy room',
    sysContact: HP_CONTACT,
    counters: { total: 48213, mono: 48213, color: null },
    supplies: [
      supply(1, 'Black Cartridge HP CF289A', 'toner', 'black', 64, 100),
      supply(2, 'Fuser Kit', 'fuser', null, -3, 100),
    ],
    trays: [tray(1, 'Tray 1', 'A4', -2, 100), tray(2, 'Tray 2', 'A4', -3, 550)],
    alerts: [{ index: '1.1', severity: 'other', code: 23, description: 'Sleep mode on' }],
    status: { device: 2, printer: 3, errorState: [], errorStateHex: '0000' },
  }),
  'hp-color-laserjet-m555': fixture({
    model: 'HP Color LaserJet M555',
    serial: 'CNBRQ81145',
    mac: 'a0:d3:c1:7e:55:5c',
    color: true,
    sysName: 'NPI7E555C',
    sysDescr:
      'HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM 2506094_581438,CIDATE 02/14/2022',
    sysLocation: 'Building B, ground floor, reception',
    sysContact: HP_CONTACT,
    counters: { total: 23120, mono: 9874, color: 13246 },
    supplies: [
      supply(1, 'Black Cartridge HP W2120A', 'toner', 'black', 71, 100),
      supply(2, 'Cyan Cartridge HP W2121A', 'toner', 'cyan', 45, 100),
      supply(3, 'Magenta Cartridge HP W2123A', 'toner', 'magenta', 38, 100),
      supply(4, 'Yellow Cartridge HP W2122A', 'toner', 'yellow', 52, 100),
      supply(5, 'Toner Collection Unit HP B5L37A', 'wasteToner', null, 85, 100),
    ],
    trays: [
      tray(1, 'Tray 1', 'A4', 0, 100),
      tray(2, 'Tray 2', 'A4', 330, 550),
      tray(3, 'Tray 3', 'A4', -3, 550),
    ],
    // Informational only (severity other): the multipurpose tray is empty while trays 2 and 3 hold paper.
    alerts: [{ index: '1.1', severity: 'other', code: 808, description: 'Tray 1 empty' }],
    status: { device: 2, printer: 3, errorState: [], errorStateHex: '0000' },
  }),
  'kyocera-taskalfa-3253ci': fixture({
    model: 'TASKalfa 3253ci',
    serial: 'R4P9Z05187',
    mac: '00:17:c8:3b:22:9e',
    color: true,
    sysName: 'KM3B229E',
    sysDescr: 'KYOCERA Document Solutions Printing System',
    sysLocation: 'Building C, 1st floor, open office',
    sysContact: 'Facilities, room 014',
    counters: { total: 61542, mono: 39569, color: 21973 },
    supplies: [
      supply(1, 'TK-8335K', 'toner', 'black', 58, 100),
      supply(2, 'TK-8335C', 'toner', 'cyan', 33, 100),
      supply(3, 'TK-8335M', 'toner', 'magenta', 21, 100),
      supply(4, 'TK-8335Y', 'toner', 'yellow', 8, 100),
      supply(5, 'Waste Toner Box', 'wasteToner', null, -3, -2),
    ],
    trays: [
      tray(1, 'Cassette 1', 'A4', -3, 500),
      tray(2, 'Cassette 2', 'A3', -3, 500),
      tray(3, 'MP Tray', 'A4', 0, 100),
    ],
    // Starts in warning: yellow is low, with its alert and the lowToner bit (0x20 in the first octet).
    alerts: [
      { index: '1.1', severity: 'warning', code: 1104, description: 'Toner is low.[Y]' },
      { index: '1.2', severity: 'other', code: 23, description: 'Low Power Mode' },
    ],
    status: { device: 3, printer: 3, errorState: ['lowToner'], errorStateHex: '2000' },
  }),
};

/** The fixture names, in a stable order. */
export const SNMP_FIXTURE_NAMES = Object.keys(SNMP_FIXTURES) as SnmpFixtureName[];

/** One `.snmprec` line: numeric OID without a leading dot, snmpsim type tag (`2`, `4`, `4x`, `65`, ...), value. */
export interface SnmprecRecord {
  oid: string;
  tag: string;
  value: string;
}

const FIXTURE_DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'snmp');

/** The absolute path of a fixture's `.snmprec` file; throws for an unknown name or a missing file. */
export function snmpFixtureFile(name: SnmpFixtureName): string {
  if (!(name in SNMP_FIXTURES)) {
    throw new Error(`unknown SNMP fixture "${String(name)}"; known: ${SNMP_FIXTURE_NAMES.join(', ')}`);
  }
  const file = path.join(FIXTURE_DIR, `${name}.snmprec`);
  if (!existsSync(file)) throw new Error(`SNMP fixture file ${file} is missing`);
  return file;
}

/** Numeric OID order (1.3.6.1.2 < 1.3.6.1.10), the order snmpsim's binary search relies on. */
export function compareOids(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i] - right[i];
  }
  return left.length - right.length;
}

/** The records of `.snmprec` text, skipping comments and blank lines; throws naming a malformed line. */
export function parseSnmprec(text: string): SnmprecRecord[] {
  const records: SnmprecRecord[] = [];
  text.split('\n').forEach((line, number) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const first = line.indexOf('|');
    const second = line.indexOf('|', first + 1);
    if (first < 0 || second < 0) throw new Error(`malformed .snmprec line ${number + 1}: ${line}`);
    records.push({
      oid: line.slice(0, first),
      tag: line.slice(first + 1, second),
      value: line.slice(second + 1),
    });
  });
  return records;
}

/** `.snmprec` text for `records`, sorted by OID as snmpsim requires. */
export function formatSnmprec(records: readonly SnmprecRecord[]): string {
  const sorted = [...records].sort((a, b) => compareOids(a.oid, b.oid));
  return sorted.map((r) => `${r.oid}|${r.tag}|${r.value}\n`).join('');
}

/** The records of a fixture's file. */
export function readSnmpFixture(name: SnmpFixtureName): SnmprecRecord[] {
  return parseSnmprec(readFileSync(snmpFixtureFile(name), 'utf8'));
}

/**
 * How {@link Snmpsim.setValue} stores a value: `integer` (Integer32), `counter` (Counter32), `string` (an OCTET
 * STRING of the UTF-8 text) or `hex` (an OCTET STRING given as hex digits, e.g. `2000` for
 * hrPrinterDetectedErrorState with lowToner set).
 */
export type SnmpValueType = 'integer' | 'counter' | 'string' | 'hex';

const INT32 = [-2147483648, 2147483647] as const;
const UINT32 = [0, 4294967295] as const;

function integerIn(value: string | number, [min, max]: readonly [number, number], what: string): number {
  const number = typeof value === 'number' ? value : Number(value.trim() === '' ? NaN : value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Error(`${what} value ${JSON.stringify(value)} is not an integer in ${min}..${max}`);
  }
  return number;
}

/**
 * The `.snmprec` record that serves `value` as `type` at `oid`, and how `snmpget -Oqv -Ox` prints it once served
 * (digits, or lower-case hex without spaces). Throws for a value the type cannot hold.
 */
export function snmprecRecordFor(
  oid: string,
  type: SnmpValueType,
  value: string | number,
): { record: SnmprecRecord; printed: string } {
  switch (type) {
    case 'integer': {
      const number = String(integerIn(value, INT32, 'integer'));
      return { record: { oid, tag: '2', value: number }, printed: number };
    }
    case 'counter': {
      const number = String(integerIn(value, UINT32, 'counter'));
      return { record: { oid, tag: '65', value: number }, printed: number };
    }
    case 'string': {
      const hex = Buffer.from(String(value), 'utf8').toString('hex');
      return { record: { oid, tag: '4x', value: hex }, printed: hex };
    }
    case 'hex': {
      const hex = String(value).replace(/^0x/i, '').toLowerCase();
      if (!/^([0-9a-f]{2})*$/.test(hex))
        throw new Error(`hex value ${JSON.stringify(value)} is not whole bytes`);
      return { record: { oid, tag: '4x', value: hex }, printed: hex };
    }
    default:
      throw new Error(`unsupported SNMP value type ${JSON.stringify(type)}`);
  }
}

/** `oid` without a leading dot; throws unless it is a numeric OID such as `1.3.6.1.2.1.1.5.0`. */
export function numericOid(oid: string): string {
  const bare = oid.startsWith('.') ? oid.slice(1) : oid;
  if (!/^\d+(\.\d+)+$/.test(bare)) throw new Error(`"${oid}" is not a numeric OID`);
  return bare;
}
