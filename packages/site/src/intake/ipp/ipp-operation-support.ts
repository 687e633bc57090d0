/**
 * What every IPP operation handler shares: its dependencies, the target queue or job a request names, who is
 * asking, and how a response with job attributes is put together.
 */
import {
  ErrorCode,
  type IppAttribute,
  type IppAttributeGroup,
  type IppMessage,
  IppStatus,
  IppTag,
  IppValues,
  isQuireError,
  type Logger,
} from '@quire/common';
import { type JobIntake, type JobView, type QueueSummary, type Requester } from '../intake-port';
import { IppOperationError } from './ipp-errors';
import { type JobAttributeContext } from './ipp-job-attributes';
import { type PendingJobs } from './ipp-pending-jobs';
import { type PrinterFacts } from './ipp-printer-attributes';
import {
  createIppResponse,
  jobIdFromJobUri,
  okMessage,
  queueNameFromPrinterUri,
  type IppRequestContext,
} from './ipp-request';

/** What operation handlers work with. */
export interface IppOperationDeps {
  intake: JobIntake;
  logger: Logger;
  facts: PrinterFacts;
  pending: PendingJobs;
}

/** One operation: answers a checked request whose operation group is `operation`. */
export type IppOperationHandler = (
  deps: IppOperationDeps,
  context: IppRequestContext,
  operation: IppAttributeGroup,
) => Promise<IppMessage>;

/** The queue named by `printer-uri`; not-found when the URI names none. */
export function targetQueueName(operation: IppAttributeGroup): string {
  const uri = operation.getString('printer-uri');
  if (uri === undefined) throw new IppOperationError(IppStatus.ClientErrorBadRequest, 'Missing printer-uri.');
  const name = queueNameFromPrinterUri(uri);
  if (!name) {
    throw new IppOperationError(
      IppStatus.ClientErrorNotFound,
      `printer-uri "${uri}" names no queue (/printers/NAME).`,
    );
  }
  return name;
}

/**
 * The queue a printer operation is about, offline or not: the core refuses offline queues in `checkQueue`,
 * but Get-Printer-Attributes must still describe them (as not accepting jobs).
 */
export async function resolveQueue(intake: JobIntake, name: string): Promise<QueueSummary> {
  try {
    return await intake.checkQueue(name);
  } catch (err) {
    if (!isQuireError(err, ErrorCode.QueueOffline)) throw err;
    const wanted = name.toLowerCase();
    const queue = (await intake.listQueues()).find((q) => q.name.toLowerCase() === wanted);
    if (!queue) throw err;
    return queue;
  }
}

/** The job a job operation names: `job-id` (with printer-uri) or `job-uri`. */
export function targetJobId(operation: IppAttributeGroup): number {
  const jobId = operation.getInteger('job-id');
  if (jobId !== undefined) {
    if (operation.get('printer-uri') === undefined) {
      throw new IppOperationError(IppStatus.ClientErrorBadRequest, 'job-id needs printer-uri.');
    }
    return jobId;
  }
  const jobUri = operation.getString('job-uri');
  if (jobUri === undefined) {
    throw new IppOperationError(IppStatus.ClientErrorBadRequest, 'Missing job-id or job-uri.');
  }
  const id = jobIdFromJobUri(jobUri);
  if (id === undefined)
    throw new IppOperationError(IppStatus.ClientErrorNotFound, `job-uri "${jobUri}" names no job.`);
  return id;
}

/** Who asks: IPP has no admins here; owners act on their own jobs. */
export function requester(context: IppRequestContext): Requester {
  return { user: context.user ?? 'anonymous', isAdmin: false };
}

/** How job attributes spell URIs for this request. */
export function jobAttributeContext(context: IppRequestContext, jobId?: number): JobAttributeContext {
  return {
    jobUri: (id) => context.uris.job(id),
    printerUri: (queueName) => context.uris.printer(queueName),
    jobId,
    now: new Date(),
  };
}

/** A response whose status is ok, or ok-ignored-or-substituted when `unsupported` is not empty. */
export function successResponse(context: IppRequestContext, unsupported: IppAttribute[] = []): IppMessage {
  const status =
    unsupported.length > 0 ? IppStatus.SuccessfulOkIgnoredOrSubstitutedAttributes : IppStatus.SuccessfulOk;
  const response = createIppResponse(context.request, status, okMessage(status));
  if (unsupported.length > 0) addUnsupportedGroup(response, unsupported);
  return response;
}

/** Return `attributes` in the unsupported group with the values the client sent. */
export function addUnsupportedGroup(response: IppMessage, attributes: IppAttribute[]): void {
  const group = response.addGroup(IppTag.UnsupportedAttributes);
  for (const attribute of attributes) group.add(attribute.name, ...attribute.values);
}

/** The job group of a job-creating response: id, URI, state, reasons, message. */
export function addJobStatusGroup(
  response: IppMessage,
  jobId: number,
  jobUri: string,
  status: { state: number; reasons: string[]; message: string },
): void {
  response
    .addGroup(IppTag.JobAttributes)
    .add('job-id', IppValues.integer(jobId))
    .add('job-uri', IppValues.uri(jobUri))
    .add('job-state', IppValues.enum(status.state))
    .add('job-state-reasons', ...status.reasons.map(IppValues.keyword))
    .add('job-state-message', IppValues.text(status.message));
}

/** A job by the id a client uses (a Create-Job id resolves to the core's number); not-found when missing. */
export async function findJobOrFail(deps: IppOperationDeps, jobId: number): Promise<JobView> {
  const job = await deps.intake.findJob(deps.pending.resolve(jobId));
  if (!job) throw new IppOperationError(IppStatus.ClientErrorNotFound, `Job #${jobId} does not exist.`);
  return job;
}
