/**
 * The Printer MIB (RFC 3805) and Host Resources MIB (RFC 2790) objects a poll reads, as numeric OIDs (a site
 * server has no MIB files to resolve names with), and the pure decoders that turn their raw values into a
 * PrinterReading's fields. Nothing here does I/O, so every decoding rule is unit-tested on hand-made values.
 */
import { ALERT_CODE_NAMES, ALERT_SEVERITY_NAMES, SUPPLY_TYPE_NAMES } from './printer-mib-names';

const SYSTEM = '1.3.6.1.2.1.1';
const HR_DEVICE_ENTRY = '1.3.6.1.2.1.25.3.2.1';
const HR_PRINTER_ENTRY = '1.3.6.1.2.1.25.3.5.1';
const PRT_INPUT_ENTRY = '1.3.6.1.2.1.43.8.2.1';
const PRT_SUPPLIES_ENTRY = '1.3.6.1.2.1.43.11.1.1';
const PRT_ALERT_ENTRY = '1.3.6.1.2.1.43.18.1.1';

/** Scalars: full instance OIDs. */
export const SCALAR_OIDS = {
  sysDescr: `${SYSTEM}.1.0`,
  sysContact: `${SYSTEM}.4.0`,
  sysName: `${SYSTEM}.5.0`,
  sysLocation: `${SYSTEM}.6.0`,
} as const;

/**
 * Table columns: OIDs without the row index. hr* and prt* tables are indexed by hrDeviceIndex first (the
 * printer's row in hrDeviceTable), then by their own index.
 */
export const COLUMN_OIDS = {
  ifPhysAddress: '1.3.6.1.2.1.2.2.1.6',
  hrDeviceType: `${HR_DEVICE_ENTRY}.2`,
  hrDeviceDescr: `${HR_DEVICE_ENTRY}.3`,
  hrDeviceStatus: `${HR_DEVICE_ENTRY}.5`,
  hrPrinterStatus: `${HR_PRINTER_ENTRY}.1`,
  hrPrinterDetectedErrorState: `${HR_PRINTER_ENTRY}.2`,
  prtGeneralSerialNumber: '1.3.6.1.2.1.43.5.1.1.17',
  prtInputDimUnit: `${PRT_INPUT_ENTRY}.3`,
  prtInputMediaDimFeedDirDeclared: `${PRT_INPUT_ENTRY}.4`,
  prtInputMediaDimXFeedDirDeclared: `${PRT_INPUT_ENTRY}.5`,
  prtInputMaxCapacity: `${PRT_INPUT_ENTRY}.9`,
  prtInputCurrentLevel: `${PRT_INPUT_ENTRY}.10`,
  prtInputMediaName: `${PRT_INPUT_ENTRY}.12`,
  prtInputName: `${PRT_INPUT_ENTRY}.13`,
  prtMarkerLifeCount: '1.3.6.1.2.1.43.10.2.1.4',
  prtMarkerSuppliesColorantIndex: `${PRT_SUPPLIES_ENTRY}.3`,
  prtMarkerSuppliesType: `${PRT_SUPPLIES_ENTRY}.5`,
  prtMarkerSuppliesDescription: `${PRT_SUPPLIES_ENTRY}.6`,
  prtMarkerSuppliesMaxCapacity: `${PRT_SUPPLIES_ENTRY}.8`,
  prtMarkerSuppliesLevel: `${PRT_SUPPLIES_ENTRY}.9`,
  prtMarkerColorantValue: '1.3.6.1.2.1.43.12.1.1.4',
  prtAlertSeverityLevel: `${PRT_ALERT_ENTRY}.2`,
  prtAlertTrainingLevel: `${PRT_ALERT_ENTRY}.3`,
  prtAlertGroup: `${PRT_ALERT_ENTRY}.4`,
  prtAlertGroupIndex: `${PRT_ALERT_ENTRY}.5`,
  prtAlertLocation: `${PRT_ALERT_ENTRY}.6`,
  prtAlertCode: `${PRT_ALERT_ENTRY}.7`,
  prtAlertDescription: `${PRT_ALERT_ENTRY}.8`,
} as const;

/** hrDeviceType's value for a printer (hrDevicePrinter). */
export const HR_DEVICE_PRINTER = '1.3.6.1.2.1.25.3.1.5';

/** hrDeviceStatus values. */
export const HR_DEVICE_STATUS = { unknown: 1, running: 2, warning: 3, testing: 4, down: 5 } as const;

/** hrPrinterStatus values. */
export const HR_PRINTER_STATUS = { other: 1, unknown: 2, idle: 3, printing: 4, warmup: 5 } as const;

/**
 * hrPrinterDetectedErrorState's bits, most significant bit of the first octet first (RFC 2790: bit 0 is the
 * high bit of octet 1). Bit 15 is unused.
 */
const ERROR_STATE_BITS = [
  'lowPaper',
  'noPaper',
  'lowToner',
  'noToner',
  'doorOpen',
  'jammed',
  'offline',
  'serviceRequested',
  'inputTrayMissing',
  'outputTrayMissing',
  'markerSupplyMissing',
  'outputNearFull',
  'outputFull',
  'inputTrayEmpty',
  'overduePreventMaint',
] as const;

/** The name of one hrPrinterDetectedErrorState bit. */
export type ErrorStateBit = (typeof ERROR_STATE_BITS)[number];

/** A raw SNMP value as net-snmp hands it over. */
export type RawValue = number | string | Buffer | boolean | bigint | null | undefined;

/**
 * The set bits of hrPrinterDetectedErrorState by name, in bit order. Devices send one octet or two (some pad
 * to more); missing octets are zero, extra ones carry no defined bits.
 */
export function decodeErrorState(value: RawValue): ErrorStateBit[] {
  const octets = Buffer.isBuffer(value)
    ? value
    : typeof value === 'string'
      ? Buffer.from(value, 'latin1')
      : null;
  if (!octets) return [];
  return ERROR_STATE_BITS.filter((_, bit) => {
    const octet = octets[bit >> 3] ?? 0;
    return (octet & (0x80 >> (bit & 7))) !== 0;
  });
}

/** The octets of an error state with these bits set (the inverse of decodeErrorState; tests and fixtures). */
export function encodeErrorState(bits: readonly ErrorStateBit[]): Buffer {
  const octets = Buffer.alloc(2);
  for (const name of bits) {
    const bit = ERROR_STATE_BITS.indexOf(name);
    octets[bit >> 3] |= 0x80 >> (bit & 7);
  }
  return octets;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The longest text kept from a device (the printer columns it lands in are 255 characters). */
export const SNMP_TEXT_MAX = 255;

/** The longest serial number kept (the `serial` columns are 128 characters on the site and at central). */
export const SNMP_SERIAL_MAX = 128;

/**
 * An OCTET STRING as text: UTF-8 when it is valid UTF-8, else Latin-1 (what older printers send), without the
 * NULs and white space some agents pad with, and cut to `max` characters: a device may send up to 64 KiB, and a
 * value longer than its column would make MariaDB refuse every poll's write and central every batch.
 */
export function snmpText(value: RawValue, max: number = SNMP_TEXT_MAX): string {
  if (value === null || value === undefined) return '';
  if (!Buffer.isBuffer(value)) return String(value).trim().slice(0, max);
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    text = value.toString('latin1');
  }
  // eslint-disable-next-line no-control-regex -- NUL padding is exactly what is being removed
  const unpadded = text.replace(/\u0000+/g, ' ').trim();
  return unpadded.slice(0, max).trim();
}

/**
 * An INTEGER, Counter, Gauge or Counter64 as a number; null for anything else. Counter64 arrives as a Buffer of
 * big-endian octets; page counters stay far below 2^53, so a number is exact.
 */
export function snmpInteger(value: RawValue): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value) && value.length > 0 && value.length <= 8) {
    let n = 0;
    for (const octet of value) n = n * 256 + octet;
    return n;
  }
  return null;
}

/**
 * A level as a whole percentage of its maximum, or null when the device does not give both as counts: the
 * Printer MIB's negative values (-1 other, -2 unknown, -3 "some remaining") and a zero or negative maximum.
 * A level above the maximum (seen on refilled cartridges) counts as 100 %.
 */
export function levelPercent(level: number, max: number): number | null {
  if (level < 0 || max <= 0) return null;
  return Math.min(100, Math.round((level * 100) / max));
}

/** prtMarkerSuppliesType by name (`toner`, `opc`, `wasteToner`, ...); `type-N` for a value the MIB lacks. */
export function supplyTypeName(type: number | null): string {
  if (type === null) return 'unknown';
  return SUPPLY_TYPE_NAMES[type] ?? `type-${type}`;
}

/** prtAlertCode by name (`jam`, `markerTonerEmpty`, ...); `code-N` for a vendor code. */
export function alertCodeName(code: number): string {
  return ALERT_CODE_NAMES[code] ?? `code-${code}`;
}

/** prtAlertSeverityLevel by name (`critical`, `warning`, ...). */
export function alertSeverityName(severity: number | null): string {
  if (severity === null) return 'other';
  return ALERT_SEVERITY_NAMES[severity] ?? 'other';
}

/**
 * ifPhysAddress as `aa:bb:cc:dd:ee:ff`; null unless it is 6 octets and not all zero (loopback and virtual
 * interfaces have an empty or zero address).
 */
export function formatMac(value: RawValue): string | null {
  if (!Buffer.isBuffer(value) || value.length !== 6 || value.every((octet) => octet === 0)) return null;
  return [...value].map((octet) => octet.toString(16).padStart(2, '0')).join(':');
}

/**
 * Whether a device prints colour, from its colorants: more than one distinct colorant, or a single one that is
 * not black. A device that lists no colorant at all is taken as mono.
 */
export function isColorCapable(colorants: readonly string[]): boolean {
  const distinct = new Set(colorants.map((c) => c.trim().toLowerCase()).filter((c) => c !== ''));
  if (distinct.size > 1) return true;
  const [only] = [...distinct];
  return only !== undefined && only !== 'black';
}

/** Media sizes by PWG self-describing name, in millimetres (short edge, long edge). */
const MEDIA_SIZES: ReadonlyArray<[string, number, number]> = [
  ['iso_a3_297x420mm', 297, 420],
  ['iso_a4_210x297mm', 210, 297],
  ['iso_a5_148x210mm', 148, 210],
  ['jis_b4_257x364mm', 257, 364],
  ['jis_b5_182x257mm', 182, 257],
  ['na_letter_8.5x11in', 215.9, 279.4],
  ['na_legal_8.5x14in', 215.9, 355.6],
  ['na_ledger_11x17in', 279.4, 431.8],
  ['na_executive_7.25x10.5in', 184.15, 266.7],
  ['na_invoice_5.5x8.5in', 139.7, 215.9],
];

/** prtInputDimUnit values: ten-thousandths of an inch (3) and micrometres (4). */
const DIM_UNIT_MM: Readonly<Record<number, number>> = { 3: 0.00254, 4: 0.001 };

/**
 * The PWG name of the media size a tray declares (prtInputMediaDimFeedDirDeclared / XFeedDir in `unit`), or
 * `custom_WxHmm` for a size not in the table; '' when the device does not declare a size (negative values).
 */
export function mediaSizeName(unit: number | null, feed: number | null, crossFeed: number | null): string {
  const scale = unit === null ? undefined : DIM_UNIT_MM[unit];
  if (scale === undefined || feed === null || crossFeed === null || feed <= 0 || crossFeed <= 0) return '';
  const short = Math.min(feed, crossFeed) * scale;
  const long = Math.max(feed, crossFeed) * scale;
  const match = MEDIA_SIZES.find(([, w, h]) => Math.abs(w - short) <= 2 && Math.abs(h - long) <= 2);
  return match ? match[0] : `custom_${Math.round(short)}x${Math.round(long)}mm`;
}
