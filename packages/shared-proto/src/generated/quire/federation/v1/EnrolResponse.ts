// Original file: quire/federation/v1/federation.proto


export interface EnrolResponse {
  'siteId'?: (string);
  'siteName'?: (string);
  'credential'?: (string);
  'clientCertPem'?: (string);
  'caCertPem'?: (string);
}

export interface EnrolResponse__Output {
  'siteId': (string);
  'siteName': (string);
  'credential': (string);
  'clientCertPem': (string);
  'caCertPem': (string);
}
