/**
 * The IPP codec (RFC 8010/8011): types and constants, the message model, the decoder (whole-buffer and
 * streaming), the encoder and the attribute registry. Used by the site's IPP intake and, later, by release.
 */
export * from './ipp-types';
export * from './ipp-message';
export * from './ipp-parse-error';
export * from './ipp-decode';
export * from './ipp-encode';
export * from './ipp-stream';
export * from './ipp-registry';
