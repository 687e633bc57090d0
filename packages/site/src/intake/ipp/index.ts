/**
 * The site's IPP/IPPS intake: the listener, its TLS helper, and the pieces other front-ends or tests reuse
 * (the job state mapping and the printer attribute lists).
 */
export { IppListener, type IppListenerOptions } from './ipp-listener';
export { loadIppTlsCredentials, type IppTlsCredentials, type IppTlsOptions } from './ipp-tls';
export { ippJobStatus, type IppJobStatus } from './ipp-job-attributes';
export { supportedDocumentFormats, supportedMedia, supportedOperations } from './ipp-printer-attributes';
