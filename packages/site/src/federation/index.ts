/**
 * The site's federation capability: the link to central, the stored credential and the reconnect backoff.
 */
export {
  CentralLink,
  type CentralLinkEvents,
  type CentralLinkOptions,
  type CentralLinkState,
  type CentralLinkStatus,
} from './central-link';
export { CredentialStore, type StoredCredential } from './credential-store';
export { reconnectDelay } from './backoff';
export type { LinkChannel, LinkParticipant } from './link-participant';
export {
  VersionedApplier,
  type AppliedBatch,
  type VersionedSink,
  type VersionedApplierOptions,
} from './versioned-applier';
