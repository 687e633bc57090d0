/**
 * What the SNMP layer needs to talk to one device: the protocol settings of an SNMP profile, flattened to plain
 * data (so the reader never touches the database), and the host they apply to. A printer's SNMP host is its
 * `snmpHost` when set (a print-server box in front of the device), otherwise the host of its device URI.
 */
import { parsePrinterUri } from '../../release/printer-uri';
import { type PrinterEntity } from '../printer.entity';

/** The SNMP versions a profile may use. */
export type SnmpVersion = '1' | '2c' | '3';

/** SNMPv3 authentication protocols (RFC 3414 MD5/SHA-1, RFC 7860 SHA-2). */
export type SnmpAuthProtocol = 'none' | 'md5' | 'sha' | 'sha256' | 'sha512';

/** SNMPv3 privacy protocols: DES (RFC 3414), AES-128 (RFC 3826), AES-256 with Blumenthal key extension. */
export type SnmpPrivProtocol = 'none' | 'des' | 'aes' | 'aes256';

/** The USM settings of an SNMPv3 profile. Keys are passphrases; they never leave the process in messages. */
export interface SnmpV3Settings {
  user: string;
  authProtocol: SnmpAuthProtocol;
  authKey: string;
  privProtocol: SnmpPrivProtocol;
  privKey: string;
  context: string;
}

/** How to ask a device: the protocol settings of one SNMP profile. */
export interface SnmpProfileSettings {
  version: SnmpVersion;
  /** The read community (v1/v2c); empty for v3. */
  community: string;
  port: number;
  /** How long to wait for each try. */
  timeoutMs: number;
  /** How many times a request is sent again after a timeout (so `retries + 1` tries in all). */
  retries: number;
  v3: SnmpV3Settings | null;
}

/** One device to ask, and how. */
export interface SnmpTarget {
  host: string;
  profile: SnmpProfileSettings;
}

/** The port SNMP agents listen on. */
export const DEFAULT_SNMP_PORT = 161;

/**
 * The SNMP target of a printer under `profile`: its `snmpHost` when set, else the host of its device URI.
 * Throws PRINTER_URI_INVALID when the printer has no SNMP host and its URI cannot be parsed.
 */
export function snmpTargetOf(printer: PrinterEntity, profile: SnmpProfileSettings): SnmpTarget {
  const host = printer.snmpHost ?? parsePrinterUri(printer.uri).host;
  return { host, profile };
}

/** `host:port` (IPv6 in brackets), as messages and logs name a target. */
export function describeTarget(target: SnmpTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${host}:${target.profile.port}`;
}
