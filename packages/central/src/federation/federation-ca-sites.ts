/**
 * Site client certificates: issued by central's federation CA at enrolment, checked on every Session.
 *
 * A CSR is checked (PEM, signature, key type) before the enrolment token is spent, so a site with a broken
 * request can fix it and retry with the same token. Central takes nothing from the CSR but its public key: the
 * certificate names the site id central assigned (CN and SAN URI `urn:quire:site:<id>`), never a name the site
 * chose.
 *
 * The Session check is the half of mutual TLS that the TLS layer cannot do: the handshake only proves the peer
 * holds some certificate of this CA; the check proves it is the certificate of the site in `x-quire-site-id`.
 * It runs in addition to the credential check, never instead of it, so a revoked site's certificate opens
 * nothing: its credential is refused.
 */
import * as x509 from '@peculiar/x509';
import { ErrorCode, QuireError } from '@quire/common';
import { siteIdsOf } from './federation-ca-x509';
import type { FederationCa } from './federation-ca';

/** What central's federation server needs from its CA for site certificates. */
export interface SiteCertificates {
  /** True when every session must present the client certificate of its site. */
  readonly required: boolean;
  /** Check an enrolment's CSR (empty: none) before the token is spent; throws VALIDATION_FAILED. */
  prepareEnrolment(csrPem: string): Promise<PendingSiteCertificate>;
  /** Why the TLS peer of a session may not act as `siteId`, or null when it may. */
  checkSessionPeer(call: TlsPeerCall, siteId: string): Promise<string | null>;
}

/** An enrolment whose CSR passed; `issue` runs once central has assigned the site id. */
export interface PendingSiteCertificate {
  /** The site's certificate (empty without a CSR) and the CA certificate, both PEM. */
  issue(siteId: string): Promise<{ clientCertPem: string; caCertPem: string }>;
}

/** The part of a grpc-js server call that tells who the TLS peer is. */
export interface TlsPeerCall {
  getAuthContext(): { sslPeerCertificate?: { raw?: Buffer } } | null;
}

/** Refusal shown to a site that opens a session without its certificate while mutual TLS is on. */
export const CLIENT_CERTIFICATE_REQUIRED =
  "central requires mutual TLS (federation.mtls): no valid client certificate from central's federation CA was presented (none, expired, or from another CA). Enrol the site again with central.clientCertificate=true (QUIRE_CENTRAL_CLIENT_CERTIFICATE)";

const MAX_CSR_CHARS = 16_384;
const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);
const MIN_RSA_BITS = 2048;

/** SiteCertificates backed by central's own FederationCa. */
export class CaSiteCertificates implements SiteCertificates {
  constructor(
    private readonly ca: FederationCa,
    readonly required: boolean,
  ) {}

  /** Verify the CSR now; sign it for the assigned site id later. */
  async prepareEnrolment(csrPem: string): Promise<PendingSiteCertificate> {
    const caCertPem = this.ca.certPem;
    if (!csrPem) {
      if (this.required) {
        throw new QuireError(
          ErrorCode.ValidationFailed,
          'central requires mutual TLS (federation.mtls), so enrolment needs a certificate request: set central.clientCertificate=true (QUIRE_CENTRAL_CLIENT_CERTIFICATE) at the site and restart it; the enrolment token was not used',
        );
      }
      return { issue: async () => ({ clientCertPem: '', caCertPem }) };
    }
    const request = await verifiedRequest(csrPem);
    return {
      issue: async (siteId) => ({ clientCertPem: await this.ca.signSiteRequest(request, siteId), caCertPem }),
    };
  }

  /** Null when the peer's certificate is signed by the CA, valid now and names exactly `siteId`. */
  async checkSessionPeer(call: TlsPeerCall, siteId: string): Promise<string | null> {
    // grpc-js reports a peer certificate only when the handshake verified it against the CA.
    const raw = call.getAuthContext()?.sslPeerCertificate?.raw;
    if (!raw) return this.required ? CLIENT_CERTIFICATE_REQUIRED : null;
    let cert: x509.X509Certificate;
    try {
      cert = new x509.X509Certificate(raw);
    } catch {
      return 'the client certificate could not be read';
    }
    const now = Date.now();
    if (!(await this.ca.signed(cert)) || cert.notBefore.getTime() > now || cert.notAfter.getTime() < now) {
      return CLIENT_CERTIFICATE_REQUIRED;
    }
    const named = siteIdsOf(cert);
    if (named.length !== 1 || named[0] !== siteId) {
      return `the client certificate belongs to ${named.length ? `site ${named.join(', ')}` : 'no site'}, not to site ${siteId}: a site can only act as itself`;
    }
    return null;
  }
}

/** Parse and check a CSR: PEM PKCS#10, a valid self-signature (proof of the key), a key type TLS accepts. */
async function verifiedRequest(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  if (csrPem.length > MAX_CSR_CHARS) throw badRequest(`it is longer than ${MAX_CSR_CHARS} characters`);
  let request: x509.Pkcs10CertificateRequest;
  try {
    request = new x509.Pkcs10CertificateRequest(csrPem);
  } catch {
    throw badRequest('it is not a PEM PKCS#10 certificate request');
  }
  const problem = keyProblem(request.publicKey.algorithm);
  if (problem) throw badRequest(problem);
  const valid = await request.verify().catch(() => false);
  if (!valid) throw badRequest('its signature does not verify');
  return request;
}

function keyProblem(algorithm: { name: string }): string | null {
  const params = algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  if (algorithm.name === 'ECDSA') {
    return params.namedCurve && EC_CURVES.has(params.namedCurve)
      ? null
      : `its EC key uses curve ${params.namedCurve ?? 'unknown'}; use P-256, P-384 or P-521`;
  }
  if (algorithm.name === 'RSASSA-PKCS1-v1_5' || algorithm.name === 'RSA-PSS') {
    return (params.modulusLength ?? 0) >= MIN_RSA_BITS
      ? null
      : `its RSA key is shorter than ${MIN_RSA_BITS} bits`;
  }
  return `its key type ${algorithm.name} is not supported; use ECDSA P-256 or RSA`;
}

function badRequest(problem: string): QuireError {
  return new QuireError(
    ErrorCode.ValidationFailed,
    `the certificate request (csr_pem) is refused: ${problem}; the enrolment token was not used`,
  );
}
