/**
 * The Quire side of the release benchmark: a real `quire-site` process (embedded SQLite, scratch data dir, free
 * loopback ports) with one raw printer aimed at the benchmark's sink, a pull queue that keeps jobs for reprint,
 * and a user whose policy lets them reprint; each job is marked a favourite, as a user would to reprint it. That
 * makes a printed job releasable again, so one spooled job of each size serves every timed release: a
 * resubmission per release would measure intake, not release.
 */
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { encodeIppMessage, IppMessage, IppOperation, IppTag, IppValues } from '@quire/common';
import { freePort, repoRoot, startProcess, waitForHttp, type ManagedProcess } from '@quire/testkit';

const ADMIN_PASSWORD = 'bench-admin-password';
const USER = 'bench';
const PIN = '4321';
const QUEUE = 'Release';

/** The running site, set up for releases to the sink. */
export interface ReleaseSite {
  process: ManagedProcess;
  /** Submit `file` by IPP Print-Job as the bench user, wait until it is ready, and return its job id. */
  submit(file: string, name: string): Promise<string>;
  /** POST /api/v1/terminal/jobs/{id}/release with the terminal session; resolves with the HTTP status. */
  release(jobId: string): Promise<number>;
  /** Resolve once the job is `printed` again (a reprint needs the previous print recorded). */
  waitForState(jobId: string, state: string, timeoutMs?: number): Promise<void>;
}

/** Extra settings for the site process, e.g. NODE_OPTIONS for a CPU profile. */
export interface ReleaseSiteOptions {
  scratch: string;
  sinkPort: number;
  env?: Record<string, string>;
}

async function call<T>(
  base: string,
  method: string,
  route: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** The IPP header of a Print-Job of an undeclared format (the analysis sniffs it: random bytes are unknown). */
function printJobHeader(printerUri: string, name: string): Buffer {
  const message = new IppMessage({ major: 2, minor: 0 }, IppOperation.PrintJob, 1);
  message
    .addGroup(IppTag.OperationAttributes)
    .add('attributes-charset', IppValues.charset('utf-8'))
    .add('attributes-natural-language', IppValues.naturalLanguage('en'))
    .add('printer-uri', IppValues.uri(printerUri))
    .add('requesting-user-name', IppValues.name(USER))
    .add('job-name', IppValues.name(name))
    .add('document-format', IppValues.mimeMediaType('application/octet-stream'));
  return encodeIppMessage(message);
}

/** Stream `file` as one Print-Job to `printerUrl`; rejects unless the IPP status is successful. */
async function printJob(printerUrl: string, file: string, name: string): Promise<void> {
  const header = printJobHeader(printerUrl.replace(/^http:/, 'ipp:'), name);
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(
      printerUrl,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/ipp',
          'content-length': String(header.length + statSync(file).size),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve(res.statusCode === 200 && body.length >= 4 ? body.readUInt16BE(2) : -1);
        });
      },
    );
    req.on('error', reject);
    req.write(header);
    pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), req).catch(reject);
  });
  if (status < 0 || status >= 0x0100) throw new Error(`Print-Job of ${name} refused (IPP status ${status})`);
}

/** Start `quire-site serve` on free loopback ports; resolves once it is ready. */
async function startSiteProcess(options: ReleaseSiteOptions) {
  const [httpPort, ippPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(process.env)) if (key.startsWith('QUIRE_')) env[key] = undefined;
  const proc = startProcess({
    name: 'bench-release-site',
    command: process.execPath,
    args: [path.join(repoRoot(), 'packages/site/dist/src/cli.js'), 'serve'],
    env: {
      ...env,
      QUIRE_DATA_DIR: path.join(options.scratch, 'site'),
      QUIRE_HTTP_HOST: '127.0.0.1',
      QUIRE_HTTP_PORT: String(httpPort),
      QUIRE_IPP_HOST: '127.0.0.1',
      QUIRE_IPP_PORT: String(ippPort),
      QUIRE_LPD_PORT: '0',
      QUIRE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      QUIRE_LOG_LEVEL: 'warn',
      QUIRE_ANALYSIS_MODE: 'standard',
      ...options.env,
    },
  });
  const base = `http://127.0.0.1:${httpPort}`;
  await waitForHttp(`${base}/readyz`, { timeoutMs: 60_000 });
  return { proc, base, printerUrl: `http://127.0.0.1:${ippPort}/printers/${QUEUE}` };
}

/** Add the printer, the queue and the user as an admin; returns the admin token and the printer id. */
async function configure(base: string, sinkPort: number): Promise<{ token: string; printerId: string }> {
  const { token } = await call<{ token: string }>(base, 'POST', '/api/v1/auth/login', undefined, {
    username: 'admin',
    password: ADMIN_PASSWORD,
  });
  const printer = await call<{ id: string }>(base, 'POST', '/api/v1/printers', token, {
    name: 'bench-raw',
    uri: `socket://127.0.0.1:${sinkPort}`,
  });
  await call(base, 'POST', '/api/v1/queues', token, {
    name: QUEUE,
    type: 'pull',
    printers: [printer.id],
    userDetection: [{ kind: 'sender' }],
    keepForReprint: true,
  });
  await call(base, 'PUT', `/api/v1/directory/users/${USER}`, token, { pin: PIN, keepForReprint: true });
  return { token, printerId: printer.id };
}

/** The site as the benchmark drives it: the admin API for states, the terminal API for releases. */
class BenchSite implements ReleaseSite {
  private readonly terminal: Record<string, string>;

  constructor(
    readonly process: ManagedProcess,
    private readonly base: string,
    private readonly printerUrl: string,
    private readonly adminToken: string,
    terminalToken: string,
  ) {
    this.terminal = { authorization: `Bearer ${terminalToken}`, 'content-type': 'application/json' };
  }

  async submit(file: string, name: string): Promise<string> {
    await printJob(this.printerUrl, file, name);
    const { jobs } = await call<{ jobs: Array<{ id: string; name: string }> }>(
      this.base,
      'GET',
      `/api/v1/jobs?owner=${USER}&limit=100`,
      this.adminToken,
    );
    const job = jobs.find((candidate) => candidate.name === name);
    if (!job) throw new Error(`the site lists no job named ${name}`);
    await this.waitForState(job.id, 'ready');
    // A favourite is what the terminal lists for reprint once printed, so every release takes that path.
    const favourite = await fetch(`${this.base}/api/v1/terminal/jobs/${job.id}/favourite`, {
      method: 'PUT',
      headers: this.terminal,
    });
    if (!favourite.ok) throw new Error(`marking ${name} a favourite answered ${favourite.status}`);
    return job.id;
  }

  async release(jobId: string): Promise<number> {
    const res = await fetch(`${this.base}/api/v1/terminal/jobs/${jobId}/release`, {
      method: 'POST',
      headers: this.terminal,
    });
    await res.arrayBuffer();
    return res.status;
  }

  async waitForState(jobId: string, state: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await call<{ state: string; stateReason: string | null }>(
        this.base,
        'GET',
        `/api/v1/jobs/${jobId}`,
        this.adminToken,
      );
      if (job.state === state) return;
      if (job.state === 'failed' || Date.now() > deadline)
        throw new Error(`job ${jobId} is ${job.state} (${job.stateReason ?? ''}), not ${state}`);
      // A short poll, because the next release waits on it; it starts only after the sink has the whole job.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }
}

/** Start the site, add the printer, queue and user, and open a terminal session at the printer. */
export async function startReleaseSite(options: ReleaseSiteOptions): Promise<ReleaseSite> {
  const { proc, base, printerUrl } = await startSiteProcess(options);
  const { token, printerId } = await configure(base, options.sinkPort);
  const session = await call<{ token: string }>(base, 'POST', '/api/v1/terminal/sessions', undefined, {
    printerId,
    pin: PIN,
  });
  return new BenchSite(proc, base, printerUrl, token, session.token);
}
