// Original file: quire/federation/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface BatchAck {
  'batch'?: (number | string | Long);
  'version'?: (number | string | Long);
  'error'?: (string);
}

export interface BatchAck__Output {
  'batch': (string);
  'version': (string);
  'error': (string);
}
