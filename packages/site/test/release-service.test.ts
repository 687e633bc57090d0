/**
 * The release service on the real job core, on SQLite and on MariaDB, with real documents made by ghostscript and
 * a real raw sink: the keep-for-reprint matrix end to end (spool file, reprint allowed or refused), forced
 * policies written into the PJL header with the document after it byte-identical, queue-priority order of jobs
 * released together, direct queues and IPP-style holds, retention, and a failed release that is released again.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ErrorCode } from '@quire/common';
import { forEachDriver, startRawSink, type PrintSink, type RawSinkJob } from '@quire/testkit';
import { readPjlHeader } from '../src/pdl/pjl';
import { type JobEntity } from '../src/jobs';
import { sha256Of } from './fixtures/job-core';
import {
  expectQuireError,
  openReleaseHarness,
  releaseDocuments,
  reload,
  sinkJobsInConnectionOrder,
  spoolFileExists,
  submitRouted,
  waitForState,
  type ReleaseDocuments,
  type ReleaseHarness,
} from './release-fixture';

const UEL = '\x1b%-12345X';

/**
 * MyQ's keep-for-reprint matrix (myq-4 §1.5), written out rather than computed by the code under test.
 * `laterWithPolicy` matters for the policy-off cells: whether the job becomes reprintable once the policy turns on.
 */
const MATRIX = [
  { policy: true, queue: true, favourite: false, kept: true, reprint: true, laterWithPolicy: true },
  { policy: true, queue: true, favourite: true, kept: true, reprint: true, laterWithPolicy: true },
  { policy: true, queue: false, favourite: false, kept: false, reprint: false, laterWithPolicy: false },
  { policy: true, queue: false, favourite: true, kept: true, reprint: true, laterWithPolicy: true },
  { policy: false, queue: true, favourite: false, kept: true, reprint: false, laterWithPolicy: true },
  { policy: false, queue: true, favourite: true, kept: true, reprint: false, laterWithPolicy: true },
  { policy: false, queue: false, favourite: false, kept: false, reprint: false, laterWithPolicy: false },
  { policy: false, queue: false, favourite: true, kept: false, reprint: false, laterWithPolicy: false },
];

const onOff = (value: boolean) => (value ? 'on' : 'off');

forEachDriver('release service', (_driver, getUrl) => {
  let base: string;
  let h: ReleaseHarness;
  let docs: ReleaseDocuments;
  let sink: PrintSink<RawSinkJob>;
  let printerId: string;

  const asUser = (username: string, at: string) => ({
    actor: { kind: 'user' as const, username },
    printerId: at,
  });

  /**
   * Release as `username` at `at`, wait for the send, and return the job and what the shared sink recorded. The
   * sink records a connection a moment after the driver saw it close, so a printed job's copy is waited for.
   */
  async function releaseAndSettle(jobId: string, username: string, at = printerId) {
    const before = sink.jobs().length;
    await h.core.release.release(jobId, asUser(username, at));
    await h.core.release.idle();
    const job = await reload(h.core, jobId);
    const arrived =
      job.state === 'printed' && at === printerId ? await sink.waitForJobs(before + 1) : sink.jobs();
    return { job, received: arrived.slice(before) };
  }

  before(async function () {
    this.timeout(300_000);
    docs = await releaseDocuments();
    base = mkdtempSync(path.join(tmpdir(), 'quire-release-service-'));
    sink = await startRawSink();
    h = await openReleaseHarness({
      url: await getUrl(),
      spoolDir: path.join(base, 'spool'),
      lookupSecret: 'release-service-lookup-secret',
    });
    printerId = (await h.core.printers.create({ name: 'sink', uri: `socket://127.0.0.1:${sink.port}` })).id;
    await h.core.queues.create({ name: 'KeepOn', type: 'pull', keepForReprint: true, printers: [printerId] });
    await h.core.queues.create({
      name: 'KeepOff',
      type: 'pull',
      keepForReprint: false,
      printers: [printerId],
    });
  });

  afterEach(() => h.core.release.idle());

  after(async () => {
    await h?.close();
    await sink?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  MATRIX.forEach((cell, index) => {
    const title =
      `keep for reprint: policy ${onOff(cell.policy)}, queue ${onOff(cell.queue)}, ` +
      `${cell.favourite ? 'favourite' : 'not favourite'} -> document ${cell.kept ? 'kept' : 'removed'}, ` +
      `reprint ${cell.reprint ? 'allowed' : 'refused'}`;
    it(title, async () => {
      const username = `reprint-${index}`;
      const document = docs.pdfs[index % docs.pdfs.length];
      await h.core.directory.saveUser({ username, keepForReprint: cell.policy });
      const queueName = cell.queue ? 'KeepOn' : 'KeepOff';
      const job = await submitRouted(h.core, { queueName, owner: username, name: title, document });
      expect(job.state, job.stateReason ?? '').to.equal('ready');
      if (cell.favourite) await h.core.repository.setColumns(job.id, { favourite: true });

      const first = await releaseAndSettle(job.id, username);
      expect(first.job.state, first.job.stateReason ?? '').to.equal('printed');
      expect(first.received.map((r) => r.sha256)).to.deep.equal([sha256Of(document)]);
      expect(spoolFileExists(h.core, first.job), 'spool file on disk').to.equal(cell.kept);
      expect(first.job.documentRemovedAt === null, 'documentRemovedAt is null').to.equal(cell.kept);

      const reprint = async () => {
        const again = await releaseAndSettle(job.id, username);
        expect(again.job.state, again.job.stateReason ?? '').to.equal('printed');
        expect(again.job.printAttempts).to.equal(2);
        expect(again.received.map((r) => r.sha256)).to.deep.equal([sha256Of(document)]);
        expect(spoolFileExists(h.core, again.job), 'still kept after the reprint').to.equal(true);
      };
      const refused = async () => {
        const before = sink.jobs().length;
        await expectQuireError(
          h.core.release.release(job.id, asUser(username, printerId)),
          ErrorCode.JobStateConflict,
        );
        await h.core.release.idle();
        expect(sink.jobs()).to.have.length(before);
        expect(await reload(h.core, job.id)).to.include({ state: 'printed', printAttempts: 1 });
      };
      if (cell.reprint) return reprint();
      await refused();
      if (cell.policy) return;
      // The policy turned on later: a kept document becomes reprintable, a removed one never does.
      await h.core.directory.saveUser({ username, keepForReprint: true });
      await (cell.laterWithPolicy ? reprint() : refused());
    });
  });

  describe('forced policies', () => {
    before(async () => {
      await h.core.directory.saveUser({ username: 'alice', fullName: 'Alice Martin' });
      await h.core.queues.create({
        name: 'Forced',
        type: 'pull',
        keepForReprint: true,
        printers: [printerId],
        forceColor: 'mono',
        forceDuplex: 'long-edge',
        forceTonerSave: 'on',
        customPjl: ['@PJL SET USERNAME="%username%"'],
      });
    });

    const FORCED = {
      RENDERMODE: 'GRAYSCALE',
      DUPLEX: 'ON',
      BINDING: 'LONGEDGE',
      ECONOMODE: 'ON',
      USERNAME: 'alice',
    };

    async function releaseForced(document: Buffer, name: string) {
      const job = await submitRouted(h.core, { queueName: 'Forced', owner: 'alice', name, document });
      expect(job.state, job.stateReason ?? '').to.equal('ready');
      const { job: printed, received } = await releaseAndSettle(job.id, 'alice');
      expect(printed.state, printed.stateReason ?? '').to.equal('printed');
      expect(received).to.have.length(1);
      // The spool file itself is never rewritten.
      expect(sha256Of(readFileSync(h.core.spool.absolutePath(printed.spoolPath)))).to.equal(
        sha256Of(document),
      );
      return { job: printed, bytes: readFileSync(received[0].file) };
    }

    it("rewrites a PCL XL job's own PJL header; every byte after the header is the original", async () => {
      const { job, bytes } = await releaseForced(docs.pclXl, 'forced-pclxl');
      expect(job.pdl).to.equal('pcl-xl');
      expect(job.stateReason).to.match(/forced: black & white forced/);
      const original = readPjlHeader(docs.pclXl);
      expect(original.variables).to.include({ RENDERMODE: 'COLOR' });
      const sent = readPjlHeader(bytes);
      expect(sent.language).to.equal('PCLXL');
      expect(sent.variables).to.include({ ...FORCED, RESOLUTION: original.variables.RESOLUTION });
      expect(bytes.subarray(0, sent.headerBytes).toString('latin1')).not.to.include('RENDERMODE=COLOR');
      const body = bytes.subarray(sent.headerBytes);
      const originalBody = docs.pclXl.subarray(original.headerBytes);
      expect(body.length).to.equal(originalBody.length);
      expect(sha256Of(body)).to.equal(sha256Of(originalBody));
    });

    it('wraps a PDF without a header in a PJL job: header, the whole original, then UEL EOJ UEL', async () => {
      const document = docs.pdfs[2];
      const { job, bytes } = await releaseForced(document, 'forced-pdf');
      expect(job.pdl).to.equal('pdf');
      expect(readPjlHeader(document).headerBytes).to.equal(0);
      const sent = readPjlHeader(bytes);
      expect(sent.language).to.equal('PDF');
      expect(sent.variables).to.include({ ...FORCED, 'JOB NAME': 'forced-pdf' });
      const body = bytes.subarray(sent.headerBytes, sent.headerBytes + document.length);
      expect(sha256Of(body)).to.equal(sha256Of(document));
      expect(bytes.subarray(sent.headerBytes + document.length).toString('latin1')).to.equal(
        `${UEL}@PJL EOJ\r\n${UEL}`,
      );
    });

    for (const kind of ['jpeg', 'unknown'] as const) {
      it(`sends a ${kind} job untouched, as no PJL header fits it`, async () => {
        const document = docs[kind];
        const { job, bytes } = await releaseForced(document, `forced-${kind}`);
        expect(job.pdl).to.equal(kind);
        expect(job.stateReason).not.to.include('forced');
        expect(sha256Of(bytes)).to.equal(sha256Of(document));
      });
    }
  });

  it('prints jobs released together in queue-priority order, then oldest first (release all at a terminal)', async () => {
    const prioSink = await startRawSink();
    try {
      const printer = await h.core.printers.create({
        name: 'prio',
        uri: `socket://127.0.0.1:${prioSink.port}`,
      });
      await h.core.queues.create({ name: 'PrioLow', type: 'pull', priority: -1, printers: [printer.id] });
      await h.core.queues.create({ name: 'PrioHigh', type: 'pull', priority: 5, printers: [printer.id] });
      await h.core.directory.saveUser({ username: 'paul', pin: '246810' });
      const order = [
        ['PrioLow', docs.pdfs[0]],
        ['PrioLow', docs.pdfs[1]],
        ['PrioHigh', docs.pdfs[2]],
        ['PrioHigh', docs.pdfs[3]],
      ] as const;
      const jobs: JobEntity[] = [];
      for (const [i, [queueName, document]] of order.entries()) {
        jobs.push(await submitRouted(h.core, { queueName, owner: 'paul', name: `prio-${i}`, document }));
      }
      const { session } = await h.auth.login(printer.id, { pin: '246810' }, {});
      const outcome = await h.terminal.releaseAll(session);
      expect(outcome.failed).to.deep.equal([]);
      const expected = [2, 3, 0, 1];
      expect(outcome.released.map((job) => job.id)).to.deep.equal(expected.map((i) => jobs[i].id));
      await h.core.release.idle();
      await prioSink.waitForJobs(4, 30_000);
      const received = sinkJobsInConnectionOrder(prioSink).map((job) => job.sha256);
      expect(received).to.deep.equal(expected.map((i) => sha256Of(order[i][1])));
      for (const job of jobs) expect((await reload(h.core, job.id)).state).to.equal('printed');
    } finally {
      await h.core.release.idle();
      await prioSink.stop();
    }
  });

  describe('direct queues and holds', () => {
    it('prints a job of a direct queue at once, without any release call', async () => {
      await h.core.queues.create({ name: 'Direct', type: 'direct', printers: [printerId] });
      const before = sink.jobs().length;
      const job = await submitRouted(h.core, {
        queueName: 'Direct',
        owner: 'alice',
        name: 'direct',
        document: docs.pdfs[3],
      });
      const printed = await waitForState(h.core, job.id, ['printed', 'failed']);
      expect(printed, printed.stateReason ?? '').to.include({
        state: 'printed',
        releasedBy: 'queue',
        printerId,
      });
      const received = await sink.waitForJobs(before + 1);
      expect(received[before].sha256).to.equal(sha256Of(docs.pdfs[3]));
    });

    it('leaves a job of a direct queue without a printer ready', async () => {
      await h.core.queues.create({ name: 'DirectNone', type: 'direct' });
      const job = await submitRouted(h.core, {
        queueName: 'DirectNone',
        owner: 'alice',
        name: 'nowhere',
        document: docs.pdfs[0],
      });
      await h.logs.waitFor(
        (line) => line.message.startsWith('job not printed automatically') && line.job === job.number,
      );
      expect(await reload(h.core, job.id)).to.include({ state: 'ready', printAttempts: 0, printerId: null });
    });

    it('holds an IPP job-hold-until job of a direct queue, and prints it once the hold is released', async () => {
      await h.core.queues.create({ name: 'DirectHold', type: 'direct', printers: [printerId] });
      const before = sink.jobs().length;
      const submission = { queueName: 'DirectHold', owner: 'alice', name: 'held', document: docs.pdfs[1] };
      const job = await submitRouted(h.core, { ...submission, holdRequested: true });
      expect(job.state).to.equal('paused');
      await h.core.release.idle();
      expect(await reload(h.core, job.id)).to.include({ state: 'paused', printAttempts: 0 });
      expect(sink.jobs()).to.have.length(before);
      await h.core.jobs.releaseHeld({ id: job.id }, { user: 'alice', isAdmin: false });
      const printed = await waitForState(h.core, job.id, ['printed', 'failed']);
      expect(printed, printed.stateReason ?? '').to.include({ state: 'printed', releasedBy: 'queue' });
      expect((await sink.waitForJobs(before + 1))[before].sha256).to.equal(sha256Of(docs.pdfs[1]));
    });

    it('a ready job held by its owner does not print; released, it prints through the same release service', async () => {
      const printer = await h.core.printers.create({
        name: 'later',
        uri: `socket://127.0.0.1:${sink.port}`,
        enabled: false,
      });
      await h.core.queues.create({ name: 'DirectLater', type: 'direct', printers: [printer.id] });
      const job = await submitRouted(h.core, {
        queueName: 'DirectLater',
        owner: 'alice',
        name: 'later',
        document: docs.pdfs[2],
      });
      await h.logs.waitFor(
        (line) => line.message.startsWith('job not printed automatically') && line.job === job.number,
      );
      const held = await h.core.jobs.hold({ id: job.id }, { user: 'alice', isAdmin: false });
      expect(held.state).to.equal('paused');
      await h.core.printers.update(printer.id, { enabled: true });
      const before = sink.jobs().length;
      await expectQuireError(
        h.core.release.release(job.id, { actor: { kind: 'queue' } }),
        ErrorCode.JobStateConflict,
      );
      await h.core.release.idle();
      expect(await reload(h.core, job.id)).to.include({ state: 'paused', printAttempts: 0 });
      expect(sink.jobs()).to.have.length(before);
      await h.core.jobs.releaseHeld({ id: job.id }, { user: 'alice', isAdmin: false });
      const printed = await waitForState(h.core, job.id, ['printed', 'failed']);
      expect(printed, printed.stateReason ?? '').to.include({ state: 'printed', printerId: printer.id });
      expect((await sink.waitForJobs(before + 1))[before].sha256).to.equal(sha256Of(docs.pdfs[2]));
    });
  });

  it('a release the printer resets fails with the reason and keeps the document; released again, it prints', async () => {
    const resetting = await startRawSink({ failure: { kind: 'reset', afterBytes: 512 } });
    try {
      const bad = await h.core.printers.create({
        name: 'resetting',
        uri: `socket://127.0.0.1:${resetting.port}`,
      });
      await h.core.queues.create({ name: 'Retry', type: 'pull', printers: [bad.id, printerId] });
      const document = docs.pdfs[3];
      const job = await submitRouted(h.core, { queueName: 'Retry', owner: 'alice', name: 'retry', document });
      const failed = await releaseAndSettle(job.id, 'alice', bad.id);
      expect(failed.job.state).to.equal('failed');
      expect(failed.job.stateReason).to.match(/^(refused|printer unreachable)/);
      expect(failed.job).to.include({ printAttempts: 1, documentRemovedAt: null, printerId: bad.id });
      expect(spoolFileExists(h.core, failed.job)).to.equal(true);
      const again = await releaseAndSettle(job.id, 'alice');
      expect(again.job, again.job.stateReason ?? '').to.include({
        state: 'printed',
        printAttempts: 2,
        printerId,
      });
      expect(again.received.map((r) => r.sha256)).to.deep.equal([sha256Of(document)]);
    } finally {
      await h.core.release.idle();
      await resetting.stop();
    }
  });
});
