/**
 * The web release station against the real site: a PDF printed with CUPS `lp` to a pull queue of an in-process
 * site (SQLite, every router mounted as in production), then Debian's chromium, driven by playwright-core, signs
 * in with the owner's PIN at `/terminal/{printerId}`, sees the job, releases it, and a raw 9100 sink receives
 * the identical document. The screenshots are kept in the test run's directory.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createSilentLogger, loadConfig } from '@quire/common';
import {
  type Browser,
  type PrintSink,
  type RawSinkJob,
  launchChromium,
  runCommand,
  startRawSink,
} from '@quire/testkit';
import { startSite, type SiteServer } from '../src/server';
import {
  jobRows,
  loginWithPin,
  openStation,
  releaseJob,
  screenshot,
  waitUntilIdle,
} from './release-station-page';

const ADMIN_PASSWORD = 'station-admin-password';

/** A small valid one-page PDF, padded with a comment to `minBytes`. */
function pdfDocument(minBytes: number): Buffer {
  const body = [
    '%PDF-1.4',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj',
    'trailer << /Root 1 0 R >>',
    '%%EOF',
  ].join('\n');
  const padding = Math.max(0, minBytes - body.length - 2);
  return Buffer.from(`${body.replace('%%EOF', `%${'q'.repeat(padding)}\n%%EOF`)}\n`);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('web release station on a real site', function () {
  this.timeout(300_000);
  let dataDir: string;
  let site: SiteServer;
  let sink: PrintSink<RawSinkJob>;
  let browser: Browser;
  let baseUrl: string;
  let adminToken: string;

  async function api<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  before(async function () {
    this.timeout(20 * 60_000);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'quire-station-'));
    const config = loadConfig({
      role: 'site',
      env: {
        QUIRE_DATA_DIR: dataDir,
        QUIRE_ADMIN_PASSWORD: ADMIN_PASSWORD,
        QUIRE_HTTP_HOST: '127.0.0.1',
        QUIRE_HTTP_PORT: '0',
        QUIRE_IPP_HOST: '127.0.0.1',
        QUIRE_IPP_PORT: '0',
        QUIRE_LPD_PORT: '0',
        QUIRE_RAW_HOST: '127.0.0.1',
      },
    });
    [sink, browser, site] = await Promise.all([
      startRawSink(),
      launchChromium(),
      startSite({ config, logger: createSilentLogger(), printOnce: () => undefined }),
    ]);
    baseUrl = `http://127.0.0.1:${site.httpPort}`;
    const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    adminToken = ((await login.json()) as { token: string }).token;
  });

  after(async () => {
    await browser?.close();
    await site?.stop();
    await sink?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('PIN login, the job list, release: the sink receives the job; screenshots saved', async () => {
    const printer = await api<{ id: string }>('POST', '/api/v1/printers', {
      name: 'Hall-MFP',
      uri: `socket://127.0.0.1:${sink.port}`,
      location: 'Entrance hall',
    });
    await api('PUT', '/api/v1/queues/Default', { printers: [printer.id] });
    await api('PUT', '/api/v1/directory/users/alice', { fullName: 'Alice Martin', pin: '4321' });
    const pdf = pdfDocument(32 * 1024);
    const file = path.join(dataDir, 'station.pdf');
    await writeFile(file, pdf);
    const lp = await runCommand(
      'lp',
      [
        '-h',
        `127.0.0.1:${site.intakePorts.ipp}`,
        '-d',
        'Default',
        '-U',
        'alice',
        '-t',
        'Quarterly report',
        file,
      ],
      { timeoutMs: 60_000, env: { HOME: dataDir } },
    );
    expect(lp.code, lp.output).to.equal(0);
    for (let waited = 0; ; waited += 100) {
      const { jobs } = await api<{ jobs: Array<{ state: string }> }>('GET', '/api/v1/jobs?owner=alice');
      if (jobs[0]?.state === 'ready') break;
      if (waited > 30_000) throw new Error(`the job never became ready: ${JSON.stringify(jobs)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    try {
      const page = await context.newPage();
      await openStation(page, baseUrl, printer.id);
      await screenshot(page, 'station-site-login');
      await loginWithPin(page, '4321');
      await waitUntilIdle(page);
      const rows = await jobRows(page);
      expect(rows.map((row) => row.name)).to.deep.equal(['Quarterly report']);
      await screenshot(page, 'station-site-jobs');
      await releaseJob(page, 'Quarterly report');
      const [received] = await sink.waitForJobs(1, 60_000);
      expect(received.sha256).to.equal(sha256(pdf));
      await screenshot(page, 'station-site-released');
    } finally {
      await context.close();
    }
  });
});
