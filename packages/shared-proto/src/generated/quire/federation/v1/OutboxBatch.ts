// Original file: quire/federation/v1/federation.proto

import type { OutboxRecord as _quire_federation_v1_OutboxRecord, OutboxRecord__Output as _quire_federation_v1_OutboxRecord__Output } from '../../../quire/federation/v1/OutboxRecord';

export interface OutboxBatch {
  'records'?: (_quire_federation_v1_OutboxRecord)[];
}

export interface OutboxBatch__Output {
  'records': (_quire_federation_v1_OutboxRecord__Output)[];
}
