// Original file: quire/federation/v1/federation.proto

import type { Hello as _quire_federation_v1_Hello, Hello__Output as _quire_federation_v1_Hello__Output } from '../../../quire/federation/v1/Hello';
import type { SiteHeartbeat as _quire_federation_v1_SiteHeartbeat, SiteHeartbeat__Output as _quire_federation_v1_SiteHeartbeat__Output } from '../../../quire/federation/v1/SiteHeartbeat';
import type { OutboxBatch as _quire_federation_v1_OutboxBatch, OutboxBatch__Output as _quire_federation_v1_OutboxBatch__Output } from '../../../quire/federation/v1/OutboxBatch';
import type { BatchAck as _quire_federation_v1_BatchAck, BatchAck__Output as _quire_federation_v1_BatchAck__Output } from '../../../quire/federation/v1/BatchAck';

export interface SiteMessage {
  'hello'?: (_quire_federation_v1_Hello | null);
  'heartbeat'?: (_quire_federation_v1_SiteHeartbeat | null);
  'outbox'?: (_quire_federation_v1_OutboxBatch | null);
  'directoryAck'?: (_quire_federation_v1_BatchAck | null);
  'templateAck'?: (_quire_federation_v1_BatchAck | null);
  'payload'?: "hello"|"heartbeat"|"outbox"|"directoryAck"|"templateAck";
}

export interface SiteMessage__Output {
  'hello'?: (_quire_federation_v1_Hello__Output | null);
  'heartbeat'?: (_quire_federation_v1_SiteHeartbeat__Output | null);
  'outbox'?: (_quire_federation_v1_OutboxBatch__Output | null);
  'directoryAck'?: (_quire_federation_v1_BatchAck__Output | null);
  'templateAck'?: (_quire_federation_v1_BatchAck__Output | null);
  'payload'?: "hello"|"heartbeat"|"outbox"|"directoryAck"|"templateAck";
}
