// Original file: quire/federation/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface VersionedBatch {
  'batch'?: (number | string | Long);
  'snapshotId'?: (number | string | Long);
  'first'?: (boolean);
  'last'?: (boolean);
  'fromVersion'?: (number | string | Long);
  'toVersion'?: (number | string | Long);
  'changes'?: (Buffer | Uint8Array | string);
}

export interface VersionedBatch__Output {
  'batch': (string);
  'snapshotId': (string);
  'first': (boolean);
  'last': (boolean);
  'fromVersion': (string);
  'toVersion': (string);
  'changes': (Buffer);
}
