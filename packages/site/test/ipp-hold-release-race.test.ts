/**
 * IPP Hold-Job and Release-Job on a job whose PDL analysis has not been stored yet, over real HTTP against the
 * real job core (intake, jobs service, state machine, spool, SQLite or MariaDB) with the real analysis pool.
 *
 * Why: a job is acknowledged in `processing` and routed once analysed. ipptool's ipp-1.1 suite sends
 * "Print-Job with job-hold-until" and then at once "Release-Job": when the release arrived before the routing
 * commit it was refused, and the job stayed held for ever (the next suite run then waited on it until it gave
 * up). The analysis pool is wrapped here so that its answer waits for the test: each request is handled while
 * the job is certainly still in `processing`, and routing then starts from the row as read at admission, the
 * stale copy the fix has to see through.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  createSilentLogger,
  type IppMessage,
  IppJobState,
  IppOperation,
  IppStatus,
  IppTag,
  IppValues,
} from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { IppListener } from '../src/intake/ipp';
import { JobIntakeService } from '../src/intake/job-intake.service';
import {
  AnalysisPool,
  type AnalysisRequest,
  type JobAnalysis,
  type JobAnalysisPool,
  JobAnalysisService,
} from '../src/pdl/analysis';
import { openJobCore, type JobCore } from './fixtures/job-core';
import { ippRequest, minimalPdf, sendIpp, statusMessageOf } from './ipp-harness';

/** The real pool, whose answers are held back until the test opens the gate. */
class GatedAnalysisPool implements JobAnalysisPool {
  private release: () => void = () => undefined;
  private gate: Promise<void> = Promise.resolve();

  constructor(private readonly inner: AnalysisPool) {
    this.shut();
  }

  /** Hold back the answers of analyses that finish from now on. */
  shut(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  /** Let every held-back answer through. */
  open(): void {
    this.release();
  }

  async analyse(request: AnalysisRequest): Promise<JobAnalysis> {
    const analysis = await this.inner.analyse(request);
    await this.gate;
    return analysis;
  }

  async close(): Promise<void> {
    this.open();
    await this.inner.close();
  }
}

forEachDriver('IPP Hold-Job and Release-Job while a job is analysed', (_driver, getUrl) => {
  let base: string;
  let core: JobCore;
  let pool: GatedAnalysisPool;
  let analysis: JobAnalysisService;
  let listener: IppListener;
  let port: number;

  before(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'quire-ipp-hold-race-'));
    core = await openJobCore({ url: await getUrl(), spoolDir: path.join(base, 'spool') });
    await core.queues.create({ name: 'Default', type: 'pull' });
    await core.intake.recoverAtStartup();
    const logger = createSilentLogger();
    pool = new GatedAnalysisPool(new AnalysisPool({ workers: 1, timeLimitMs: 30_000, mode: 'standard' }));
    analysis = new JobAnalysisService({ pool, jobs: core.jobs, spool: core.spool, logger });
    const intake = new JobIntakeService({
      queues: core.queues,
      jobs: core.jobs,
      analysis,
      spool: core.spool,
      maxJobSizeMb: 10,
      logger,
    });
    listener = new IppListener({ intake, logger, host: '127.0.0.1', port: 0 });
    port = await listener.start();
  });

  after(async () => {
    await listener?.stop();
    await analysis?.close();
    await core?.close();
    await core?.dataSource.destroy();
    rmSync(base, { recursive: true, force: true });
  });

  beforeEach(() => pool.shut());
  afterEach(async () => {
    pool.open();
    await analysis.drain();
  });

  const printerUri = () => `ipp://127.0.0.1:${port}/printers/Default`;

  const printJob = async (holdUntil?: string): Promise<number> => {
    const message = ippRequest(IppOperation.PrintJob, printerUri(), 'alice');
    message.operation!.add('document-format', IppValues.mimeMediaType('application/pdf'));
    if (holdUntil) message.addGroup(IppTag.JobAttributes).add('job-hold-until', IppValues.keyword(holdUntil));
    const answer = await sendIpp(port, message, minimalPdf());
    expect(answer.code, statusMessageOf(answer)).to.equal(IppStatus.SuccessfulOk);
    expect(answer.find('job-state')?.values[0].value).to.equal(IppJobState.Processing);
    return answer.find('job-id')!.values[0].value as number;
  };

  const jobOperation = (operation: number, jobId: number): Promise<IppMessage> => {
    const message = ippRequest(operation, printerUri(), 'alice');
    message.operation!.add('job-id', IppValues.integer(jobId));
    return sendIpp(port, message);
  };

  const ippState = async (jobId: number): Promise<unknown> =>
    (await jobOperation(IppOperation.GetJobAttributes, jobId)).find('job-state')?.values[0].value;

  const expectStatus = async (pending: Promise<IppMessage>, status: number): Promise<void> => {
    const answer = await pending;
    expect(answer.code, statusMessageOf(answer)).to.equal(status);
  };

  /** Let the held-back analyses through and wait until they are stored. */
  const finishAnalysis = async (): Promise<void> => {
    pool.open();
    await analysis.drain();
  };

  /** The job's state moves, as its event rows record them. */
  const history = async (jobId: number): Promise<string[]> => {
    const job = await core.jobs.get({ number: jobId });
    const events = await core.repository.eventsOf(job.id);
    return events.map((event) => `${event.fromState ?? 'new'}>${event.toState}`);
  };

  it('Release-Job of a job held at submission, before its analysis is stored, routes it to ready', async () => {
    const jobId = await printJob('indefinite');
    await expectStatus(jobOperation(IppOperation.ReleaseJob, jobId), IppStatus.SuccessfulOk);
    expect(await ippState(jobId)).to.equal(IppJobState.Processing);

    await finishAnalysis();
    expect(await ippState(jobId)).to.equal(IppJobState.Completed);
    expect(await history(jobId)).to.deep.equal(['new>processing', 'processing>ready']);
  });

  it('Hold-Job before the analysis is stored routes the job to paused, and Release-Job then frees it', async () => {
    const jobId = await printJob();
    await expectStatus(jobOperation(IppOperation.HoldJob, jobId), IppStatus.SuccessfulOk);

    await finishAnalysis();
    expect(await ippState(jobId)).to.equal(IppJobState.PendingHeld);
    await expectStatus(jobOperation(IppOperation.ReleaseJob, jobId), IppStatus.SuccessfulOk);
    expect(await ippState(jobId)).to.equal(IppJobState.Completed);
    expect(await history(jobId)).to.deep.equal(['new>processing', 'processing>paused', 'paused>ready']);
  });

  it('refuses a Release-Job of an unheld job and a second Hold-Job, and keeps the last request', async () => {
    const jobId = await printJob();
    await expectStatus(jobOperation(IppOperation.ReleaseJob, jobId), IppStatus.ClientErrorNotPossible);
    await expectStatus(jobOperation(IppOperation.HoldJob, jobId), IppStatus.SuccessfulOk);
    await expectStatus(jobOperation(IppOperation.HoldJob, jobId), IppStatus.ClientErrorNotPossible);
    await expectStatus(jobOperation(IppOperation.ReleaseJob, jobId), IppStatus.SuccessfulOk);
    await expectStatus(jobOperation(IppOperation.HoldJob, jobId), IppStatus.SuccessfulOk);

    await finishAnalysis();
    expect(await ippState(jobId)).to.equal(IppJobState.PendingHeld);
  });

  it('routes a job held at submission to paused when nobody releases it', async () => {
    const jobId = await printJob('indefinite');
    await finishAnalysis();
    expect(await ippState(jobId)).to.equal(IppJobState.PendingHeld);
    expect(await history(jobId)).to.deep.equal(['new>processing', 'processing>paused']);
  });

  it('cancels a job whose analysis is not stored yet, and its routing then gives way', async () => {
    const jobId = await printJob('indefinite');
    await expectStatus(jobOperation(IppOperation.CancelJob, jobId), IppStatus.SuccessfulOk);
    await finishAnalysis();
    expect(await ippState(jobId)).to.equal(IppJobState.Canceled);
    expect(await history(jobId)).to.deep.equal(['new>processing', 'processing>deleted']);
  });
});
