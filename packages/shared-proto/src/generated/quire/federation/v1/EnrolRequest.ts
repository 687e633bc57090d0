// Original file: quire/federation/v1/federation.proto


export interface EnrolRequest {
  'token'?: (string);
  'siteName'?: (string);
  'siteVersion'?: (string);
  'csrPem'?: (string);
}

export interface EnrolRequest__Output {
  'token': (string);
  'siteName': (string);
  'siteVersion': (string);
  'csrPem': (string);
}
