/**
 * Central's federation capability: the gRPC server sites connect to, the live session registry, and the
 * SiteAuthority port the sites service implements.
 */
export { FederationServer, type FederationServerOptions } from './federation-server';
export {
  SiteSessionRegistry,
  type SiteLinkStatus,
  type SiteSessionRegistryOptions,
  type RegisteredSession,
  type SessionEndKind,
} from './session-registry';
export type { AuthenticatedSite, SiteAuthority } from './site-authority';
export { createFederationMetrics, type FederationMetrics, type SessionOutcome } from './federation-metrics';
export type { SessionChannel, SessionParticipant, SessionParticipantFactory } from './session-participant';
export {
  versionedPublisher,
  type ChangesPage,
  type VersionedSource,
  type VersionedPublisherOptions,
} from './versioned-publisher';
export { replicationInbox, MAX_QUEUED_BATCHES, type ReplicationInboxOptions } from './replication-inbox';
export {
  DirectorySource,
  directoryPublisher,
  type DirectoryPublisher,
  type DirectoryPublisherOptions,
  type DirectorySnapshot,
  type DirectorySourceOptions,
} from './directory-source';
