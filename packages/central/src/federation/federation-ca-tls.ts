/**
 * The TLS of central's federation server, from configuration to grpc-js credentials.
 *
 * `federation.tls` picks where the server certificate comes from: central's own CA (`auto`, the default; the
 * operator's `grpc.tlsCertFile` still wins when set), the operator's files only (`files`), or nothing (`off`).
 * With `federation.mtls` the server also asks every peer for a client certificate of central's CA.
 *
 * Why "asks" and not "requires": a site calls `Enrol` before it has a certificate, on the same port as
 * `Session`, and the TLS handshake happens before grpc-js knows which method will be called (TLS 1.3 and
 * HTTP/2 allow no renegotiation later), so no per-method rule is possible. grpc-js's `createSsl(..., true)`
 * makes Node refuse every handshake without a certificate, Enrol included. So the server requests a
 * certificate without requiring it (grpc-js's certificate-provider credentials, `requireClientCertificate`
 * false), Node verifies whatever is presented against central's CA, and the Session check in
 * federation-ca-sites.ts refuses any session whose peer has no verified certificate for exactly its site.
 */
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { ErrorCode, QuireError, type Logger, type QuireConfig } from '@quire/common';
import { FederationCa } from './federation-ca';
import { CaSiteCertificates, type SiteCertificates } from './federation-ca-sites';

/** PEM material of the federation server; `clientCaPem` turns on the request for client certificates. */
export interface FederationTlsMaterial {
  certPem: Buffer;
  keyPem: Buffer;
  /** The CA that client certificates must chain to; absent, no client certificate is asked for. */
  clientCaPem?: Buffer;
}

/** What central's server.ts hands to FederationServer: its TLS, and its site certificates. */
export interface FederationTlsSetup {
  /** Undefined for plaintext (`federation.tls` `off`). */
  tls?: FederationTlsMaterial;
  /** Present when central runs its own CA (`auto`): it signs site CSRs and, with mTLS, checks sessions. */
  siteCertificates?: SiteCertificates;
}

/** The settings this module reads. */
export type FederationTlsConfig = {
  data: Pick<QuireConfig['data'], 'dir'>;
  grpc: Pick<QuireConfig['grpc'], 'host' | 'tlsCertFile' | 'tlsKeyFile' | 'tlsAltNames'>;
  federation: Pick<QuireConfig['federation'], 'tls' | 'mtls'>;
};

/**
 * Resolve the federation server's TLS from the configuration: open (or make) central's CA and its server
 * certificate, or read the operator's files. Throws CONFIG_INVALID for settings that contradict each other.
 */
export async function setUpFederationTls(
  config: FederationTlsConfig,
  logger: Logger,
): Promise<FederationTlsSetup> {
  refuseContradictions(config);
  const { tls: mode, mtls } = config.federation;
  const operatorFiles = Boolean(config.grpc.tlsCertFile && config.grpc.tlsKeyFile);
  if (mode === 'off') {
    logger.warn(
      'the federation server speaks plaintext (federation.tls=off): site credentials cross the network unencrypted',
    );
    return {};
  }
  if (mode === 'files') return { tls: await readOperatorFiles(config) };
  const ca = await FederationCa.open(config.data.dir, logger);
  const server = operatorFiles
    ? await readOperatorFiles(config)
    : await generatedServerFiles(ca, serverCertificateNames(config.grpc));
  return {
    tls: { ...server, ...(mtls ? { clientCaPem: Buffer.from(ca.certPem) } : {}) },
    siteCertificates: new CaSiteCertificates(ca, mtls),
  };
}

/**
 * The names the generated server certificate carries: loopback, the host name, a specific `grpc.host`, and
 * `grpc.tlsAltNames` (comma-separated), without duplicates.
 */
export function serverCertificateNames(grpcSettings: { host: string; tlsAltNames: string }): string[] {
  const extra = grpcSettings.tlsAltNames
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const bound = ['0.0.0.0', '::', ''].includes(grpcSettings.host) ? [] : [grpcSettings.host];
  const names = [hostname(), 'localhost', ...bound, ...extra, '127.0.0.1', '::1'].filter(Boolean);
  return [...new Map(names.map((name) => [name.toLowerCase(), name])).values()];
}

/**
 * grpc-js server credentials for `tls`: plaintext without it; TLS with the server certificate; and, with
 * `clientCaPem`, a request (not a requirement) for a client certificate verified against that CA.
 */
export function federationServerCredentials(tls: FederationTlsMaterial | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  if (!tls.clientCaPem) {
    return grpc.ServerCredentials.createSsl(
      null,
      [{ cert_chain: tls.certPem, private_key: tls.keyPem }],
      false,
    );
  }
  const provider = staticCertificateProvider(tls.clientCaPem, tls.certPem, tls.keyPem);
  // The declared parameter names are swapped in grpc-js 1.14: the first provider gives the server identity.
  return grpc.experimental.createCertificateProviderServerCredentials(provider, provider, false);
}

/** A certificate provider that never changes, answering listeners asynchronously as grpc-js expects. */
function staticCertificateProvider(
  caCertificate: Buffer,
  certificate: Buffer,
  privateKey: Buffer,
): grpc.experimental.CertificateProvider {
  return {
    addCaCertificateListener: (listener) => process.nextTick(listener, { caCertificate }),
    removeCaCertificateListener: () => undefined,
    addIdentityCertificateListener: (listener) => process.nextTick(listener, { certificate, privateKey }),
    removeIdentityCertificateListener: () => undefined,
  };
}

async function readOperatorFiles(config: FederationTlsConfig): Promise<FederationTlsMaterial> {
  const [certPem, keyPem] = await Promise.all([
    fs.readFile(config.grpc.tlsCertFile),
    fs.readFile(config.grpc.tlsKeyFile),
  ]);
  return { certPem, keyPem };
}

async function generatedServerFiles(ca: FederationCa, names: string[]): Promise<FederationTlsMaterial> {
  const server = await ca.serverCertificate(names);
  const chain = `${server.certPem.trim()}\n${ca.certPem.trim()}\n`;
  return { certPem: Buffer.from(chain), keyPem: Buffer.from(server.keyPem) };
}

/** Throw CONFIG_INVALID for settings the chosen `federation.tls` mode cannot honour. */
function refuseContradictions(config: FederationTlsConfig): void {
  const { tls: mode, mtls } = config.federation;
  const operatorFiles = Boolean(config.grpc.tlsCertFile && config.grpc.tlsKeyFile);
  if (mode === 'off' && (operatorFiles || mtls)) {
    throw configInvalid(
      'federation.tls is off, but grpc.tlsCertFile or federation.mtls is set: remove them, or set federation.tls to auto',
    );
  }
  if (mode === 'files' && !operatorFiles) {
    throw configInvalid('federation.tls is files, but grpc.tlsCertFile and grpc.tlsKeyFile are not set');
  }
  if (mode === 'files' && mtls) {
    throw configInvalid(
      "federation.mtls needs central's own CA to sign site certificates: set federation.tls to auto (grpc.tlsCertFile stays the server certificate)",
    );
  }
}

function configInvalid(message: string): QuireError {
  return new QuireError(ErrorCode.ConfigInvalid, message);
}
