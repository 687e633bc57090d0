/**
 * Integration tests of the site's job core on SQLite and on MariaDB: JobIntakeService with the real
 * QueueService, JobsService, job state machine and spool. Covers what a submission leaves behind (row, events,
 * spool file and its sha256), job numbers under concurrency, refusals that keep nothing, the owner/admin rules
 * of cancel, hold and release, racing transitions, and start-up recovery. A job is acknowledged in
 * `processing` and routed once analysed (`core.analysis.drain()` waits for that).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { ErrorCode, isQuireError, newId } from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { type IncomingJob, type Requester } from '../src/intake/intake-port';
import { type JobEntity } from '../src/jobs';
import { documentFor, openJobCore, sha256Of, slowStream, type JobCore } from './fixtures/job-core';

const alice: Requester = { user: 'alice', isAdmin: false };
const bob: Requester = { user: 'bob', isAdmin: false };
const admin: Requester = { user: 'admin', isAdmin: true };

function incoming(overrides: Partial<IncomingJob> = {}): IncomingJob {
  return {
    queueName: 'Default',
    protocol: 'ipp',
    clientAddress: '192.0.2.10',
    senderUser: 'alice',
    senderHost: 'pc-17',
    jobName: 'report.pdf',
    copies: 2,
    documentFormat: 'application/pdf',
    ...overrides,
  };
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  const err = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e as Error,
  );
  expect(isQuireError(err, code), `expected ${code}, got ${String(err)}`).to.equal(true);
  return err;
}

forEachDriver('site job intake core', (_driver, getUrl) => {
  let base: string;
  let core: JobCore;

  const spoolFiles = () => ({
    temp: readdirSync(path.join(core.spool.dir, 'tmp')).filter(
      (name) => !core.spool.isReservedTempFile(name),
    ),
    documents: readdirSync(path.join(core.spool.dir, 'jobs'), { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.prn'))
      .sort(),
  });
  const jobCount = () => core.dataSource.getRepository('jobs').count();
  const submit = (overrides: Partial<IncomingJob> = {}, data = Buffer.from('%PDF-1.7 small')) =>
    core.intake.submit(incoming(overrides), Readable.from([data]));

  before(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'quire-jobs-'));
    core = await openJobCore({ url: await getUrl(), spoolDir: path.join(base, 'spool'), maxJobSizeMb: 2 });
    await core.queues.create({ name: 'Default', type: 'pull' });
    await core.queues.create({ name: 'Strict', type: 'pull', userDetection: [{ kind: 'sender' }] });
    await core.queues.create({ name: 'Open', type: 'pull', unknownOwnerPolicy: 'unauthenticated' });
    await core.intake.recoverAtStartup();
  });

  after(async () => {
    await core?.close();
    await core?.dataSource.destroy();
    rmSync(base, { recursive: true, force: true });
  });

  it('records a submitted job: the row, its creation and routing events, and its spool file', async () => {
    const data = documentFor(1, 300_000);
    const view = await core.intake.submit(incoming(), slowStream(data));
    expect(view).to.include({
      name: 'report.pdf',
      owner: 'alice',
      queueName: 'Default',
      state: 'processing',
      stateReason: null,
      protocol: 'ipp',
      clientAddress: '192.0.2.10',
      sizeBytes: data.length,
      sha256: sha256Of(data),
      documentFormat: 'application/pdf',
      copies: 2,
      pdl: null,
      pages: null,
    });
    expect(view.number).to.be.a('number').greaterThan(0);
    await core.analysis.drain();
    const row = (await core.repository.findById(view.id)) as JobEntity;
    expect(row).to.include({
      state: 'ready',
      pdl: 'pdf',
      ownerMethod: 'sender',
      senderUser: 'alice',
      senderHost: 'pc-17',
      number: view.number,
    });
    expect(row.sizeBytes).to.equal(data.length);
    expect(sha256Of(readFileSync(core.spool.absolutePath(row.spoolPath)))).to.equal(row.sha256);
    const events = await core.repository.eventsOf(view.id);
    expect(events.map((e) => [e.fromState, e.toState, e.actor])).to.deep.equal([
      [null, 'processing', 'intake'],
      ['processing', 'ready', 'router'],
    ]);
    expect(spoolFiles().temp).to.deep.equal([]);
  });

  it('gives 50 concurrent submissions 50 distinct numbers, each with its own document', async () => {
    const views = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        core.intake.submit(incoming({ jobName: `burst-${i}` }), slowStream(documentFor(i, 20_000 + i), 4096)),
      ),
    );
    const numbers = new Set(views.map((view) => view.number));
    expect(numbers.size).to.equal(50);
    for (const [i, view] of views.entries()) {
      expect(view.sha256, view.name).to.equal(sha256Of(documentFor(i, 20_000 + i)));
      expect((await core.intake.findJob(view.number))?.name).to.equal(`burst-${i}`);
    }
  });

  it('refuses a too-large job mid-stream and keeps nothing of it', async () => {
    const before = { rows: await jobCount(), files: spoolFiles() };
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, 9);
    const endless = new Readable({
      read() {
        sent += chunk.length;
        setImmediate(() => this.push(chunk));
      },
    });
    const err = await expectCode(core.intake.submit(incoming(), endless), ErrorCode.JobTooLarge);
    expect(err.message).to.contain('2 MiB').and.contain('QUIRE_JOBS_MAX_SIZE_MB');
    expect(sent).to.be.lessThan(4 * 1024 * 1024);
    expect(await jobCount()).to.equal(before.rows);
    expect(spoolFiles()).to.deep.equal(before.files);
  });

  it('refuses an unknown owner where the queue says so, keeping nothing; accepts it where allowed', async () => {
    const before = { rows: await jobCount(), files: spoolFiles() };
    const refused = await expectCode(
      submit({ queueName: 'Strict', senderUser: null, protocol: 'raw' }),
      ErrorCode.JobOwnerUnknown,
    );
    expect(refused.message).to.contain('Strict');
    expect(await jobCount()).to.equal(before.rows);
    expect(spoolFiles()).to.deep.equal(before.files);

    const accepted = await submit({ queueName: 'open', senderUser: null, protocol: 'raw' });
    expect(accepted).to.include({ owner: '*unauthenticated', queueName: 'Open', state: 'processing' });
    expect((await core.repository.findById(accepted.id))?.ownerMethod).to.equal('unauthenticated');
  });

  it('lets owners and admins hold, release and cancel, and nobody else', async () => {
    const job = await submit();
    await core.analysis.drain();
    await expectCode(core.intake.holdJob(job.number, bob), ErrorCode.Forbidden);
    expect((await core.intake.holdJob(job.number, alice)).state).to.equal('paused');
    await expectCode(core.intake.holdJob(job.number, alice), ErrorCode.JobStateConflict);
    await expectCode(core.intake.releaseHeldJob(job.number, bob), ErrorCode.Forbidden);
    expect((await core.intake.releaseHeldJob(job.number, admin)).state).to.equal('ready');
    await expectCode(core.intake.releaseHeldJob(job.number, alice), ErrorCode.JobStateConflict);
    await expectCode(core.intake.cancelJob(job.number, bob), ErrorCode.Forbidden);
    const cancelled = await core.intake.cancelJob(job.number, alice);
    expect(cancelled.state).to.equal('deleted');
    expect(cancelled.completedAt).to.be.instanceOf(Date);
    const again = await expectCode(core.intake.cancelJob(job.number, admin), ErrorCode.JobStateConflict);
    expect(again.message).to.contain('already deleted');
    await expectCode(core.intake.cancelJob(999_999, admin), ErrorCode.JobNotFound);
    const events = await core.repository.eventsOf(job.id);
    expect(events.slice(2).map((e) => [e.fromState, e.toState, e.actor])).to.deep.equal([
      ['ready', 'paused', 'owner:alice'],
      ['paused', 'ready', 'admin:admin'],
      ['ready', 'deleted', 'owner:alice'],
    ]);
  });

  it('lets exactly one of two racing transitions of the same job win', async () => {
    const job = await submit();
    await core.analysis.drain();
    const results = await Promise.allSettled([
      core.intake.cancelJob(job.number, alice),
      core.intake.cancelJob(job.number, admin),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).to.have.length(1);
    expect(lost).to.have.length(1);
    expect(isQuireError(lost[0].reason, ErrorCode.JobStateConflict), String(lost[0].reason)).to.equal(true);
    expect(await core.repository.eventsOf(job.id)).to.have.length(3);
    expect((await core.repository.findById(job.id))?.state).to.equal('deleted');

    // A stale copy loses at the conditional update, not at the table check.
    const fresh = await submit();
    await core.analysis.drain();
    const stale = (await core.repository.findById(fresh.id)) as JobEntity;
    await core.dataSource.transaction((tx) =>
      core.stateMachine.transition(stale, 'paused', { actor: { role: 'owner' } }, tx),
    );
    const lostRace = await expectCode(
      core.dataSource.transaction((tx) =>
        core.stateMachine.transition(stale, 'deleted', { actor: { role: 'admin' } }, tx),
      ),
      ErrorCode.JobStateConflict,
    );
    expect(lostRace.message).to.contain('changed meanwhile').and.contain('paused');
    expect(await core.repository.eventsOf(fresh.id)).to.have.length(3);
  });

  it('migrates down and up again, seeding the job-number counter', async () => {
    const scratch = await openJobCore({ url: await getUrl(), spoolDir: path.join(base, 'scratch-spool') });
    try {
      const runner = scratch.dataSource.createQueryRunner();
      try {
        // Undo the migrations that came after AddRelease first, whatever they are.
        const names = scratch.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
        const afterRelease = names.length - 1 - names.findIndex((name) => /AddRelease/.test(name));
        for (let i = 0; i < afterRelease; i++) await scratch.dataSource.undoLastMigration();
        await scratch.dataSource.undoLastMigration();
        expect(await runner.hasTable('printers')).to.equal(false);
        expect(await runner.hasColumn('jobs', 'favourite')).to.equal(false);
        expect(await runner.hasColumn('queues', 'printers')).to.equal(false);
        await scratch.dataSource.undoLastMigration();
        expect(await runner.hasColumn('jobs', 'impressions')).to.equal(false);
        expect(await runner.hasColumn('jobs', 'analysis')).to.equal(false);
        expect(await runner.hasColumn('jobs', 'duplex')).to.equal(true);
        await scratch.dataSource.undoLastMigration();
        expect(await runner.hasTable('jobs')).to.equal(false);
        expect(await runner.hasTable('job_events')).to.equal(false);
        expect(await runner.hasTable('job_counters')).to.equal(false);
        await scratch.dataSource.runMigrations();
        expect(await runner.hasTable('job_events')).to.equal(true);
      } finally {
        await runner.release();
      }
      await scratch.queues.create({ name: 'Default', type: 'pull' });
      await scratch.intake.recoverAtStartup();
      expect((await scratch.intake.submit(incoming(), Readable.from([Buffer.from('x')]))).number).to.equal(1);
      await scratch.analysis.drain();
    } finally {
      await scratch.close();
      await scratch.dataSource.destroy();
    }
  });

  it('recovers at start-up: removes partial and orphan files, fails jobs without files, analyses stranded jobs', async () => {
    const partial = path.join(core.spool.dir, 'tmp', `${newId()}.part`);
    writeFileSync(partial, 'half a job');
    const orphanDir = path.join(core.spool.dir, 'jobs', '2020', '01');
    mkdirSync(orphanDir, { recursive: true });
    const orphan = path.join('jobs', '2020', '01', `${newId()}.prn`);
    writeFileSync(path.join(core.spool.dir, orphan), 'never committed');
    const foreign = path.join(orphanDir, 'notes.txt');
    writeFileSync(foreign, 'an operator left this');

    const lostFile = await submit();
    await core.analysis.drain();
    await core.spool.remove((await core.repository.findById(lostFile.id))!.spoolPath);

    const stranded = await core.dataSource.transaction(async (tx) => {
      const spooled = await core.spool.write(newId(), Readable.from([Buffer.from('stranded')]), {
        receivedAt: new Date(),
        maxSizeMb: 1,
      });
      const job = {
        ...((await core.repository.findById(lostFile.id)) as JobEntity),
        id: path.basename(spooled.relativePath, '.prn'),
        number: await core.repository.reserveNumbers(1, tx),
        state: 'processing' as const,
        stateReason: null,
        processedAt: null,
        spoolPath: spooled.relativePath,
        sha256: spooled.sha256,
      };
      return core.stateMachine.create(job, { role: 'intake' }, tx);
    });

    const report = await core.intake.recoverAtStartup();
    expect(report.removedTempFiles).to.deep.equal([path.join('tmp', path.basename(partial))]);
    expect(report.removedOrphanDocuments).to.deep.equal([orphan]);
    expect(report.foreignFiles).to.deep.equal([path.join('jobs', '2020', '01', 'notes.txt')]);
    expect(report.failedJobs).to.deep.equal([lostFile.number]);
    expect(report.routedJobs).to.deep.equal([stranded.number]);

    expect(await core.intake.findJob(lostFile.number)).to.include({
      state: 'failed',
      stateReason: 'spool file missing at start-up',
    });
    expect(await core.intake.findJob(stranded.number)).to.include({
      state: 'ready',
      pdl: 'unknown',
      pages: 0,
    });
    expect(readFileSync(foreign, 'utf8')).to.equal('an operator left this');
    expect(spoolFiles().temp).to.deep.equal([]);
    const again = await core.intake.recoverAtStartup();
    expect(again).to.deep.include({
      removedTempFiles: [],
      removedOrphanDocuments: [],
      failedJobs: [],
      routedJobs: [],
    });
  });
});
