// Original file: quire/federation/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface Welcome {
  'centralVersion'?: (string);
  'protocolVersion'?: (number);
  'heartbeatSeconds'?: (number);
  'serverTimeMs'?: (number | string | Long);
  'appliedSeq'?: (number | string | Long);
  'lookupKey'?: (string);
}

export interface Welcome__Output {
  'centralVersion': (string);
  'protocolVersion': (number);
  'heartbeatSeconds': (number);
  'serverTimeMs': (string);
  'appliedSeq': (string);
  'lookupKey': (string);
}
