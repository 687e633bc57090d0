/**
 * Unit tests of the intake core's own rules on an embedded SQLite database and a scratch spool: checks made
 * before any byte is read, the job name fallback, owner detection from PJL, hold requests, attribute clipping,
 * listJobs' `which`, that a job is acknowledged in `processing` and routed once analysed, and that a job whose
 * row cannot be committed leaves no spool file behind. Both drivers, concurrency, REST and recovery are covered
 * by test/jobs.test.ts.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import {
  createSilentLogger,
  createUnitWriter,
  ErrorCode,
  isQuireError,
  openDatabase,
  type UnitWriter,
} from '@quire/common';
import { JobRepository, JobStateMachine, JobsService } from '../jobs';
import { AnalysisPool, JobAnalysisService } from '../pdl/analysis';
import { QueueRepository, QueueService } from '../queues';
import { SpoolStore } from '../spool';
import { jobCoreEntities, jobCoreMigrations } from '../job-core';
import { type IncomingJob } from './intake-port';
import { JobIntakeService } from './job-intake.service';

function incoming(overrides: Partial<IncomingJob> = {}): IncomingJob {
  return {
    queueName: 'Default',
    protocol: 'ipp',
    clientAddress: '127.0.0.1',
    senderUser: 'alice',
    jobName: 'report.pdf',
    copies: 1,
    documentFormat: 'application/pdf',
    ...overrides,
  };
}

/** A source that counts how often it was read, to prove a refusal came before any reading. */
function untouchedSource() {
  let reads = 0;
  const stream = new Readable({
    read() {
      reads++;
      this.push(null);
    },
  });
  return { stream, reads: () => reads };
}

describe('JobIntakeService rules', () => {
  let base: string;
  let dataSource: DataSource;
  let queues: QueueService;
  let spool: SpoolStore;
  let intake: JobIntakeService;
  let analysis: JobAnalysisService;
  let writer: UnitWriter;

  const spoolFiles = () => ({
    temp: readdirSync(path.join(spool.dir, 'tmp')).filter((name) => !spool.isReservedTempFile(name)),
    documents: readdirSync(path.join(spool.dir, 'jobs'), { recursive: true }).filter((f) =>
      String(f).endsWith('.prn'),
    ),
  });

  before(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'quire-intake-unit-'));
    ({ dataSource } = await openDatabase({
      url: `sqlite:${path.join(base, 'site.db')}`,
      entities: jobCoreEntities,
      migrations: jobCoreMigrations,
    }));
    const logger = createSilentLogger();
    queues = new QueueService({ queues: new QueueRepository(dataSource), logger });
    const repository = new JobRepository(dataSource);
    const jobs = new JobsService({
      dataSource,
      jobs: repository,
      stateMachine: new JobStateMachine({ jobs: repository }),
      writer: (writer = createUnitWriter(dataSource)),
    });
    spool = new SpoolStore(path.join(base, 'spool'));
    const pool = new AnalysisPool({ workers: 1, timeLimitMs: 10_000, mode: 'standard' });
    analysis = new JobAnalysisService({ pool, jobs, spool, logger });
    intake = new JobIntakeService({ queues, jobs, analysis, spool, maxJobSizeMb: 5, logger });
    await queues.create({ name: 'Default', type: 'pull' });
    await queues.create({ name: 'Closed', type: 'pull', online: false });
    await intake.recoverAtStartup();
  });

  after(async () => {
    await analysis?.close();
    await writer?.close();
    await dataSource?.destroy();
    rmSync(base, { recursive: true, force: true });
  });

  it('checks the queue before reading a byte: unknown, offline, and in any case', async () => {
    for (const [queueName, code] of [
      ['Nowhere', ErrorCode.QueueNotFound],
      ['closed', ErrorCode.QueueOffline],
    ] as const) {
      const source = untouchedSource();
      const err = await intake.submit(incoming({ queueName }), source.stream).catch((e: unknown) => e);
      expect(isQuireError(err, code), `${queueName}: ${String(err)}`).to.equal(true);
      expect(source.reads(), queueName).to.equal(0);
    }
    expect((await intake.checkQueue('DEFAULT')).name).to.equal('Default');
    expect((await intake.listQueues()).map((q) => q.name)).to.deep.equal(['Closed', 'Default']);
  });

  it('refuses an impossible copy count before reading', async () => {
    const source = untouchedSource();
    const err = await intake.submit(incoming({ copies: 0 }), source.stream).catch((e: unknown) => e);
    expect(isQuireError(err, ErrorCode.BadRequest)).to.equal(true);
    expect(source.reads()).to.equal(0);
  });

  it('names a job from PJL when the protocol does not, and finds the owner in PJL USERNAME', async () => {
    const pjl =
      '\x1b%-12345X@PJL JOB NAME="Quarterly"\r\n@PJL SET USERNAME="bob"\r\n@PJL ENTER LANGUAGE=PDF\r\n';
    const view = await intake.submit(
      incoming({ protocol: 'raw', senderUser: null, jobName: null }),
      Readable.from([Buffer.from(`${pjl}%PDF-1.7\n`)]),
    );
    expect(view).to.include({ name: 'Quarterly', owner: 'bob', state: 'processing', protocol: 'raw' });
    await analysis.drain();
    expect(await intake.findJob(view.number)).to.include({ state: 'ready', pdl: 'pdf' });
    const untitled = await intake.submit(incoming({ jobName: '  ' }), Readable.from([Buffer.from('%PDF')]));
    expect(untitled.name).to.equal('untitled');
  });

  it('holds a job whose client asked for it once analysed, with the reason', async () => {
    const view = await intake.submit(incoming({ holdRequested: true }), Readable.from([Buffer.from('x')]));
    expect(view).to.include({ state: 'processing', processedAt: null });
    await analysis.drain();
    const held = await intake.findJob(view.number);
    expect(held?.state).to.equal('paused');
    expect(held?.stateReason).to.contain('job-hold-until');
    expect(held?.processedAt).to.be.instanceOf(Date);
    expect(held).to.include({ pdl: 'unknown', pages: 0, impressions: 0, sheets: 0 });
  });

  it('keeps protocol attributes as JSON, summarising a set too large for the column', async () => {
    const small = await intake.submit(
      incoming({ attributes: { 'media-col': { 'media-size-name': 'iso_a4_210x297mm' } } }),
      Readable.from([Buffer.from('x')]),
    );
    const huge = await intake.submit(
      incoming({ attributes: { blob: 'y'.repeat(20_000) } }),
      Readable.from([Buffer.from('x')]),
    );
    const rows = new JobRepository(dataSource);
    expect(JSON.parse((await rows.findById(small.id))!.attributes)).to.deep.equal({
      'media-col': { 'media-size-name': 'iso_a4_210x297mm' },
    });
    expect(JSON.parse((await rows.findById(huge.id))!.attributes)).to.include({ truncated: true });
  });

  it('lists not-completed jobs by default, completed ones on request, and nothing for an unknown queue', async () => {
    const view = await intake.submit(incoming({ senderUser: 'carol' }), Readable.from([Buffer.from('z')]));
    await intake.cancelJob(view.number, { user: 'carol', isAdmin: false });
    const active = await intake.listJobs({ owner: 'carol' });
    const completed = await intake.listJobs({ owner: 'carol', which: 'completed' });
    expect(active).to.deep.equal([]);
    expect(completed.map((job) => job.number)).to.deep.equal([view.number]);
    expect(await intake.listJobs({ queueName: 'Nowhere', which: 'all' })).to.deep.equal([]);
    expect(await intake.listJobs({ queueName: 'default', which: 'all', limit: 2 })).to.have.length(2);
    expect(await intake.findJob(view.number)).to.include({ state: 'deleted' });
    expect(await intake.findJob(987654)).to.equal(null);
  });

  it('deletes the spool file when the job row cannot be committed', async () => {
    await analysis.drain();
    const before = spoolFiles().documents.length;
    // Job numbers come from a block reserved earlier, so break the insert itself: no job_events table.
    await dataSource.query('ALTER TABLE job_events RENAME TO job_events_away');
    try {
      const err = await intake
        .submit(incoming(), Readable.from([Buffer.from('never stored')]))
        .catch((e: unknown) => e);
      expect(err, 'the submit must fail').to.be.instanceOf(Error);
      expect(spoolFiles().documents).to.have.length(before);
      expect(spoolFiles().temp).to.deep.equal([]);
    } finally {
      await dataSource.query('ALTER TABLE job_events_away RENAME TO job_events');
    }
  });
});
