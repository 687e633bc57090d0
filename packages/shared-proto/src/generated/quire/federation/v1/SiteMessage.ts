// Original file: quire/federation/v1/federation.proto

import type { Hello as _quire_federation_v1_Hello, Hello__Output as _quire_federation_v1_Hello__Output } from '../../../quire/federation/v1/Hello';
import type { SiteHeartbeat as _quire_federation_v1_SiteHeartbeat, SiteHeartbeat__Output as _quire_federation_v1_SiteHeartbeat__Output } from '../../../quire/federation/v1/SiteHeartbeat';

export interface SiteMessage {
  'hello'?: (_quire_federation_v1_Hello | null);
  'heartbeat'?: (_quire_federation_v1_SiteHeartbeat | null);
  'payload'?: "hello"|"heartbeat";
}

export interface SiteMessage__Output {
  'hello'?: (_quire_federation_v1_Hello__Output | null);
  'heartbeat'?: (_quire_federation_v1_SiteHeartbeat__Output | null);
  'payload'?: "hello"|"heartbeat";
}
