/**
 * Job retention on the real job core, on SQLite and on MariaDB: old jobs and their spool files go, favourites and
 * jobs in processing or printing stay, files of jobs deleted by hand are removed, the cron schedule fires, and a
 * schedule that is not a cron expression is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { ErrorCode, newId, type QuireError } from '@quire/common';
import { forEachDriver, startRawSink, type PrintSink, type RawSinkJob } from '@quire/testkit';
import { RetentionTask } from '../src/release/retention';
import {
  openReleaseHarness,
  releaseDocuments,
  reload,
  spoolFileExists,
  submitRouted,
  waitForJob,
  type ReleaseDocuments,
  type ReleaseHarness,
} from './release-fixture';

const DAY_MS = 86_400_000;

forEachDriver('release retention', (_driver, getUrl) => {
  let docs: ReleaseDocuments;
  let sink: PrintSink<RawSinkJob>;

  before(async function () {
    this.timeout(300_000);
    docs = await releaseDocuments();
    sink = await startRawSink();
  });

  after(() => sink?.stop());

  const asUser = (username: string, at: string) => ({
    actor: { kind: 'user' as const, username },
    printerId: at,
  });

  describe('retention', () => {
    let r: ReleaseHarness;
    let rBase: string;
    const retention = (schedule = '17 3 * * *') =>
      new RetentionTask({
        dataSource: r.core.dataSource,
        repository: r.core.repository,
        stateMachine: r.core.stateMachine,
        spool: r.core.spool,
        retentionDays: 7,
        schedule,
        logger: r.logs.logger,
        now: () => new Date(Date.now() + 30 * DAY_MS),
      });

    before(async () => {
      rBase = mkdtempSync(path.join(tmpdir(), 'quire-retention-'));
      r = await openReleaseHarness({
        url: await getUrl(),
        spoolDir: path.join(rBase, 'spool'),
        lookupSecret: 'retention',
      });
      await r.core.directory.saveUser({ username: 'rita', keepForReprint: true });
    });

    after(async () => {
      await r?.close();
      rmSync(rBase, { recursive: true, force: true });
    });

    /** A job admitted without analysis, so it stays in processing. */
    async function processingJob(queueId: string): Promise<string> {
      const id = newId();
      const submittedAt = new Date();
      const spooled = await r.core.spool.write(id, Readable.from([docs.pdfs[0]]), {
        receivedAt: submittedAt,
        maxSizeMb: 10,
      });
      const job = await r.core.jobs.admit({
        id,
        name: 'processing',
        owner: 'rita',
        ownerMethod: 'sender',
        queueId,
        queueName: 'Retain',
        protocol: 'ipp',
        clientAddress: '192.0.2.31',
        senderUser: 'rita',
        senderHost: null,
        holdRequested: false,
        submittedAt,
        sizeBytes: spooled.sizeBytes,
        sha256: spooled.sha256,
        documentFormat: null,
        spoolPath: spooled.relativePath,
        copies: 1,
        attributes: '{}',
      });
      return job.id;
    }

    it('deletes old jobs and their files, keeps favourites, leaves processing and printing jobs alone', async () => {
      const stall = await startRawSink({ failure: { kind: 'stall', afterBytes: 256 } });
      try {
        const good = await r.core.printers.create({ name: 'good', uri: `socket://127.0.0.1:${sink.port}` });
        const stalled = await r.core.printers.create({
          name: 'stalled',
          uri: `socket://127.0.0.1:${stall.port}`,
        });
        const queue = await r.core.queues.create({
          name: 'Retain',
          type: 'pull',
          keepForReprint: true,
          printers: [good.id, stalled.id],
        });
        const submit = (name: string) =>
          submitRouted(r.core, { queueName: 'Retain', owner: 'rita', name, document: docs.pdfs[1] });
        const ready = await submit('ready');
        const printed = await submit('printed');
        await r.core.release.release(printed.id, asUser('rita', good.id));
        await r.core.release.idle();
        expect(await reload(r.core, printed.id)).to.include({ state: 'printed', documentRemovedAt: null });
        const favourite = await submit('favourite');
        await r.core.repository.setColumns(favourite.id, { favourite: true });
        const byHand = await submit('by hand');
        await r.core.jobs.cancel({ id: byHand.id }, { user: 'rita', isAdmin: false });
        expect(
          spoolFileExists(r.core, byHand),
          'a job deleted by hand keeps its file until retention',
        ).to.equal(true);
        const processing = await processingJob(queue.id);
        const printing = await submitRouted(r.core, {
          queueName: 'Retain',
          owner: 'rita',
          name: 'printing',
          document: docs.largeJpeg,
        });
        await r.core.release.release(printing.id, asUser('rita', stalled.id));

        const task = retention();
        expect(await task.runOnce()).to.deep.equal({ deleted: 2, filesRemoved: 3 });
        for (const job of [ready, printed]) {
          const after = await reload(r.core, job.id);
          expect(after.state).to.equal('deleted');
          expect(after.stateReason).to.match(/retention/);
          expect(after.documentRemovedAt).to.be.instanceOf(Date);
          expect(spoolFileExists(r.core, after), `${job.name}: file removed`).to.equal(false);
        }
        const handDeleted = await reload(r.core, byHand.id);
        expect(handDeleted.stateReason).to.match(/^cancelled by rita/);
        expect(handDeleted.documentRemovedAt).to.be.instanceOf(Date);
        expect(spoolFileExists(r.core, handDeleted)).to.equal(false);
        const kept = await reload(r.core, favourite.id);
        expect(kept).to.include({ state: 'ready', documentRemovedAt: null });
        expect(spoolFileExists(r.core, kept)).to.equal(true);
        expect((await reload(r.core, processing)).state).to.equal('processing');
        expect(spoolFileExists(r.core, await reload(r.core, processing))).to.equal(true);
        const stillPrinting = await reload(r.core, printing.id);
        expect(stillPrinting.state, stillPrinting.stateReason ?? '').to.equal('printing');
        expect(spoolFileExists(r.core, printing)).to.equal(true);
        expect(await task.runOnce()).to.deep.equal({ deleted: 0, filesRemoved: 0 });
        await r.core.release.idle();
        const timedOut = await reload(r.core, printing.id);
        expect(timedOut.state).to.equal('failed');
        expect(timedOut.stateReason).to.match(/^timeout/);
      } finally {
        await r.core.release.idle();
        await stall.stop();
      }
    });

    it('runs on its cron schedule once started', async () => {
      const job = await submitRouted(r.core, {
        queueName: 'Retain',
        owner: 'rita',
        name: 'cron',
        document: docs.pdfs[0],
      });
      const task = retention('* * * * * *');
      task.start();
      try {
        const deleted = await waitForJob(
          r.core,
          job.id,
          (j) => j.state === 'deleted' && j.documentRemovedAt !== null,
          10_000,
        );
        expect(deleted.stateReason).to.match(/retention/);
      } finally {
        await task.stop();
      }
    });

    it('refuses a schedule that is not a cron expression with CONFIG_INVALID', () => {
      let error: unknown;
      try {
        retention('every night');
      } catch (err) {
        error = err;
      }
      expect((error as QuireError | undefined)?.code).to.equal(ErrorCode.ConfigInvalid);
    });
  });
});
