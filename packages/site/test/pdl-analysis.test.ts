/**
 * Job analysis wired into intake, on SQLite and on MariaDB: real documents made with ghostscript go through
 * JobIntakeService, are acknowledged in `processing`, analysed on the worker pool, and routed to `ready` (or
 * `paused` for a hold) with their pages, colour split, copies, duplex, sheets and paper stored on the job in
 * the same transaction as the move. Start-up recovery analyses jobs a crash left in `processing` before it
 * resolves.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { newId } from '@quire/common';
import { ensureDebianPackages, forEachDriver } from '@quire/testkit';
import { type IncomingJob, type JobView } from '../src/intake/intake-port';
import { type JobEntity } from '../src/jobs';
import { openJobCore, type JobCore } from './fixtures/job-core';
import { A3, A4, LETTER, renderWithGs, type SourceOptions, type SourcePage } from './pdl-analysis-documents';

const A4_NAME = 'iso_a4_210x297mm';
const A3_NAME = 'iso_a3_297x420mm';
const LETTER_NAME = 'na_letter_8.5x11in';

function incoming(overrides: Partial<IncomingJob> = {}): IncomingJob {
  return {
    queueName: 'Default',
    protocol: 'ipp',
    clientAddress: '192.0.2.20',
    senderUser: 'alice',
    jobName: 'analysed',
    copies: 1,
    documentFormat: 'application/octet-stream',
    ...overrides,
  };
}

forEachDriver('job analysis on intake', (_driver, getUrl) => {
  let base: string;
  let core: JobCore;
  let url: string;
  const documents: Record<string, Buffer> = {};

  /** Poll until the job has left `processing`. */
  async function routed(view: JobView): Promise<JobView> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const job = await core.intake.findJob(view.number);
      if (job && job.state !== 'processing') return job;
      if (Date.now() > deadline) throw new Error(`job ${view.number} is still processing`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  before(async function () {
    this.timeout(120_000);
    await ensureDebianPackages(['ghostscript']);
    base = mkdtempSync(path.join(tmpdir(), 'quire-pdl-analysis-'));
    const render = async (name: string, device: string, pages: SourcePage[], options?: SourceOptions) => {
      documents[name] = readFileSync(await renderWithGs(base, name, device, pages, options));
    };
    await render(
      'pxl-duplex',
      'pxlcolor',
      [
        { color: true, size: A4 },
        { color: false, size: A4 },
        { color: true, size: A3 },
      ],
      { copies: 2, duplex: 'long-edge' },
    );
    await render('pdf-mixed', 'pdfwrite', [
      { color: false, size: LETTER },
      { color: true, size: LETTER },
      { color: false, size: A4 },
      { color: false, size: A4 },
    ]);
    await render('pxl-mono', 'pxlmono', [
      { color: true, size: A4 },
      { color: false, size: A4 },
    ]);
    url = await getUrl();
    core = await openJobCore({
      url,
      spoolDir: path.join(base, 'spool'),
      // Enhanced, so PDF jobs take their colour from ghostscript's ink coverage through the job path too.
      analysis: { workers: 2, timeLimitSeconds: 20, mode: 'enhanced' },
    });
    await core.queues.create({ name: 'Default', type: 'pull' });
    await core.intake.recoverAtStartup();
  });

  after(async () => {
    await core?.close();
    await core?.dataSource.destroy();
    rmSync(base, { recursive: true, force: true });
  });

  it('acknowledges a PCL XL job in processing, then routes it with its pages, copies, duplex, sheets and paper', async () => {
    const view = await core.intake.submit(incoming(), Readable.from([documents['pxl-duplex']]));
    expect(view).to.include({ state: 'processing', pdl: null, pages: null, processedAt: null });
    const job = await routed(view);
    expect(job).to.include({
      state: 'ready',
      pdl: 'pcl-xl',
      pages: 3,
      copies: 2,
      impressions: 6,
      sheets: 4,
      colorPages: 4,
      monoPages: 2,
      duplex: 'long-edge',
      paper: A4_NAME,
    });
    expect(job.processedAt).to.be.instanceOf(Date);
    expect(job.analysis).to.deep.include({
      mode: 'standard',
      partial: false,
      copiesFrom: 'document',
      paper: { [A4_NAME]: 4, [A3_NAME]: 2 },
      warnings: [],
    });
    expect(job.analysis?.pjl).to.include({ RENDERMODE: 'COLOR' });
    const events = await core.repository.eventsOf(view.id);
    expect(events.map((e) => [e.fromState, e.toState, e.actor])).to.deep.equal([
      [null, 'processing', 'intake'],
      ['processing', 'ready', 'router'],
    ]);
  });

  it("multiplies a PDF by the protocol's copies and splits its colour over every copy", async () => {
    const view = await core.intake.submit(
      incoming({ copies: 3, documentFormat: 'application/pdf' }),
      Readable.from([documents['pdf-mixed']]),
    );
    const job = await routed(view);
    expect(job).to.include({
      state: 'ready',
      pdl: 'pdf',
      pages: 4,
      copies: 3,
      impressions: 12,
      sheets: 12,
      colorPages: 3,
      monoPages: 9,
      duplex: 'simplex',
      paper: LETTER_NAME,
    });
    expect(job.analysis?.paper).to.deep.equal({ [LETTER_NAME]: 6, [A4_NAME]: 6 });
    expect(job.analysis).to.include({ copiesFrom: 'protocol', mode: 'enhanced' });
  });

  it('holds a job whose client asked for it once it is analysed, and stores its analysis', async () => {
    const view = await core.intake.submit(
      incoming({ holdRequested: true }),
      Readable.from([documents['pxl-mono']]),
    );
    const job = await routed(view);
    expect(job).to.include({ state: 'paused', pdl: 'pcl-xl', pages: 2, colorPages: 0, monoPages: 2 });
    expect(job.stateReason).to.contain('job-hold-until');
  });

  it('routes a document it cannot read as unknown, with no pages and a warning', async () => {
    const view = await core.intake.submit(
      incoming(),
      Readable.from([Buffer.from('\x00\x01not a print job')]),
    );
    const job = await routed(view);
    expect(job).to.include({ state: 'ready', pdl: 'unknown', pages: 0, impressions: 0, sheets: 0 });
    expect(job.analysis?.partial).to.equal(true);
    expect(job.analysis?.warnings[0]).to.contain('not recognised');
  });

  it('analyses and routes 24 jobs submitted together, each with its own counts', async () => {
    const kinds = ['pxl-duplex', 'pdf-mixed', 'pxl-mono'] as const;
    const pages = { 'pxl-duplex': 3, 'pdf-mixed': 4, 'pxl-mono': 2 };
    const views = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        core.intake.submit(incoming({ jobName: `burst-${i}` }), Readable.from([documents[kinds[i % 3]]])),
      ),
    );
    const jobs = await Promise.all(views.map(routed));
    jobs.forEach((job, i) =>
      expect(job, job.name).to.include({ state: 'ready', pages: pages[kinds[i % 3]] }),
    );
  });

  it('analyses and routes the jobs a crash left in processing before start-up recovery resolves', async () => {
    const spooled = await core.spool.write(newId(), Readable.from([documents['pxl-duplex']]), {
      receivedAt: new Date(),
      maxSizeMb: 10,
    });
    const stranded = await core.dataSource.transaction(async (tx) => {
      const job: JobEntity = {
        id: path.basename(spooled.relativePath, '.prn'),
        number: await core.repository.reserveNumbers(1, tx),
        name: 'stranded',
        owner: 'alice',
        ownerMethod: 'sender',
        queueId: (await core.queues.findByName('Default'))!.id,
        queueName: 'Default',
        state: 'processing',
        stateReason: null,
        protocol: 'lpd',
        clientAddress: '192.0.2.20',
        senderUser: 'alice',
        senderHost: null,
        holdRequested: false,
        submittedAt: new Date(),
        processedAt: null,
        completedAt: null,
        sizeBytes: spooled.sizeBytes,
        sha256: spooled.sha256,
        documentFormat: null,
        spoolPath: spooled.relativePath,
        copies: 1,
        attributes: '{}',
        pdl: null,
        pages: null,
        colorPages: null,
        monoPages: null,
        duplex: null,
        paper: null,
        impressions: null,
        sheets: null,
        analysis: null,
        favourite: false,
        printerId: null,
        printAttempts: 0,
        releasedBy: null,
        documentRemovedAt: null,
      };
      return core.stateMachine.create(job, { role: 'intake' }, tx);
    });

    // A restart: a fresh core on the same database and spool.
    const restarted = await openJobCore({
      url,
      spoolDir: path.join(base, 'spool'),
      analysis: { workers: 1, timeLimitSeconds: 20 },
    });
    try {
      const report = await restarted.intake.recoverAtStartup();
      expect(report.routedJobs).to.deep.equal([stranded.number]);
      expect(await restarted.intake.findJob(stranded.number)).to.include({
        state: 'ready',
        pdl: 'pcl-xl',
        pages: 3,
        copies: 2,
        sheets: 4,
        colorPages: 4,
      });
    } finally {
      await restarted.close();
      await restarted.dataSource.destroy();
    }
  });
});
