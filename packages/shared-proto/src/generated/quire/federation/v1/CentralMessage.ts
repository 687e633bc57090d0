// Original file: quire/federation/v1/federation.proto

import type { Welcome as _quire_federation_v1_Welcome, Welcome__Output as _quire_federation_v1_Welcome__Output } from '../../../quire/federation/v1/Welcome';
import type { CentralHeartbeat as _quire_federation_v1_CentralHeartbeat, CentralHeartbeat__Output as _quire_federation_v1_CentralHeartbeat__Output } from '../../../quire/federation/v1/CentralHeartbeat';

export interface CentralMessage {
  'welcome'?: (_quire_federation_v1_Welcome | null);
  'heartbeat'?: (_quire_federation_v1_CentralHeartbeat | null);
  'payload'?: "welcome"|"heartbeat";
}

export interface CentralMessage__Output {
  'welcome'?: (_quire_federation_v1_Welcome__Output | null);
  'heartbeat'?: (_quire_federation_v1_CentralHeartbeat__Output | null);
  'payload'?: "welcome"|"heartbeat";
}
