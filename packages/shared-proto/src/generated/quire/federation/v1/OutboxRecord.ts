// Original file: quire/federation/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface OutboxRecord {
  'seq'?: (number | string | Long);
  'kind'?: (string);
  'key'?: (string);
  'atMs'?: (number | string | Long);
  'body'?: (Buffer | Uint8Array | string);
}

export interface OutboxRecord__Output {
  'seq': (string);
  'kind': (string);
  'key': (string);
  'atMs': (string);
  'body': (Buffer);
}
