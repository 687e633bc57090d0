/**
 * The IPPS certificate: the configured PEM files (`ipp.tlsCertFile` + `ipp.tlsKeyFile`), or a self-signed
 * certificate generated once into `<data dir>/tls/` and reused on every later start, so clients that pinned
 * or trusted it keep working across restarts. Files are written with mode 0600 through a temp file and a
 * rename, so a crash never leaves a half-written key.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, type Logger, QuireError } from '@quire/common';
import { generate } from 'selfsigned';

/** PEM certificate and key for the IPPS listener. */
export interface IppTlsCredentials {
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
  /** True when this call generated the certificate. */
  generated: boolean;
}

/** Where the credentials come from. */
export interface IppTlsOptions {
  /** `ipp.tlsCertFile`; with `keyFile`, used as is. */
  certFile?: string;
  keyFile?: string;
  /** `data.dir`: the generated certificate lives in `<dataDir>/tls/`. */
  dataDir: string;
  /** Host names and addresses the generated certificate names, besides localhost and the loopback addresses. */
  hostNames?: string[];
  logger: Logger;
  /** Validity of a generated certificate. */
  days?: number;
}

const CERT_FILE = 'ipp-cert.pem';
const KEY_FILE = 'ipp-key.pem';
const IP_ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-f:]+)$/i;

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writePrivate(file: string, content: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, content, { mode: 0o600, flag: 'wx' });
  await rename(temp, file);
}

async function generateCertificate(hostNames: string[], days: number) {
  const names = [...new Set(['localhost', os.hostname(), ...hostNames].filter(Boolean))];
  const altNames = [
    ...names.filter((n) => !IP_ADDRESS.test(n)).map((value) => ({ type: 2 as const, value })),
    ...['127.0.0.1', '::1', ...names.filter((n) => IP_ADDRESS.test(n))].map((ip) => ({
      type: 7 as const,
      ip,
    })),
  ];
  const notBeforeDate = new Date(Date.now() - 60_000);
  return generate([{ name: 'commonName', value: os.hostname() || 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + days * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
}

/**
 * Load the configured certificate, or the generated one, generating it on first use. A certificate without
 * its key (or the reverse) is a configuration error, named precisely.
 */
export async function loadIppTlsCredentials(options: IppTlsOptions): Promise<IppTlsCredentials> {
  if (options.certFile || options.keyFile) {
    if (!options.certFile || !options.keyFile) {
      throw new QuireError(
        ErrorCode.ConfigInvalid,
        'ipp.tlsCertFile and ipp.tlsKeyFile must be set together.',
      );
    }
    const [certPem, keyPem] = await Promise.all([
      readFile(options.certFile, 'utf8'),
      readFile(options.keyFile, 'utf8'),
    ]);
    return { certPem, keyPem, certPath: options.certFile, keyPath: options.keyFile, generated: false };
  }
  const dir = path.join(options.dataDir, 'tls');
  const certPath = path.join(dir, CERT_FILE);
  const keyPath = path.join(dir, KEY_FILE);
  const [certPem, keyPem] = await Promise.all([readIfPresent(certPath), readIfPresent(keyPath)]);
  if (certPem && keyPem) return { certPem, keyPem, certPath, keyPath, generated: false };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pems = await generateCertificate(options.hostNames ?? [], options.days ?? 3650);
  await writePrivate(keyPath, pems.private);
  await writePrivate(certPath, pems.cert);
  options.logger.info('generated a self-signed IPPS certificate', {
    certPath,
    fingerprint: pems.fingerprint,
  });
  return { certPem: pems.cert, keyPem: pems.private, certPath, keyPath, generated: true };
}
