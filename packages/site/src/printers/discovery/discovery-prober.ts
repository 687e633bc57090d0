/**
 * Probes the addresses of a discovery over SNMP with bounded concurrency: a fixed number of workers take the
 * next address from one shared iterator, so a /16 never becomes 65,536 pending promises and the number of open
 * UDP sockets never exceeds `concurrency`. An address that does not answer (or answers with an error) is simply
 * not found; only answers come back, in address order whatever order they arrived in.
 */
import { describeError, isQuireError, ErrorCode, type Logger } from '@quire/common';
import { type PrinterIdentity } from '../snmp/printer-reader';
import { type SnmpProfileSettings, type SnmpTarget } from '../snmp/snmp-settings';
import { ipv4ToNumber, type AddressSet } from './address-ranges';

/** Reads a device's identity (the SNMP layer's identifyPrinter); QuireError SNMP_TIMEOUT when nothing answers. */
export type IdentifyDevice = (target: SnmpTarget) => Promise<PrinterIdentity>;

/** A device that answered. */
export interface ProbedDevice {
  address: string;
  identity: PrinterIdentity;
}

/** How far a discovery is: addresses probed, of how many, and how many answered. */
export interface DiscoveryProgress {
  done: number;
  total: number;
  found: number;
}

/** What to probe and how. */
export interface ProbeOptions {
  addresses: AddressSet;
  profile: SnmpProfileSettings;
  identify: IdentifyDevice;
  /** Most probes in flight at once (`printers.discoveryConcurrency`). */
  concurrency: number;
  onProgress?: (progress: DiscoveryProgress) => void;
  /** Checked before each address: true stops the workers after their current probe (the server stops). */
  stopped?: () => boolean;
  logger: Logger;
}

/** Probe every address; resolves with the devices that answered, in address order. */
export async function probeAddresses(options: ProbeOptions): Promise<ProbedDevice[]> {
  const { addresses, profile, identify, logger } = options;
  const next = addresses[Symbol.iterator]();
  const found: ProbedDevice[] = [];
  const progress: DiscoveryProgress = { done: 0, total: addresses.size, found: 0 };
  const worker = async (): Promise<void> => {
    for (let item = next.next(); !item.done && !options.stopped?.(); item = next.next()) {
      const address = item.value;
      try {
        found.push({ address, identity: await identify({ host: address, profile }) });
        progress.found += 1;
      } catch (err) {
        // Silence is the common case (no device there); anything else is worth a line when debugging.
        if (!isQuireError(err, ErrorCode.SnmpTimeout)) {
          logger.debug('discovery probe failed', { address, error: describeError(err) });
        }
      }
      progress.done += 1;
      options.onProgress?.({ ...progress });
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, addresses.size));
  await Promise.all(Array.from({ length: workers }, worker));
  return found.sort((a, b) => (ipv4ToNumber(a.address) ?? 0) - (ipv4ToNumber(b.address) ?? 0));
}
