/**
 * The site's side of mutual TLS with central: a key and CSR made at enrolment, the check of the certificate
 * central returns, and the gRPC channel credentials every later session uses.
 *
 * The key is made here and never leaves the site; central only sees the CSR and decides the certificate's
 * names itself (the site id it assigned). What central returns is checked before it is kept: a certificate
 * for another key or from another CA would only fail later, at every session, with a less helpful error.
 */
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as x509 from '@peculiar/x509';
import type { ClientCertificate } from './credential-store';

x509.cryptoProvider.set(webcrypto);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
// A stored certificate this close to its end is worth a warning at every start.
const EXPIRY_WARNING_DAYS = 60;

/** The private key and CSR a site sends with its enrolment; the key stays here. */
export interface CertificateRequest {
  keyPem: string;
  csrPem: string;
}

/** The TLS settings of the link, as CentralLink receives them. */
export interface LinkTls {
  enabled: boolean;
  caPem?: Buffer;
  /** Ask central for a client certificate at enrolment and present it on every session (mutual TLS). */
  clientCertificate?: boolean;
}

/** A new ECDSA P-256 key and a CSR for it. The subject is a placeholder: central names the certificate. */
export async function createCertificateRequest(): Promise<CertificateRequest> {
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=quire-site',
    keys,
    signingAlgorithm: KEY_ALGORITHM,
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keyPem: x509.PemConverter.encode(der, 'PRIVATE KEY'), csrPem: csr.toString('pem') };
}

/**
 * Check the certificate central issued for `request`: it must be for this key and signed by the CA central
 * sent along. Returns the certificate to keep, or why it cannot be used.
 */
export function acceptIssuedCertificate(
  request: CertificateRequest,
  issued: { clientCertPem: string; caCertPem: string },
): { certificate: ClientCertificate } | { problem: string } {
  if (!issued.clientCertPem) {
    return { problem: 'central issued no client certificate: it runs without its own federation CA' };
  }
  try {
    const cert = new X509Certificate(issued.clientCertPem);
    if (!cert.checkPrivateKey(createPrivateKey(request.keyPem))) {
      return { problem: 'the client certificate from central is for another key' };
    }
    if (!issued.caCertPem || !cert.verify(new X509Certificate(issued.caCertPem).publicKey)) {
      return { problem: 'the client certificate from central is not signed by the CA central sent' };
    }
  } catch {
    return { problem: 'central sent a client certificate that is not valid PEM' };
  }
  return {
    certificate: { keyPem: request.keyPem, certPem: issued.clientCertPem, caCertPem: issued.caCertPem },
  };
}

/**
 * A warning for the log when the certificate expires within 60 days or has expired, else null. There is no
 * renewal message in the protocol yet, so the way out is a new enrolment, and the operator needs the lead time.
 */
export function expiryWarning(certificate: ClientCertificate, now = new Date()): string | null {
  let notAfter: Date;
  try {
    notAfter = new Date(new X509Certificate(certificate.certPem).validTo);
  } catch {
    return 'the stored client certificate for central is unreadable: enrol the site again with a new enrolment token';
  }
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  if (days > EXPIRY_WARNING_DAYS) return null;
  return days < 0
    ? `the client certificate for central expired on ${notAfter.toISOString()}: enrol the site again with a new enrolment token`
    : `the client certificate for central expires in ${days} days (${notAfter.toISOString()}): enrol the site again with a new enrolment token before then`;
}

/**
 * Channel credentials for one connection to central: plaintext, TLS against `caPem` (or the system CAs), and
 * with a stored client certificate, mutual TLS.
 */
export function channelCredentials(tls: LinkTls, certificate?: ClientCertificate): grpc.ChannelCredentials {
  if (!tls.enabled) return grpc.credentials.createInsecure();
  if (!certificate) return grpc.credentials.createSsl(tls.caPem ?? null);
  return grpc.credentials.createSsl(
    tls.caPem ?? null,
    Buffer.from(certificate.keyPem),
    Buffer.from(certificate.certPem),
  );
}
