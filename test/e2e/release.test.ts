/**
 * End to end: jobs printed with CUPS `lp` to a real `quire-site` process are released by their owner at a
 * printer through the terminal API, and reach a real printer byte for byte: CUPS `ippeveprinter`, a raw 9100
 * sink and an LPD sink. Also: tandem balancing over three printers, delegated release, a printer that is down,
 * and a site killed while it prints.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  freePort,
  type IppEvePrinter,
  type LpdSink,
  type LpdSinkJob,
  type PrintSink,
  type RawSinkJob,
  startIppEvePrinter,
  startLpdSink,
  startRawSink,
} from '@quire/testkit';
import { minimalPdf, sha256Hex } from './intake-probes';
import {
  addPrinter,
  addQueue,
  addUser,
  lpSubmit,
  type SiteHandle,
  terminalCall,
  terminalJobs,
  terminalLogin,
  waitForJobState,
} from './release-probes';
import { adminToken, api, startSite, tempDataDir } from './servers';

describe('e2e: release at a printer', function () {
  this.timeout(180_000);

  let dataDir: string;
  let workDir: string;
  let site: Awaited<ReturnType<typeof startSite>>;
  let handle: SiteHandle;
  let ippeve: IppEvePrinter;
  let raw: PrintSink<RawSinkJob>;
  let lpd: LpdSink;
  let pdf: Buffer;
  let pdfPath: string;
  const printers: Record<string, string> = {};

  async function restartSite(): Promise<void> {
    site = await startSite({
      name: 'release',
      dataDir,
      httpPort: site.httpPort,
      ippPort: site.ippPort,
      lpdPort: site.lpdPort,
    });
    handle = { url: site.url, ippPort: site.ippPort, token: await adminToken(site.url) };
  }

  before(async function () {
    this.timeout(20 * 60 * 1000);
    [ippeve, raw, lpd] = await Promise.all([startIppEvePrinter(), startRawSink(), startLpdSink()]);
    dataDir = tempDataDir('release');
    workDir = await mkdtemp(path.join(os.tmpdir(), 'quire-e2e-release-'));
    site = await startSite({ name: 'release', dataDir });
    handle = { url: site.url, ippPort: site.ippPort, token: await adminToken(site.url) };
    pdf = minimalPdf('Quire release end to end', 64 * 1024);
    pdfPath = path.join(workDir, 'release.pdf');
    await writeFile(pdfPath, pdf);
    printers.ipp = await addPrinter(handle, 'ippeve', ippeve.uri, { location: 'Floor 1' });
    printers.raw = await addPrinter(handle, 'raw-sink', `socket://127.0.0.1:${raw.port}`);
    printers.lpd = await addPrinter(handle, 'lpd-sink', `lpd://127.0.0.1:${lpd.port}/PASSTHRU`);
    await addQueue(handle, 'Pull', 'pull', [printers.ipp, printers.raw, printers.lpd]);
    await addUser(handle, 'alice', {
      fullName: 'Alice Martin',
      pin: '1234',
      card: '00A1B2C3',
      delegates: ['dave'],
    });
    await addUser(handle, 'dave', { fullName: 'Dave Delegate', pin: '5678' });
    await addUser(handle, 'carol', { fullName: 'Carol Stranger', pin: '9012' });
  });

  after(async () => {
    await site?.process.stop();
    await Promise.all([ippeve?.stop(), raw?.stop(), lpd?.stop()]);
    if (workDir) await rm(workDir, { recursive: true, force: true });
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Submit the test PDF as `user` to `queue` and wait until it is ready (or printed, for automatic queues). */
  async function submit(queue: string, user: string, title: string, states = ['ready']) {
    await lpSubmit(handle, queue, user, pdfPath, title, workDir);
    return waitForJobState(handle, title, states);
  }

  it('lp to a pull queue, PIN login at the terminal, release: ippeveprinter gets the identical document', async () => {
    const job = await submit('Pull', 'alice', 'release-ipp');
    const token = await terminalLogin(handle, { printerId: printers.ipp, pin: '1234' });
    const listed = await terminalJobs(handle, token);
    expect(listed.map((entry) => entry.name)).to.include('release-ipp');
    const released = await terminalCall(handle, 'POST', `/api/v1/terminal/jobs/${job.id}/release`, token);
    expect(released.status, JSON.stringify(released.body)).to.equal(202);
    const [file] = await ippeve.waitForFiles(1, 60_000);
    expect(sha256Hex(await readFile(file))).to.equal(sha256Hex(pdf));
    expect((await ippeve.jobEnvironment(file)).IPP_JOB_NAME).to.equal('release-ipp');
    const printed = await waitForJobState(handle, 'release-ipp', ['printed']);
    expect(printed.printerId).to.equal(printers.ipp);
    expect(await terminalJobs(handle, token)).to.have.length(0);
    expect(
      (await terminalCall(handle, 'DELETE', '/api/v1/terminal/sessions/current', token)).status,
    ).to.equal(204);
    expect((await terminalCall(handle, 'GET', '/api/v1/terminal/jobs', token)).status).to.equal(401);
  });

  it('releases through a raw 9100 sink, byte for byte, after a card login', async () => {
    const job = await submit('Pull', 'alice', 'release-raw');
    const token = await terminalLogin(handle, { printerId: printers.raw, card: '00a1b2c3' });
    expect(
      (await terminalCall(handle, 'POST', `/api/v1/terminal/jobs/${job.id}/release`, token)).status,
    ).to.equal(202);
    const [received] = await raw.waitForJobs(1, 60_000);
    expect(received.sha256).to.equal(sha256Hex(pdf));
    await waitForJobState(handle, 'release-raw', ['printed']);
  });

  it('releases through an LPD sink: identical data, and the control file names the user and the job', async () => {
    const job = await submit('Pull', 'alice', 'release-lpd');
    const token = await terminalLogin(handle, { printerId: printers.lpd, pin: '1234' });
    expect(
      (await terminalCall(handle, 'POST', `/api/v1/terminal/jobs/${job.id}/release`, token)).status,
    ).to.equal(202);
    const [received]: LpdSinkJob[] = await lpd.waitForJobs(1, 60_000);
    expect(received.queue).to.equal('PASSTHRU');
    expect(received.dataFiles).to.have.length(1);
    expect(received.dataFiles[0].sha256).to.equal(sha256Hex(pdf));
    expect(received.controlLines).to.include('Palice');
    expect(received.controlLines).to.include('Jrelease-lpd');
    await waitForJobState(handle, 'release-lpd', ['printed']);
  });

  it("delegated queue: a delegate lists and releases the owner's job; a stranger sees nothing and is refused", async () => {
    await addQueue(handle, 'Delegated', 'delegated', [printers.raw]);
    const job = await submit('Delegated', 'alice', 'release-delegated');
    const stranger = await terminalLogin(handle, { printerId: printers.raw, pin: '9012' });
    expect(await terminalJobs(handle, stranger)).to.have.length(0);
    const refused = await terminalCall(handle, 'POST', `/api/v1/terminal/jobs/${job.id}/release`, stranger);
    expect(refused.status).to.equal(403);
    expect((refused.body.error as { code: string }).code).to.equal('FORBIDDEN');
    const delegate = await terminalLogin(handle, { printerId: printers.raw, pin: '5678' });
    const listed = await terminalJobs(handle, delegate);
    expect(listed.map((entry) => [entry.name, entry.owner, entry.delegated])).to.deep.equal([
      ['release-delegated', 'alice', true],
    ]);
    const before = raw.jobs().length;
    expect(
      (await terminalCall(handle, 'POST', `/api/v1/terminal/jobs/${job.id}/release`, delegate)).status,
    ).to.equal(202);
    const received = await raw.waitForJobs(before + 1, 60_000);
    expect(received[before].sha256).to.equal(sha256Hex(pdf));
    const printed = await waitForJobState(handle, 'release-delegated', ['printed']);
    expect(printed.owner).to.equal('alice');
  });

  it('a printer that is down fails the job with the reason, and the job can be released again', async () => {
    const deadPort = await freePort();
    const down = await addPrinter(handle, 'down', `socket://127.0.0.1:${deadPort}`);
    await addQueue(handle, 'PullDown', 'pull', [down, printers.raw]);
    const job = await submit('PullDown', 'alice', 'release-down');
    const atDown = await terminalLogin(handle, { printerId: down, pin: '1234' });
    expect(
      (await terminalCall(handle, 'POST', `/api/v1/terminal/jobs/${job.id}/release`, atDown)).status,
    ).to.equal(202);
    const failed = await waitForJobState(handle, 'release-down', ['failed']);
    expect(failed.stateReason).to.match(/^printer unreachable/);
    expect(failed.documentKept).to.equal(true);
    const atRaw = await terminalLogin(handle, { printerId: printers.raw, pin: '1234' });
    expect((await terminalJobs(handle, atRaw)).map((entry) => entry.name)).to.include('release-down');
    const before = raw.jobs().length;
    expect(
      (await terminalCall(handle, 'POST', `/api/v1/terminal/jobs/${job.id}/release`, atRaw)).status,
    ).to.equal(202);
    const received = await raw.waitForJobs(before + 1, 60_000);
    expect(received[before].sha256).to.equal(sha256Hex(pdf));
    const printed = await waitForJobState(handle, 'release-down', ['printed']);
    expect(printed.printAttempts).to.equal(2);
  });

  it('tandem spreads 20 jobs over 3 printers by the lowest page counter plus offset', async () => {
    const sinks = await Promise.all([startRawSink(), startRawSink(), startRawSink()]);
    try {
      // Counter + offset: a starts at 0, b at 2, c at 0 + 5 (an older device the admin evens out).
      const start = [
        { name: 'tandem-a', pageCounter: 0, counterOffset: 0 },
        { name: 'tandem-b', pageCounter: 2, counterOffset: 0 },
        { name: 'tandem-c', pageCounter: 0, counterOffset: 5 },
      ];
      const ids: string[] = [];
      for (const [i, settings] of start.entries()) {
        ids.push(await addPrinter(handle, settings.name, `socket://127.0.0.1:${sinks[i].port}`, settings));
      }
      await addQueue(handle, 'Tandem', 'tandem', ids);
      const load = start.map((s) => s.pageCounter + s.counterOffset);
      const expected = [0, 0, 0];
      for (let i = 0; i < 20; i += 1) {
        const job = await submit('Tandem', 'alice', `tandem-${i}`, ['printed', 'failed']);
        expect(job.state, job.stateReason ?? '').to.equal('printed');
        const choice = load.indexOf(Math.min(...load));
        expect(job.printerId, `job ${i}`).to.equal(ids[choice]);
        expected[choice] += 1;
        load[choice] += 1;
      }
      expect(sinks.map((sink) => sink.jobs().length)).to.deep.equal(expected);
      expect(expected.every((count) => count > 0)).to.equal(true);
      const { printers: after } = await api<{ printers: Array<{ id: string; pageCounter: number }> }>(
        handle.url,
        'GET',
        '/api/v1/printers',
        handle.token,
      );
      const counters = ids.map((id) => after.find((printer) => printer.id === id)?.pageCounter);
      expect(counters).to.deep.equal(start.map((s, i) => s.pageCounter + expected[i]));
    } finally {
      await Promise.all(sinks.map((sink) => sink.stop()));
    }
  });

  it('killing the site while it prints leaves no job in printing after the restart', async () => {
    const stalled = await startRawSink({ failure: { kind: 'stall', afterBytes: 1024 } });
    try {
      const printerId = await addPrinter(handle, 'stalling', `socket://127.0.0.1:${stalled.port}`);
      await addQueue(handle, 'PullStall', 'pull', [printerId]);
      // Large enough to fill the socket buffers, so the send is still going when the site is killed.
      const bigPath = path.join(workDir, 'big.prn');
      await writeFile(bigPath, randomBytes(16 * 1024 * 1024));
      await lpSubmit(handle, 'PullStall', 'alice', bigPath, 'release-killed', workDir);
      const job = await waitForJobState(handle, 'release-killed', ['ready']);
      const token = await terminalLogin(handle, { printerId, pin: '1234' });
      expect(
        (await terminalCall(handle, 'POST', `/api/v1/terminal/jobs/${job.id}/release`, token)).status,
      ).to.equal(202);
      await waitForJobState(handle, 'release-killed', ['printing']);
      site.process.kill('SIGKILL');
      await site.process.ended;
      await restartSite();
      const after = await waitForJobState(handle, 'release-killed', ['failed']);
      expect(after.stateReason).to.match(/^printer unreachable: the site stopped/);
      const stuck = await api<{ jobs: unknown[] }>(
        handle.url,
        'GET',
        '/api/v1/jobs?state=printing',
        handle.token,
      );
      expect(stuck.jobs).to.have.length(0);
    } finally {
      await stalled.stop();
    }
  });

  it('refuses a bad terminal login with a clear error, and an unknown printer', async () => {
    const wrong = await terminalCall(handle, 'POST', '/api/v1/terminal/sessions', undefined, {
      printerId: printers.raw,
      pin: '0000',
    });
    expect(wrong.status).to.equal(401);
    expect((wrong.body.error as { code: string }).code).to.equal('AUTH_INVALID_CREDENTIALS');
    const unknown = await terminalCall(handle, 'POST', '/api/v1/terminal/sessions', undefined, {
      printerId: '00000000-0000-7000-8000-000000000000',
      pin: '1234',
    });
    expect(unknown.status).to.equal(404);
  });
});
