// Original file: quire/federation/v1/federation.proto

import type { Welcome as _quire_federation_v1_Welcome, Welcome__Output as _quire_federation_v1_Welcome__Output } from '../../../quire/federation/v1/Welcome';
import type { CentralHeartbeat as _quire_federation_v1_CentralHeartbeat, CentralHeartbeat__Output as _quire_federation_v1_CentralHeartbeat__Output } from '../../../quire/federation/v1/CentralHeartbeat';
import type { OutboxAck as _quire_federation_v1_OutboxAck, OutboxAck__Output as _quire_federation_v1_OutboxAck__Output } from '../../../quire/federation/v1/OutboxAck';
import type { VersionedBatch as _quire_federation_v1_VersionedBatch, VersionedBatch__Output as _quire_federation_v1_VersionedBatch__Output } from '../../../quire/federation/v1/VersionedBatch';

export interface CentralMessage {
  'welcome'?: (_quire_federation_v1_Welcome | null);
  'heartbeat'?: (_quire_federation_v1_CentralHeartbeat | null);
  'outboxAck'?: (_quire_federation_v1_OutboxAck | null);
  'directory'?: (_quire_federation_v1_VersionedBatch | null);
  'templates'?: (_quire_federation_v1_VersionedBatch | null);
  'payload'?: "welcome"|"heartbeat"|"outboxAck"|"directory"|"templates";
}

export interface CentralMessage__Output {
  'welcome'?: (_quire_federation_v1_Welcome__Output | null);
  'heartbeat'?: (_quire_federation_v1_CentralHeartbeat__Output | null);
  'outboxAck'?: (_quire_federation_v1_OutboxAck__Output | null);
  'directory'?: (_quire_federation_v1_VersionedBatch__Output | null);
  'templates'?: (_quire_federation_v1_VersionedBatch__Output | null);
  'payload'?: "welcome"|"heartbeat"|"outboxAck"|"directory"|"templates";
}
