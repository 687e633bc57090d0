/**
 * The output driver for each protocol of an OutputTarget. Drivers are stateless, so one instance of each
 * serves every printer and every concurrent release.
 */
import { type OutputDriver, type OutputTarget } from './output-driver';
import { IppOutputDriver } from './output-ipp';
import { LprOutputDriver } from './output-lpr';
import { RawOutputDriver } from './output-raw';

const ipp = new IppOutputDriver();

/** One shared driver per protocol (`ipp` and `ipps` share the IPP driver, which picks TLS from the target). */
export const outputDrivers: Readonly<Record<OutputTarget['protocol'], OutputDriver>> = {
  raw: new RawOutputDriver(),
  lpr: new LprOutputDriver(),
  ipp,
  ipps: ipp,
};

/** The driver that sends to `protocol` (equivalently `outputDrivers[protocol]`). */
export function createOutputDriver(protocol: OutputTarget['protocol']): OutputDriver {
  return outputDrivers[protocol];
}
