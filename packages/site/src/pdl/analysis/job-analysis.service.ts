/**
 * Takes a job from `processing` to routed: its document is analysed on the worker pool, then the analysis is
 * stored on the job and the job routed (`JobsService.completeProcessing`, one transaction, group-committed).
 *
 * Intake acknowledges a job when its row commits in `processing`, before this runs, so a slow analysis never
 * delays a client. A job whose analysis is interrupted (the site stops, the database is unreachable) stays in
 * `processing` and is analysed again at the next start (`recoverStranded`, before any listener opens).
 */
import { describeError, ErrorCode, isQuireError, type Logger } from '@quire/common';
import { type JobEntity } from '../../jobs/job.entity';
import { type JobsService } from '../../jobs/jobs.service';
import { type AnalysisPool } from './analysis-pool';
import { analysisColumns } from './job-columns';

/** What the service needs of the analysis pool (the worker pool, or a test's wrapper around it). */
export type JobAnalysisPool = Pick<AnalysisPool, 'analyse' | 'close'>;

/** Dependencies of the job analysis service. */
export interface JobAnalysisServiceOptions {
  pool: JobAnalysisPool;
  jobs: JobsService;
  /** Where a job's spool path points on disk. */
  spool: { absolutePath(relativePath: string): string };
  logger: Logger;
  /** Waits before retrying to store an analysis the database refused; default 1 s then 5 s. */
  retryDelaysMs?: readonly number[];
}

const DEFAULT_RETRY_DELAYS_MS = [1000, 5000];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Analyses jobs in `processing` and routes them; see the file comment. */
export class JobAnalysisService {
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: JobAnalysisServiceOptions) {}

  /** Analyse and route a just-admitted job in the background (never throws; the outcome is logged). */
  schedule(job: JobEntity): void {
    if (this.closed) return;
    const done: Promise<unknown> = this.process(job).finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  /**
   * Analyse one job in `processing`, store the analysis and route it. Resolves with the routed job, or null when
   * it was not routed: cancelled meanwhile, the site stopping, or the database refusing (logged; the job stays
   * in `processing` for the next start). Never rejects.
   */
  async process(job: JobEntity): Promise<JobEntity | null> {
    let analysis;
    try {
      analysis = await this.options.pool.analyse({
        path: this.options.spool.absolutePath(job.spoolPath),
        protocolCopies: job.copies,
      });
    } catch (err) {
      this.options.logger.info('job analysis interrupted; the job is analysed again at the next start', {
        job: job.number,
        reason: describeError(err),
      });
      return null;
    }
    const routed = await this.store(job, analysisColumns(analysis));
    if (routed) {
      this.options.logger.info('job analysed', {
        job: job.number,
        state: routed.state,
        pdl: analysis.pdl,
        pages: analysis.pages,
        copies: analysis.copies,
        colorPages: analysis.colorPages,
        monoPages: analysis.monoPages,
        mode: analysis.mode,
        partial: analysis.partial,
        warnings: analysis.warnings,
      });
    }
    return routed;
  }

  /** Store and route, retrying a database failure a few times; null when it did not happen. */
  private async store(
    job: JobEntity,
    columns: ReturnType<typeof analysisColumns>,
  ): Promise<JobEntity | null> {
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.options.jobs.completeProcessing(job, columns);
      } catch (err) {
        if (isQuireError(err, ErrorCode.JobStateConflict)) {
          this.options.logger.info('job left processing before its analysis was stored', {
            job: job.number,
            reason: describeError(err),
          });
          return null;
        }
        if (attempt >= delays.length || this.closed) {
          this.options.logger.error('could not store a job analysis; the job stays in processing', {
            job: job.number,
            error: describeError(err),
          });
          return null;
        }
        await sleep(delays[attempt]);
      }
    }
  }

  /**
   * Start-up: analyse and route every job a crash left in `processing`. Resolves once each is routed (or
   * given up on, which is logged); the pool's time limit bounds each analysis.
   */
  async recoverStranded(): Promise<JobEntity[]> {
    const stranded = await this.options.jobs.jobsInProcessing();
    const routed = await Promise.all(stranded.map((job) => this.process(job)));
    for (const job of routed) {
      if (job) this.options.logger.warn('analysed and routed a job left in processing', { job: job.number });
    }
    return routed.filter((job): job is JobEntity => job !== null);
  }

  /** Resolves once every scheduled analysis is stored (or given up on). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Stop: no new analyses, the pool stops (jobs it had not finished stay in `processing` for the next start),
   * and stores already under way finish.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.options.pool.close();
    await this.drain();
  }
}
