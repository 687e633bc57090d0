/**
 * Raw socket print intake (port 9100 style): what the site's composition root wires in.
 */
export { RawPortListener, type RawPortListenerOptions, type RawJobResult } from './raw-listener';
export {
  RawPortManager,
  type RawPortManagerOptions,
  type RawPortMapping,
  type RawPortStatus,
} from './raw-port-manager';
