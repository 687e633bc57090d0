// Original file: quire/federation/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface CentralHeartbeat {
  'sentAtMs'?: (number | string | Long);
}

export interface CentralHeartbeat__Output {
  'sentAtMs': (string);
}
