/**
 * The site's federation credential on disk: `<dataDir>/federation/credential.json`.
 *
 * The credential is the only proof of the site's identity at central, and the enrolment token it was exchanged
 * for is single-use, so losing or half-writing this file means asking central for a new token. It is therefore
 * written atomically (temp file, fsync, rename, fsync of the directory) and readable by the service user only.
 * The client certificate for mutual TLS, when the site asked for one, lives in the same file: the credential and
 * the certificate are issued together, and one atomic write means a crash can never keep one without the other.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ErrorCode, QuireError } from '@quire/common';

/** What enrolment gave this site, as kept in the data dir. */
export interface StoredCredential {
  siteId: string;
  siteName: string;
  /** The per-site secret; never log it. */
  credential: string;
  /** The central address the site enrolled with (`host:port`). */
  centralAddress: string;
  enrolledAt: Date;
  /** The site's mutual-TLS identity, when it asked for one at enrolment and central issued it. */
  clientCertificate?: ClientCertificate;
}

/** A client certificate central's CA issued to this site, with its key (made on the site; never log it). */
export interface ClientCertificate {
  keyPem: string;
  certPem: string;
  /** Central's federation CA certificate, as sent at enrolment. */
  caCertPem: string;
}

const STRING_FIELDS = ['siteId', 'siteName', 'credential', 'centralAddress'] as const;
const CERTIFICATE_FIELDS = ['keyPem', 'certPem', 'caCertPem'] as const;

/** File adapter for the site's federation credential. */
export class CredentialStore {
  /** Absolute path of the credential file. */
  readonly path: string;

  constructor(dataDir: string) {
    this.path = path.resolve(dataDir, 'federation', 'credential.json');
  }

  /** The stored credential, null when the site never enrolled, or SITE_CREDENTIAL_CORRUPT when unreadable. */
  async load(): Promise<StoredCredential | null> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return this.parse(text);
  }

  /** Replace the stored credential atomically; the file is created with mode 0600. */
  async save(stored: StoredCredential): Promise<void> {
    const dir = path.dirname(this.path);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const body = JSON.stringify({ ...stored, enrolledAt: stored.enrolledAt.toISOString() }, null, 2) + '\n';
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const handle = await fs.open(tmp, 'wx', 0o600);
      try {
        // The open mode is filtered by the umask; set it explicitly so a permissive umask cannot widen it.
        await handle.chmod(0o600);
        await handle.writeFile(body, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, this.path);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await syncDirectory(dir);
  }

  private parse(text: string): StoredCredential {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw this.corrupt('it is not valid JSON');
    }
    if (typeof raw !== 'object' || raw === null) throw this.corrupt('it is not a JSON object');
    const record = raw as Record<string, unknown>;
    for (const field of STRING_FIELDS) {
      if (typeof record[field] !== 'string' || record[field] === '')
        throw this.corrupt(`"${field}" is missing`);
    }
    const enrolledAt = new Date(typeof record.enrolledAt === 'string' ? record.enrolledAt : Number.NaN);
    if (Number.isNaN(enrolledAt.getTime())) throw this.corrupt('"enrolledAt" is not a date');
    const clientCertificate = this.parseClientCertificate(record.clientCertificate);
    return {
      siteId: record.siteId as string,
      siteName: record.siteName as string,
      credential: record.credential as string,
      centralAddress: record.centralAddress as string,
      enrolledAt,
      ...(clientCertificate ? { clientCertificate } : {}),
    };
  }

  private parseClientCertificate(raw: unknown): ClientCertificate | undefined {
    if (raw === undefined) return undefined;
    if (typeof raw !== 'object' || raw === null) throw this.corrupt('"clientCertificate" is not an object');
    const record = raw as Record<string, unknown>;
    for (const field of CERTIFICATE_FIELDS) {
      if (typeof record[field] !== 'string') throw this.corrupt(`"clientCertificate.${field}" is missing`);
    }
    return {
      keyPem: record.keyPem as string,
      certPem: record.certPem as string,
      caCertPem: record.caCertPem as string,
    };
  }

  private corrupt(problem: string): QuireError {
    return new QuireError(
      ErrorCode.SiteCredentialCorrupt,
      `The federation credential file ${this.path} is corrupt (${problem}). Delete it, create a new enrolment token at central (POST /api/v1/sites/{id}/enrolment-token), set it as enrolment.token (QUIRE_ENROLMENT_TOKEN) and restart the site to enrol again.`,
      { details: { file: this.path } },
    );
  }
}

/** fsync a directory so a rename inside it survives a power cut. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
