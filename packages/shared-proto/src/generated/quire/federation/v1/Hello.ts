// Original file: quire/federation/v1/federation.proto

import type { Long } from '@grpc/proto-loader';

export interface Hello {
  'siteId'?: (string);
  'siteName'?: (string);
  'siteVersion'?: (string);
  'protocolVersion'?: (number);
  'startedAtMs'?: (number | string | Long);
  'directoryVersion'?: (number | string | Long);
  'templateVersion'?: (number | string | Long);
}

export interface Hello__Output {
  'siteId': (string);
  'siteName': (string);
  'siteVersion': (string);
  'protocolVersion': (number);
  'startedAtMs': (string);
  'directoryVersion': (string);
  'templateVersion': (string);
}
