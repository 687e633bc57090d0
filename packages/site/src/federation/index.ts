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
export {
  ReplicationOutbox,
  auditRecordOf,
  jobEventRecordOf,
  jobRecordOf,
  type OutboxDraft,
  type OutboxFigures,
  type PendingOutboxRecord,
  type ReplicationOutboxOptions,
} from './replication-outbox';
export {
  OUTBOX_COUNTER_ID,
  OutboxCounterEntity,
  OutboxRecordEntity,
  outboxEntities,
} from './replication-outbox.entity';
export { registerOutboxMetrics } from './replication-outbox-metrics';
export { OutboxSender, type OutboxSenderOptions } from './outbox-sender';
export {
  buildTemplateApplier,
  TemplateSink,
  type TemplateApplierOptions,
  type TemplateFailure,
  type TemplateSinkOptions,
} from './template-sink';
export {
  SiteTemplateEntity,
  TEMPLATE_STATE_ROW,
  TemplateStateEntity,
  templateSinkEntities,
} from './template-sink.entities';
export {
  DIRECTORY_SNAPSHOT_STATE,
  DIRECTORY_VERSION_STATE,
  DirectorySink,
  directoryApplier,
  type DirectorySinkOptions,
} from './directory-sink';
export { LookupKeyAdopter, type LookupKeyAdopterOptions } from './lookup-key-adopter';
export { registerReplicationMetrics, type ReplicatedSet } from './replication-metrics';
