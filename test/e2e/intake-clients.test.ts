/**
 * Print intake driven by real clients against the real `quire-site` process (standalone, SQLite): `lp` straight
 * to the site's IPP port, a private cupsd that added the site driverless (`lpadmin -m everywhere`), the CUPS lpd
 * backend, and a raw socket port mapped through the REST API. Each job must land in the right queue with the
 * right owner, as the jobs REST API reports it; the refusals (offline queue, unknown owner under a `reject`
 * policy) must reach the client as clear protocol errors and keep nothing.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { IppStatus } from '@quire/common';
import {
  type Cupsd,
  ensureDebianPackages,
  freePort,
  runCommand,
  startCupsd,
  type ManagedProcess,
} from '@quire/testkit';
import {
  ippRequest,
  type JobJson,
  listJobs,
  lpdSubmit,
  minimalPdf,
  printJobHeader,
  sha256Hex,
  spooledDocumentOf,
  waitFor,
} from './intake-probes';
import { adminToken, api, startSite, tempDataDir } from './servers';

const LPD_BACKEND = '/usr/lib/cups/backend/lpd';
const COMMAND_TIMEOUT_MS = 60_000;

interface QueueJson {
  id: string;
  name: string;
}

/** An ipptool test file: one Print-Job that must be refused with `status` and a status-message matching `regex`. */
function refusedPrintJobTest(status: string, regex: string): string {
  return [
    '{',
    `  NAME "Print-Job refused with ${status}"`,
    '  OPERATION Print-Job',
    '  GROUP operation-attributes-tag',
    '  ATTR charset attributes-charset utf-8',
    '  ATTR naturalLanguage attributes-natural-language en',
    '  ATTR uri printer-uri $uri',
    '  ATTR name requesting-user-name erin',
    '  ATTR name job-name refused-by-ipptool',
    '  ATTR mimeMediaType document-format application/pdf',
    '  FILE $filename',
    `  STATUS ${status}`,
    `  EXPECT status-message WITH-VALUE "/${regex}/"`,
    '}',
    '',
  ].join('\n');
}

/** True once something accepts TCP connections on `port`; the probe connection carries no data. */
function acceptsConnections(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

/** Send `payload` over one TCP connection, close our side, and resolve once the server has closed too. */
function sendRaw(port: number, payload: Buffer, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.end(payload));
    const timer = setTimeout(
      () => socket.destroy(new Error(`raw job not closed within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('data', () => undefined);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('close', (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve();
    });
  });
}

describe('print intake with real clients, against a standalone site process', function () {
  this.timeout(120_000);
  let site: { process: ManagedProcess; url: string; ippPort: number; lpdPort: number };
  let token: string;
  let dataDir: string;
  let workDir: string;
  let pdf: Buffer;
  let pdfPath: string;
  const printerUri = (queue: string) => `ipp://127.0.0.1:${site.ippPort}/printers/${queue}`;
  const jobsOf = (filter: Record<string, string>) => listJobs(site.url, token, filter);
  // A job is acknowledged in `processing` and routed once analysed: wait until it is out of `processing`.
  const oneJob = (what: string, filter: Record<string, string>) =>
    waitFor(what, async () => {
      const jobs = await jobsOf(filter);
      return jobs.length > 0 && jobs.every((job) => job.state !== 'processing') ? jobs : undefined;
    }).then((jobs) => {
      expect(jobs, `jobs matching ${JSON.stringify(filter)}`).to.have.length(1);
      return jobs[0];
    });

  before(async function () {
    this.timeout(20 * 60 * 1000);
    await ensureDebianPackages(['cups-client', 'cups-ipp-utils', 'cups']);
    dataDir = tempDataDir('intake-clients');
    site = await startSite({ name: 'intake-clients', dataDir });
    token = await adminToken(site.url);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'quire-e2e-clients-'));
    pdf = minimalPdf('Quire end-to-end intake', 8 * 1024);
    pdfPath = path.join(workDir, 'file.pdf');
    await writeFile(pdfPath, pdf);
  });

  after(async () => {
    await site?.process.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('lp -h to the IPP port puts a job owned by alice in Default, with the exact bytes', async () => {
    const result = await runCommand(
      'lp',
      ['-h', `127.0.0.1:${site.ippPort}`, '-d', 'Default', '-U', 'alice', pdfPath],
      { timeoutMs: COMMAND_TIMEOUT_MS, env: { HOME: workDir } },
    );
    expect(result.code, result.output).to.equal(0);
    const job = await oneJob('the job of alice', { owner: 'alice' });
    expect(job).to.include({
      owner: 'alice',
      queue: 'Default',
      protocol: 'ipp',
      state: 'ready',
      pdl: 'pdf',
      pages: 1,
      paper: 'iso_a4_210x297mm',
      sha256: sha256Hex(pdf),
      sizeBytes: pdf.length,
      clientAddress: '127.0.0.1',
    });
  });

  describe('through a private cupsd that added the site driverless', () => {
    let cupsd: Cupsd | undefined;

    before(async function () {
      this.timeout(20 * 60 * 1000);
      cupsd = await startCupsd();
    });

    after(async () => {
      await cupsd?.stop();
    });

    it('forwards lp -U bob as a job owned by bob in Default, carrying a PDF or raster document', async () => {
      const cups = cupsd as Cupsd;
      const added = await cups.run('lpadmin', [
        '-p',
        'QuireQ',
        '-E',
        '-v',
        printerUri('Default'),
        '-m',
        'everywhere',
      ]);
      expect(added.code, added.output).to.equal(0);
      const printed = await cups.run('lp', ['-d', 'QuireQ', '-U', 'bob', pdfPath]);
      expect(printed.code, printed.output).to.equal(0);
      // cupsd's filters and IPP backend run after lp returns; the job reaches the site a moment later.
      const job = await oneJob('the job of bob to come through cupsd', { owner: 'bob' });
      expect(job).to.include({ owner: 'bob', queue: 'Default', protocol: 'ipp', state: 'ready' });
      expect(job.sizeBytes).to.be.above(0);
      const document = spooledDocumentOf(dataDir, job.id);
      expect(document, `spool file of job ${job.id}`).to.be.a('string');
      const head = (await readFile(document as string)).subarray(0, 8).toString('latin1');
      expect(head).to.match(/^(%PDF-|RaS2|UNIRAST)/);
    });
  });

  it('the CUPS lpd backend puts a job owned by carol, named myjob, with 2 copies and the exact bytes', async () => {
    const deviceUri = `lpd://127.0.0.1:${site.lpdPort}/Default?reserve=none&banner=off&manual_copies=off`;
    const result = await runCommand(LPD_BACKEND, ['42', 'carol', 'myjob', '2', '', pdfPath], {
      env: { DEVICE_URI: deviceUri },
      timeoutMs: COMMAND_TIMEOUT_MS,
    });
    expect(result.code, result.output).to.equal(0);
    const job = await oneJob('the job of carol', { owner: 'carol' });
    expect(job).to.include({
      owner: 'carol',
      name: 'myjob',
      queue: 'Default',
      protocol: 'lpd',
      state: 'ready',
      copies: 2,
      sha256: sha256Hex(pdf),
      sizeBytes: pdf.length,
      clientAddress: '127.0.0.1',
    });
  });

  it('a raw port mapped to Default through the REST API takes a PJL job owned by dave', async () => {
    const { queues } = await api<{ queues: QueueJson[] }>(site.url, 'GET', '/api/v1/queues', token);
    const defaultQueue = queues.find((queue) => queue.name === 'Default');
    expect(defaultQueue, 'the Default queue').to.not.equal(undefined);
    const rawPort = await freePort();
    await api(site.url, 'PATCH', `/api/v1/queues/${defaultQueue!.id}`, token, { rawPort });
    await waitFor(`raw port ${rawPort} to listen`, () => acceptsConnections(rawPort), 15_000);
    const uel = '\x1b%-12345X';
    const payload = Buffer.concat([
      Buffer.from(
        `${uel}@PJL JOB NAME="rawjob"\r\n@PJL SET USERNAME="dave"\r\n@PJL ENTER LANGUAGE=PDF\r\n`,
        'latin1',
      ),
      pdf,
      Buffer.from(`${uel}@PJL EOJ\r\n${uel}`, 'latin1'),
    ]);
    await sendRaw(rawPort, payload, 30_000);
    const job = await oneJob('the raw job of dave', { owner: 'dave' });
    expect(job).to.include({
      owner: 'dave',
      name: 'rawjob',
      queue: 'Default',
      protocol: 'raw',
      state: 'ready',
      sha256: sha256Hex(payload),
      sizeBytes: payload.length,
      clientAddress: '127.0.0.1',
    });
  });

  describe('refusals', () => {
    async function runIpptool(testFile: string, queue: string) {
      const file = path.join(workDir, testFile);
      return runCommand('ipptool', ['-t', '-f', pdfPath, printerUri(queue), file], {
        timeoutMs: COMMAND_TIMEOUT_MS,
        env: { HOME: workDir },
      });
    }

    it('an offline queue is refused by IPP (ipptool and lp) and by LPD (negative ack), keeping nothing', async () => {
      await api(site.url, 'POST', '/api/v1/queues', token, { name: 'Closed', type: 'pull', online: false });
      await writeFile(
        path.join(workDir, 'offline.test'),
        refusedPrintJobTest('server-error-not-accepting-jobs', 'offline'),
      );
      const ipptool = await runIpptool('offline.test', 'Closed');
      expect(ipptool.code, ipptool.output).to.equal(0);

      const lp = await runCommand(
        'lp',
        ['-h', `127.0.0.1:${site.ippPort}`, '-d', 'Closed', '-U', 'erin', pdfPath],
        { timeoutMs: COMMAND_TIMEOUT_MS, env: { HOME: workDir } },
      );
      expect(lp.code, lp.output).to.not.equal(0);
      expect(lp.output).to.match(/offline/i);

      const lpd = await lpdSubmit(site.lpdPort, {
        queue: 'Closed',
        user: 'erin',
        jobName: 'refused-by-lpd',
        document: pdf,
      });
      expect(lpd).to.deep.include({ acked: false, failedAt: 'receive-job command' });
      expect(lpd.nack, JSON.stringify(lpd)).to.be.a('number').and.not.equal(0);

      expect(await jobsOf({ queue: 'Closed' })).to.deep.equal([]);
      expect(await jobsOf({ owner: 'erin' })).to.deep.equal([]);
    });

    it('an unknown owner on a reject queue is refused with a status-message that says why', async () => {
      await api(site.url, 'POST', '/api/v1/queues', token, {
        name: 'Strict',
        type: 'pull',
        unknownOwnerPolicy: 'reject',
        userDetection: [{ kind: 'pjl', variable: 'USERNAME' }],
      });
      await writeFile(
        path.join(workDir, 'unknown-owner.test'),
        refusedPrintJobTest('client-error-not-authorized', 'owner'),
      );
      const ipptool = await runIpptool('unknown-owner.test', 'Strict');
      expect(ipptool.code, ipptool.output).to.equal(0);

      const request = Buffer.concat([
        printJobHeader({ printerUri: printerUri('Strict'), user: 'erin', jobName: 'no-pjl' }),
        pdf,
      ]);
      const answer = await ippRequest(printerUri('Strict'), request, 30_000);
      expect(answer.status).to.equal(IppStatus.ClientErrorNotAuthorized);
      expect(answer.statusMessage).to.match(/owner is not a known user/);
      expect(answer.statusMessage).to.match(/Strict/);
      expect(answer.statusMessage).to.match(/PJL USERNAME/);

      const strictJobs: JobJson[] = await jobsOf({ queue: 'Strict' });
      expect(strictJobs).to.deep.equal([]);
      expect(await jobsOf({ owner: 'erin' })).to.deep.equal([]);
    });
  });
});
