/**
 * Which registered printer a discovered device is, and what discovery changes on it. The MAC address is the
 * identity (as in MyQ), then the serial number (devices whose MAC cannot be read), then the address, so a
 * printer that moved to another IP is updated, not added twice. A serial-number or address match is refused when
 * the printer's MAC or serial number contradicts the device's: a replacement printer at an old printer's address
 * is a new device, not a renamed one.
 *
 * The address of a printer is the host SNMP goes to: `snmpHost` when set, else the host of its URI. A moved
 * device gets that host rewritten only when it is an IPv4 address; a host name is left alone, as DNS follows
 * the device by itself.
 */
import { isIP } from 'node:net';
import { formatPrinterUri, parsePrinterUri } from '../../release/printer-uri';
import { macAddressSchema, type PrinterPatch } from '../printer-input';
import { type PrinterEntity } from '../printer.entity';
import { type PrinterIdentity } from '../snmp/printer-reader';
import { resolveLocation, type DeviceActions } from './discovery-rules';

/** How a device was recognised. */
export type MatchedBy = 'mac' | 'serial' | 'address';

/** A registered printer a device was recognised as. */
export interface PrinterMatch {
  printer: PrinterEntity;
  by: MatchedBy;
}

/** The identity fields a match compares, normalised (MAC as `aa:bb:...`, serial trimmed; null when unknown). */
export interface DeviceKey {
  address: string;
  mac: string | null;
  serial: string | null;
}

/** A MAC address in the registry's spelling, or null for none, an unreadable one or the all-zero placeholder. */
export function normaliseMac(mac: string | null): string | null {
  const parsed = mac === null ? null : macAddressSchema.safeParse(mac);
  return parsed?.success && parsed.data !== '00:00:00:00:00:00' ? parsed.data : null;
}

/** The key of a device that answered at `address`. */
export function deviceKey(address: string, identity: Pick<PrinterIdentity, 'mac' | 'serial'>): DeviceKey {
  const serial = identity.serial?.trim().slice(0, 128) || null;
  return { address, mac: normaliseMac(identity.mac), serial };
}

/** The host SNMP reaches a printer at, or null when its URI cannot be parsed. */
export function printerAddress(printer: PrinterEntity): string | null {
  if (printer.snmpHost) return printer.snmpHost;
  try {
    return parsePrinterUri(printer.uri).host;
  } catch {
    return null;
  }
}

function agrees(known: string | null, seen: string | null): boolean {
  return known === null || seen === null || known === seen;
}

/** The printer `device` is, by MAC, then serial number, then address; null for a new device. */
export function matchPrinter(device: DeviceKey, printers: readonly PrinterEntity[]): PrinterMatch | null {
  if (device.mac) {
    const byMac = printers.find((printer) => printer.mac === device.mac);
    if (byMac) return { printer: byMac, by: 'mac' };
  }
  if (device.serial) {
    const bySerial = printers.find((p) => p.serial === device.serial && agrees(p.mac, device.mac));
    if (bySerial) return { printer: bySerial, by: 'serial' };
  }
  const byAddress = printers.find(
    (p) =>
      printerAddress(p) === device.address && agrees(p.mac, device.mac) && agrees(p.serial, device.serial),
  );
  return byAddress ? { printer: byAddress, by: 'address' } : null;
}

/** The URI or SNMP host change that points a printer at `address`, or nothing when it needs none. */
function addressChange(printer: PrinterEntity, address: string): PrinterPatch {
  const current = printerAddress(printer);
  if (current === null || current === address || isIP(current) !== 4) return {};
  if (printer.snmpHost) return { snmpHost: address };
  return { uri: formatPrinterUri({ ...parsePrinterUri(printer.uri), host: address }) };
}

/**
 * What discovery changes on a known printer: its address when the device moved, the identity the device reports
 * (model, serial number, MAC, colour; the contact only while empty), and the all-run actions (group,
 * configuration profile, location). Only fields whose value differs are in the patch.
 */
export function knownPrinterPatch(
  printer: PrinterEntity,
  device: DeviceKey,
  identity: PrinterIdentity,
  actions: DeviceActions,
): PrinterPatch {
  const wanted: PrinterPatch = {
    ...addressChange(printer, device.address),
    model: identity.model.slice(0, 255) || undefined,
    serial: device.serial ?? undefined,
    mac: device.mac ?? undefined,
    colorCapable: identity.colorCapable ?? undefined,
    contact: printer.contact === '' && identity.sysContact ? identity.sysContact.slice(0, 255) : undefined,
    group: actions.group ?? undefined,
    configProfileId: actions.configProfileId ?? undefined,
    location: actions.location === null ? undefined : resolveLocation(actions.location, identity.sysLocation),
  };
  const patch: PrinterPatch = {};
  for (const [key, value] of Object.entries(wanted) as Array<[keyof PrinterPatch, unknown]>) {
    if (value !== undefined && value !== printer[key as keyof PrinterEntity])
      Object.assign(patch, { [key]: value });
  }
  return patch;
}
