/**
 * Central's own federation CA, kept in `<data dir>/federation-tls/`: the CA (10 years) that sites are given
 * once, the server certificate central presents to them, and the signing of site client certificates.
 *
 * The CA certificate is what operators hand out, so it is never replaced behind their back: once
 * `ca-cert.pem` exists, a missing or foreign `ca-key.pem` stops central with a clear error instead of quietly
 * making a new CA that no site trusts. A CA key without its certificate is what a crash during the very first
 * start leaves behind; nobody can have been given that CA yet, so it is made again. The server certificate is
 * disposable: it is issued again whenever its names, its key or its CA no longer fit, and sites do not notice,
 * because they trust the CA. Keys are written with mode 0600 through a temp file, fsync and rename.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { ErrorCode, QuireError, type Logger } from '@quire/common';
import {
  createCa,
  hostNamesOf,
  importSigningKey,
  issueServerCertificate,
  issueSiteCertificate,
  keyMatchesCertificate,
  privateKeyPem,
  type PemPair,
  type SigningCa,
} from './federation-ca-x509';

/** The folder under the data dir that holds the CA and the generated server certificate. */
export const FEDERATION_TLS_DIR = 'federation-tls';

const CA_DAYS = 3650;
const SITE_CERT_DAYS = 730;
// A server certificate this close to its end is issued again at start-up.
const RENEW_BEFORE_MS = 30 * 86_400_000;
const FILES = {
  caCert: 'ca-cert.pem',
  caKey: 'ca-key.pem',
  serverCert: 'server-cert.pem',
  serverKey: 'server-key.pem',
} as const;

/** The server certificate central presents, and whether this start issued it. */
export interface ServerCertificate extends PemPair {
  issued: boolean;
}

/** Central's federation CA on disk. Open it with `FederationCa.open`. */
export class FederationCa {
  private constructor(
    /** The folder the files live in. */
    readonly dir: string,
    private readonly ca: SigningCa,
    /** The CA certificate (PEM) sites trust and receive at enrolment. */
    readonly certPem: string,
    /** True when this call made the CA. */
    readonly created: boolean,
    private readonly logger: Logger,
  ) {}

  /**
   * Open the CA in `<dataDir>/federation-tls/`, making it on first use. Throws FEDERATION_TLS_INVALID when the
   * CA certificate is there but its key is missing, unreadable or belongs to another certificate.
   */
  static async open(dataDir: string, logger: Logger): Promise<FederationCa> {
    const dir = path.resolve(dataDir, FEDERATION_TLS_DIR);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const certPem = await readIfPresent(path.join(dir, FILES.caCert));
    if (!certPem) return FederationCa.create(dir, logger);
    const keyPem = await readIfPresent(path.join(dir, FILES.caKey));
    const cert = parseCertificate(certPem, path.join(dir, FILES.caCert));
    if (!keyPem || !keyMatchesCertificate(keyPem, cert)) {
      throw new QuireError(
        ErrorCode.FederationTlsInvalid,
        `${path.join(dir, FILES.caKey)} is missing or is not the key of ${FILES.caCert}. Restore both files from a backup; or, to start a new CA that every site must then be given again, move the folder ${dir} away and restart central.`,
        { details: { dir } },
      );
    }
    const key = await importSigningKey(keyPem);
    return new FederationCa(dir, { cert, key }, certPem, false, logger);
  }

  private static async create(dir: string, logger: Logger): Promise<FederationCa> {
    const { cert, keys } = await createCa(CA_DAYS);
    const certPem = cert.toString('pem');
    // Key first: a crash between the two writes leaves a key without a certificate, which is made again.
    await writeFileAtomic(path.join(dir, FILES.caKey), await privateKeyPem(keys.privateKey), 0o600);
    await writeFileAtomic(path.join(dir, FILES.caCert), certPem, 0o644);
    logger.info('generated the federation CA', {
      certFile: path.join(dir, FILES.caCert),
      subject: cert.subject,
      notAfter: cert.notAfter.toISOString(),
    });
    return new FederationCa(dir, { cert, key: keys.privateKey }, certPem, true, logger);
  }

  /** The CA certificate, parsed. */
  get certificate(): x509.X509Certificate {
    return this.ca.cert;
  }

  /**
   * The server certificate for `names` (DNS names and IP addresses), from `server-cert.pem` when it still fits,
   * otherwise newly issued and saved.
   */
  async serverCertificate(names: readonly string[]): Promise<ServerCertificate> {
    const certFile = path.join(this.dir, FILES.serverCert);
    const keyFile = path.join(this.dir, FILES.serverKey);
    const [certPem, keyPem] = await Promise.all([readIfPresent(certFile), readIfPresent(keyFile)]);
    const reason = certPem && keyPem ? await this.reissueReason(certPem, keyPem, names) : 'none yet';
    if (certPem && keyPem && reason === null) return { certPem, keyPem, issued: false };
    const pair = await issueServerCertificate(this.ca, names, CA_DAYS);
    await writeFileAtomic(keyFile, pair.keyPem, 0o600);
    await writeFileAtomic(certFile, pair.certPem, 0o644);
    this.logger.info('issued the federation server certificate', { certFile, names, reason });
    return { ...pair, issued: true };
  }

  /** Sign a site's verified certificate request: CN and SAN URI `urn:quire:site:<siteId>`, valid 2 years. */
  async signSiteRequest(request: x509.Pkcs10CertificateRequest, siteId: string): Promise<string> {
    const cert = await issueSiteCertificate(this.ca, request, siteId, SITE_CERT_DAYS);
    return cert.toString('pem');
  }

  /** True when `cert` carries a valid signature of this CA. */
  async signed(cert: x509.X509Certificate): Promise<boolean> {
    return cert.verify({ publicKey: this.ca.cert.publicKey, signatureOnly: true }).catch(() => false);
  }

  /** Why the stored server certificate must be issued again, or null when it still fits. */
  private async reissueReason(
    certPem: string,
    keyPem: string,
    names: readonly string[],
  ): Promise<string | null> {
    let cert: x509.X509Certificate;
    try {
      cert = new x509.X509Certificate(certPem);
    } catch {
      return 'the stored certificate is unreadable';
    }
    if (!keyMatchesCertificate(keyPem, cert)) return 'the stored key does not match the certificate';
    if (!(await this.signed(cert))) return 'the certificate is not signed by the current CA';
    if (cert.notAfter.getTime() - Date.now() < RENEW_BEFORE_MS) return 'the certificate expires soon';
    const present = new Set(hostNamesOf(cert).map((n) => n.toLowerCase()));
    const missing = names.filter((n) => !present.has(n.toLowerCase()));
    return missing.length > 0 ? `names added: ${missing.join(', ')}` : null;
  }
}

function parseCertificate(pem: string, file: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch {
    throw new QuireError(ErrorCode.FederationTlsInvalid, `${file} is not a PEM certificate`, {
      details: { file },
    });
  }
}

async function readIfPresent(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Write via a temp file, fsync and rename, so a crash never leaves half a key; `mode` survives any umask. */
async function writeFileAtomic(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(tmp, 'wx', mode);
    try {
      await handle.chmod(mode);
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const dir = await fs.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
