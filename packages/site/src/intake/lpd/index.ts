/**
 * The LPD (RFC 1179) print intake: what the site's composition root wires in.
 */
export { LpdListener, type LpdListenerOptions } from './lpd-listener';
