/**
 * The outward shapes of a job: the `JobView` front-ends get through the intake contract, and the JSON object
 * of the jobs REST API (exactly the fields the API documents).
 */
import { type JobView } from '../intake/intake-port';
import { type JobAnalysisDetails } from '../pdl/analysis/job-analysis';
import { type JobEntity } from './job.entity';

/** The analysis JSON of a job row, or null before analysis (or for a value that is not ours). */
function analysisDetails(json: string | null): JobAnalysisDetails | null {
  if (!json) return null;
  try {
    const details = JSON.parse(json) as unknown;
    return details !== null && typeof details === 'object' ? (details as JobAnalysisDetails) : null;
  } catch {
    return null;
  }
}

/** A job row as the intake contract's JobView. */
export function toJobView(job: JobEntity): JobView {
  return {
    id: job.id,
    number: job.number,
    name: job.name,
    owner: job.owner,
    queueName: job.queueName,
    state: job.state,
    stateReason: job.stateReason,
    protocol: job.protocol,
    clientAddress: job.clientAddress,
    submittedAt: job.submittedAt,
    processedAt: job.processedAt,
    completedAt: job.completedAt,
    sizeBytes: job.sizeBytes,
    sha256: job.sha256,
    documentFormat: job.documentFormat,
    pdl: job.pdl,
    pages: job.pages,
    colorPages: job.colorPages,
    monoPages: job.monoPages,
    copies: job.copies,
    duplex: job.duplex,
    paper: job.paper,
    impressions: job.impressions,
    sheets: job.sheets,
    analysis: analysisDetails(job.analysis),
    favourite: job.favourite,
    printerId: job.printerId,
    printAttempts: job.printAttempts,
    documentKept: job.documentRemovedAt === null,
  };
}

/** The JSON of one job in `/api/v1/jobs`. */
export function jobJson(job: JobView) {
  return {
    id: job.id,
    name: job.name,
    owner: job.owner,
    queue: job.queueName,
    state: job.state,
    stateReason: job.stateReason,
    submittedAt: job.submittedAt.toISOString(),
    sizeBytes: job.sizeBytes,
    sha256: job.sha256,
    protocol: job.protocol,
    clientAddress: job.clientAddress,
    pdl: job.pdl,
    pages: job.pages,
    colorPages: job.colorPages,
    monoPages: job.monoPages,
    copies: job.copies,
    duplex: job.duplex,
    paper: job.paper,
    impressions: job.impressions,
    sheets: job.sheets,
    analysis: job.analysis,
    favourite: job.favourite ?? false,
    printerId: job.printerId ?? null,
    printAttempts: job.printAttempts ?? 0,
    documentKept: job.documentKept ?? true,
  };
}
