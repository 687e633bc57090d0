// Original file: quire/federation/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface SiteHeartbeat {
  'sentAtMs'?: (number | string | Long);
  'uptimeS'?: (number | string | Long);
  'rssBytes'?: (number | string | Long);
  'outboxPending'?: (number | string | Long);
  'outboxOldestMs'?: (number | string | Long);
  'outboxLastSeq'?: (number | string | Long);
}

export interface SiteHeartbeat__Output {
  'sentAtMs': (string);
  'uptimeS': (string);
  'rssBytes': (string);
  'outboxPending': (string);
  'outboxOldestMs': (string);
  'outboxLastSeq': (string);
}
