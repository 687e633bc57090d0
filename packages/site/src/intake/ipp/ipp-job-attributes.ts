/**
 * Job attributes as IPP clients see them, built from the job core's JobView.
 *
 * Design note: job states. A job spooled into a Quire queue has, from the submitting client's point of view,
 * been delivered: it now waits for a user to release it at a printer, maybe days later. So we report it as
 * `completed`; a CUPS client backend then finishes its local job instead of blocking its queue until the
 * release, and ipptool's "Get-Job-Attributes Until Job Complete" sees the end it waits for. The mapping:
 *
 *   Quire state   IPP job-state        job-state-reasons
 *   processing    processing (5)       job-transforming   (being spooled and analysed)
 *   ready         completed (9)        job-completed-successfully
 *   paused        pending-held (4)     job-hold-until-specified
 *   printing      processing (5)       job-printing
 *   printed       completed (9)        job-completed-successfully
 *   failed        aborted (8)          aborted-by-system
 *   deleted       canceled (7)         job-canceled-by-user
 *
 * Consequences: Cancel-Job on a ready job answers client-error-not-possible like any completed job (users
 * delete waiting jobs at the terminal or in the web UI); Hold-Job moves ready to paused and Release-Job moves
 * it back; `job-hold-until=indefinite` at submission asks the core to keep the job paused. Times are Unix
 * epoch seconds, as CUPS reports them, so they stay comparable across restarts.
 */
import { dateToIppDateTime, type IppAttribute, IppJobState, type IppValue, IppValues } from '@quire/common';
import { type JobState, type JobView } from '../intake-port';

/** The IPP view of a job state. */
export interface IppJobStatus {
  state: number;
  reasons: string[];
  message: string;
}

const statusByState: Record<JobState, { state: number; reason: string; message: string }> = {
  processing: {
    state: IppJobState.Processing,
    reason: 'job-transforming',
    message: 'Receiving and analysing.',
  },
  ready: {
    state: IppJobState.Completed,
    reason: 'job-completed-successfully',
    message: 'Spooled; waiting for release.',
  },
  paused: { state: IppJobState.PendingHeld, reason: 'job-hold-until-specified', message: 'Held.' },
  printing: { state: IppJobState.Processing, reason: 'job-printing', message: 'Printing.' },
  printed: { state: IppJobState.Completed, reason: 'job-completed-successfully', message: 'Printed.' },
  failed: { state: IppJobState.Aborted, reason: 'aborted-by-system', message: 'Failed.' },
  deleted: { state: IppJobState.Canceled, reason: 'job-canceled-by-user', message: 'Deleted.' },
};

/** The IPP job-state, reasons and message of a job. */
export function ippJobStatus(job: Pick<JobView, 'state' | 'stateReason'>): IppJobStatus {
  const status = statusByState[job.state];
  const message = job.stateReason ? `${status.message} ${job.stateReason}` : status.message;
  return { state: status.state, reasons: [status.reason], message };
}

/** True for IPP job states 7-9 (canceled, aborted, completed): what `which-jobs=completed` selects. */
export function isIppCompleted(state: number): boolean {
  return state >= IppJobState.Canceled;
}

/** The core states a `which-jobs` value selects, derived from the mapping above so the two never disagree. */
export function coreStatesFor(which: 'completed' | 'not-completed'): JobState[] {
  return (Object.keys(statusByState) as JobState[]).filter(
    (state) => isIppCompleted(statusByState[state].state) === (which === 'completed'),
  );
}

/** How to spell the URIs and the id of a job in one response. */
export interface JobAttributeContext {
  jobUri(jobId: number): string;
  printerUri(queueName: string): string;
  /** The job-id the client knows this job by (a Create-Job id differs from the core's number). */
  jobId?: number;
  now: Date;
}

/** Which attributes `requested-attributes` selects; `all` and the group names expand to everything. */
export type AttributeFilter = (name: string) => boolean;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
const timeOrNoValue = (date: Date | null): IppValue =>
  date ? IppValues.integer(epochSeconds(date)) : IppValues.noValue();
const dateOrNoValue = (date: Date | null): IppValue =>
  date ? IppValues.dateTime(dateToIppDateTime(date)) : IppValues.noValue();

/**
 * Media sheets include copies; impressions do not (RFC 8011 section 5.3.18). The analysis counts sheets with
 * per-page duplex and paper changes; without that count, pages and duplex give it.
 */
function sheets(job: JobView): number | null {
  if (job.sheets !== null) return job.sheets;
  if (job.pages === null) return null;
  const duplex = job.duplex !== null && job.duplex !== 'simplex';
  return Math.ceil(job.pages / (duplex ? 2 : 1)) * Math.max(1, job.copies);
}

/** Every job attribute we report, in a stable order, filtered by `wanted`. */
export function jobAttributes(
  job: JobView,
  context: JobAttributeContext,
  wanted: AttributeFilter,
): IppAttribute[] {
  const id = context.jobId ?? job.number;
  const status = ippJobStatus(job);
  const candidates: Array<[string, () => IppValue[]]> = [
    ['job-id', () => [IppValues.integer(id)]],
    ['job-uri', () => [IppValues.uri(context.jobUri(id))]],
    ['job-printer-uri', () => [IppValues.uri(context.printerUri(job.queueName))]],
    ['job-name', () => [IppValues.name(job.name || 'untitled')]],
    ['job-originating-user-name', () => [IppValues.name(job.owner)]],
    ['job-state', () => [IppValues.enum(status.state)]],
    ['job-state-reasons', () => status.reasons.map(IppValues.keyword)],
    ['job-state-message', () => [IppValues.text(status.message)]],
    ['number-of-documents', () => [IppValues.integer(1)]],
    ['time-at-creation', () => [IppValues.integer(epochSeconds(job.submittedAt))]],
    ['time-at-processing', () => [timeOrNoValue(job.processedAt)]],
    ['time-at-completed', () => [timeOrNoValue(job.completedAt)]],
    ['job-printer-up-time', () => [IppValues.integer(epochSeconds(context.now))]],
    ['date-time-at-creation', () => [dateOrNoValue(job.submittedAt)]],
    ['date-time-at-processing', () => [dateOrNoValue(job.processedAt)]],
    ['date-time-at-completed', () => [dateOrNoValue(job.completedAt)]],
    ['job-k-octets', () => [IppValues.integer(Math.ceil(job.sizeBytes / 1024))]],
    ['copies', () => [IppValues.integer(Math.max(1, job.copies))]],
    ['job-hold-until', () => [IppValues.keyword(job.state === 'paused' ? 'indefinite' : 'no-hold')]],
  ];
  const format = job.documentFormat;
  if (format) candidates.push(['document-format', () => [IppValues.mimeMediaType(format)]]);
  const pages = job.pages;
  const mediaSheets = sheets(job);
  if (pages !== null && mediaSheets !== null) {
    candidates.push(['job-impressions', () => [IppValues.integer(pages)]]);
    candidates.push(['job-media-sheets', () => [IppValues.integer(mediaSheets)]]);
  }
  return candidates.filter(([name]) => wanted(name)).map(([name, values]) => ({ name, values: values() }));
}

/** Job attributes that belong to the job template group, for `requested-attributes=job-template`. */
export const jobTemplateAttributeNames: ReadonlySet<string> = new Set(['copies', 'job-hold-until']);

/**
 * The filter for `requested-attributes` on job operations: `all`, `job-description` and `job-template` are
 * groups; any other keyword names one attribute. Without the attribute, `defaults` applies.
 */
export function jobAttributeFilter(
  requested: string[] | undefined,
  defaults: readonly string[],
): AttributeFilter {
  const names = new Set(requested && requested.length > 0 ? requested : defaults);
  if (names.has('all')) return () => true;
  const description = names.has('job-description');
  const template = names.has('job-template');
  return (name) =>
    names.has(name) ||
    (template && jobTemplateAttributeNames.has(name)) ||
    (description && !jobTemplateAttributeNames.has(name));
}
