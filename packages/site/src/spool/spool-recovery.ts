/**
 * Start-up recovery of the spool: makes the files on disk and the job rows agree again after a crash.
 *
 * - `tmp/*.part` files are partial uploads whose client was never acknowledged: removed.
 * - A document with no job row was spooled but its row never committed, so its client was never acknowledged
 *   either: removed (an unacknowledged job must not survive).
 * - A job that still needs its document (not yet printed, failed or deleted) whose file is missing is marked
 *   failed with the reason, so it is never released with nothing to print.
 *
 * It must run before the intake listeners open: a submission in flight has a spooled file and no row yet, and
 * would look exactly like the leftovers this removes. The job side is reached through the {@link SpoolIndex}
 * port, so the spool does not depend on the jobs capability.
 */
import { type Logger } from '@quire/common';
import { jobIdOfDocument } from './spool-layout';
import { type SpoolStore } from './spool-store';

/** A job whose document must be on disk. */
export interface JobDocumentRef {
  id: string;
  number: number;
  spoolPath: string;
}

/** What spool recovery needs to know about, and do to, job rows. */
export interface SpoolIndex {
  /** The spool paths recorded for those of `jobIds` that have a job row. */
  documentPathsOf(jobIds: string[]): Promise<Map<string, string>>;
  /** Jobs whose document must still be on disk. */
  jobsNeedingDocuments(): Promise<JobDocumentRef[]>;
  /** Mark a job whose document is gone as failed, with `reason`. */
  failJobWithoutDocument(jobId: string, reason: string): Promise<void>;
}

/** What recovery found and did, for the start-up log and for tests. */
export interface SpoolRecoveryReport {
  removedTempFiles: string[];
  /** Documents without a job row, removed. */
  removedOrphanDocuments: string[];
  /** Files below `jobs/` the spool did not write (not `<uuid>.prn`), left alone. */
  foreignFiles: string[];
  /** Numbers of the jobs marked failed because their document was missing. */
  failedJobs: number[];
}

const LOOKUP_BATCH = 500;

/** The reason recorded on a job whose document vanished. */
export const MISSING_DOCUMENT_REASON = 'spool file missing at start-up';

async function removeOrphanDocuments(
  store: SpoolStore,
  index: SpoolIndex,
  report: SpoolRecoveryReport,
  logger: Logger,
): Promise<void> {
  let batch: Array<{ id: string; file: string }> = [];
  const flush = async () => {
    const known = await index.documentPathsOf(batch.map((entry) => entry.id));
    for (const { id, file } of batch) {
      if (known.get(id) === file) continue;
      await store.remove(file);
      report.removedOrphanDocuments.push(file);
      logger.warn('removed a spool file with no job row (its client was never acknowledged)', { file });
    }
    batch = [];
  };
  for await (const file of store.documentFiles()) {
    const id = jobIdOfDocument(file);
    if (id === null) {
      report.foreignFiles.push(file);
      logger.warn('left alone a file in the spool that Quire did not write', { file });
      continue;
    }
    batch.push({ id, file });
    if (batch.length >= LOOKUP_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
}

/** Reconcile the spool directory with the job rows; see the file comment. */
export async function recoverSpool(
  store: SpoolStore,
  index: SpoolIndex,
  logger: Logger,
): Promise<SpoolRecoveryReport> {
  const report: SpoolRecoveryReport = {
    removedTempFiles: [],
    removedOrphanDocuments: [],
    foreignFiles: [],
    failedJobs: [],
  };
  report.removedTempFiles = await store.removeTempFiles();
  for (const file of report.removedTempFiles)
    logger.warn('removed a partial upload from the spool', { file });
  await removeOrphanDocuments(store, index, report, logger);
  for (const job of await index.jobsNeedingDocuments()) {
    if (await store.exists(job.spoolPath)) continue;
    await index.failJobWithoutDocument(job.id, MISSING_DOCUMENT_REASON);
    report.failedJobs.push(job.number);
    logger.error('job failed: its spool file is missing', { job: job.number, file: job.spoolPath });
  }
  return report;
}
