/**
 * The X.509 building blocks of central's federation CA, on @peculiar/x509 over node:crypto's WebCrypto: key
 * pairs, the three kinds of certificate central issues (its CA, its server certificate, site client
 * certificates), and reading names back out of a certificate.
 *
 * Every key is ECDSA P-256: it is what TLS 1.3 stacks agree on everywhere, and a key pair takes a millisecond,
 * so enrolling a thousand sites never waits on key generation the way RSA would.
 */
import { createPublicKey, randomBytes, webcrypto } from 'node:crypto';

import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

/** The key and signature algorithm of every key central makes. */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** The SAN URI that names a site in its client certificate. */
export function siteUri(siteId: string): string {
  return `urn:quire:site:${siteId}`;
}

const SITE_URI_PREFIX = 'urn:quire:site:';
const DAY_MS = 86_400_000;
// Certificates start a minute in the past, so a peer whose clock is slightly behind does not reject them.
const CLOCK_SLACK_MS = 60_000;

/** A certificate with its private key, both PEM. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

/** A CA able to sign: its certificate and its private key. */
export interface SigningCa {
  cert: x509.X509Certificate;
  key: webcrypto.CryptoKey;
}

/** A fresh, extractable ECDSA P-256 key pair. */
export async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
}

/** A private key as PKCS#8 PEM, the form Node's TLS and grpc-js read. */
export async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Import a PKCS#8 PEM private key for signing. */
export async function importSigningKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
}

/** True when `keyPem` is the private key of `cert`: a key from another certificate must never be served. */
export function keyMatchesCertificate(keyPem: string, cert: x509.X509Certificate): boolean {
  try {
    const publicDer = createPublicKey(keyPem).export({ type: 'spki', format: 'der' });
    return publicDer.equals(Buffer.from(cert.publicKey.rawData));
  } catch {
    return false;
  }
}

/** A random positive serial number: unique enough that two certificates of one CA never share one. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}

function validity(days: number, notAfterCap?: Date): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  const wanted = now + days * DAY_MS;
  const cap = notAfterCap?.getTime() ?? wanted;
  return { notBefore: new Date(now - CLOCK_SLACK_MS), notAfter: new Date(Math.min(wanted, cap)) };
}

/** A self-signed CA certificate with a new key; the random suffix tells two installations' CAs apart. */
export async function createCa(
  days: number,
): Promise<{ cert: x509.X509Certificate; keys: webcrypto.CryptoKeyPair }> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: [`Quire federation CA ${randomBytes(4).toString('hex')}`] }, { O: ['Quire'] }],
    ...validity(days),
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

/** SAN entries for host names and IP addresses. */
function hostAltNames(names: readonly string[]): x509.JsonGeneralName[] {
  return names.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value }));
}

async function issue(
  ca: SigningCa,
  params: {
    commonName: string;
    publicKey: x509.PublicKey | webcrypto.CryptoKey;
    days: number;
    usage: string;
    altNames: x509.JsonGeneralName[];
  },
): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: [{ CN: [params.commonName] }],
    issuer: ca.cert.subjectName,
    ...validity(params.days, ca.cert.notAfter),
    publicKey: params.publicKey,
    signingKey: ca.key,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([params.usage]),
      new x509.SubjectAlternativeNameExtension(params.altNames),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
    ],
  });
}

/** A server certificate with a new key for `names` (the first one is also its common name). */
export async function issueServerCertificate(
  ca: SigningCa,
  names: readonly string[],
  days: number,
): Promise<PemPair> {
  const keys = await generateKeyPair();
  const cert = await issue(ca, {
    commonName: names[0],
    publicKey: keys.publicKey,
    days,
    usage: x509.ExtendedKeyUsage.serverAuth,
    altNames: hostAltNames(names),
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** A site's client certificate for the public key of its (already verified) CSR. */
export async function issueSiteCertificate(
  ca: SigningCa,
  request: x509.Pkcs10CertificateRequest,
  siteId: string,
  days: number,
): Promise<x509.X509Certificate> {
  return issue(ca, {
    commonName: siteId,
    publicKey: request.publicKey,
    days,
    usage: x509.ExtendedKeyUsage.clientAuth,
    altNames: [{ type: 'url', value: siteUri(siteId) }],
  });
}

/** The DNS names and IP addresses a certificate's SAN extension lists. */
export function hostNamesOf(cert: x509.X509Certificate): string[] {
  return altNamesOf(cert)
    .filter((name) => name.type === 'dns' || name.type === 'ip')
    .map((name) => name.value);
}

/** The site ids a client certificate names through `urn:quire:site:<id>` SAN URIs. */
export function siteIdsOf(cert: x509.X509Certificate): string[] {
  return altNamesOf(cert)
    .filter((name) => name.type === 'url' && name.value.startsWith(SITE_URI_PREFIX))
    .map((name) => name.value.slice(SITE_URI_PREFIX.length));
}

function altNamesOf(cert: x509.X509Certificate): x509.JsonGeneralName[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return san ? san.names.toJSON() : [];
}
