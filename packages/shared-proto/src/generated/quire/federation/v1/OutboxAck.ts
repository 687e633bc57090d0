// Original file: quire/federation/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface OutboxAck {
  'appliedSeq'?: (number | string | Long);
  'error'?: (string);
}

export interface OutboxAck__Output {
  'appliedSeq': (string);
  'error': (string);
}
