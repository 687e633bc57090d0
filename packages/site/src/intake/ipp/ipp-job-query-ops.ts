/**
 * The operations on existing jobs: Get-Job-Attributes, Get-Jobs, Cancel-Job, Cancel-My-Jobs, Hold-Job and
 * Release-Job. Job states are reported through the mapping in ipp-job-attributes.ts; ownership and state
 * rules belong to the job core, whose errors map to IPP statuses in ipp-errors.ts.
 */
import {
  type IppAttribute,
  type IppAttributeGroup,
  IppJobState,
  type IppMessage,
  IppOperation,
  IppStatus,
  IppTag,
  IppValues,
} from '@quire/common';
import { type JobListFilter } from '../intake-port';
import { IppOperationError } from './ipp-errors';
import {
  type AttributeFilter,
  coreStatesFor,
  ippJobStatus,
  isIppCompleted,
  jobAttributeFilter,
  jobAttributes,
} from './ipp-job-attributes';
import {
  findJobOrFail,
  type IppOperationDeps,
  type IppOperationHandler,
  jobAttributeContext,
  requester,
  resolveQueue,
  successResponse,
  targetJobId,
  targetQueueName,
} from './ipp-operation-support';
import { type PendingJob } from './ipp-pending-jobs';
import { isServerRootUri, type IppRequestContext } from './ipp-request';

type WhichJobs = 'completed' | 'not-completed' | 'all';
const MAX_LISTED_JOBS = 1000;

function pendingJobAttributes(
  context: IppRequestContext,
  pending: PendingJob,
  wanted: AttributeFilter,
): IppAttribute[] {
  const all: IppAttribute[] = [
    { name: 'job-id', values: [IppValues.integer(pending.id)] },
    { name: 'job-uri', values: [IppValues.uri(context.uris.job(pending.id))] },
    { name: 'job-printer-uri', values: [IppValues.uri(context.uris.printer(pending.job.queueName))] },
    { name: 'job-name', values: [IppValues.name(pending.job.jobName || 'untitled')] },
    { name: 'job-originating-user-name', values: [IppValues.name(pending.job.senderUser ?? 'anonymous')] },
    { name: 'job-state', values: [IppValues.enum(IppJobState.Pending)] },
    { name: 'job-state-reasons', values: [IppValues.keyword('job-incoming')] },
    { name: 'job-state-message', values: [IppValues.text('Waiting for the document.')] },
    { name: 'time-at-creation', values: [IppValues.integer(Math.floor(pending.createdAt.getTime() / 1000))] },
    { name: 'time-at-processing', values: [IppValues.noValue()] },
    { name: 'time-at-completed', values: [IppValues.noValue()] },
    { name: 'job-printer-up-time', values: [IppValues.integer(Math.floor(Date.now() / 1000))] },
    { name: 'copies', values: [IppValues.integer(pending.job.copies)] },
  ];
  return all.filter((attribute) => wanted(attribute.name));
}

function addJobGroup(response: IppMessage, attributes: IppAttribute[]): void {
  const group = response.addGroup(IppTag.JobAttributes);
  for (const attribute of attributes) group.add(attribute.name, ...attribute.values);
}

const getJobAttributes: IppOperationHandler = async (deps, context, operation) => {
  const jobId = targetJobId(operation);
  const wanted = jobAttributeFilter(operation.getStrings('requested-attributes'), ['all']);
  const response = successResponse(context);
  const pending = deps.pending.get(jobId);
  if (pending) {
    addJobGroup(response, pendingJobAttributes(context, pending, wanted));
    return response;
  }
  const job = await findJobOrFail(deps, jobId);
  addJobGroup(response, jobAttributes(job, jobAttributeContext(context, jobId), wanted));
  return response;
};

function whichJobs(operation: IppAttributeGroup): WhichJobs {
  const attribute = operation.get('which-jobs');
  const which = operation.getString('which-jobs') ?? 'not-completed';
  if (which === 'completed' || which === 'not-completed' || which === 'all') return which;
  throw new IppOperationError(
    IppStatus.ClientErrorAttributesOrValuesNotSupported,
    `which-jobs "${which}" is not supported (completed, not-completed, all).`,
    attribute ? [attribute] : [],
  );
}

/** Jobs in IPP's sense of `which` (a ready job is IPP-completed although the core counts it as active). */
function listIppJobs(deps: IppOperationDeps, filter: JobListFilter, which: WhichJobs, count: number) {
  const states = which === 'all' ? undefined : coreStatesFor(which);
  return deps.intake.listJobs({ ...filter, which: 'all', states, limit: count });
}

/** The queue Get-Jobs lists, or undefined for every queue when printer-uri is the server root (`lpstat -o`). */
async function jobListQueue(
  deps: IppOperationDeps,
  operation: IppAttributeGroup,
): Promise<string | undefined> {
  if (isServerRootUri(operation.getString('printer-uri') ?? '')) return undefined;
  return (await resolveQueue(deps.intake, targetQueueName(operation))).name;
}

const getJobs: IppOperationHandler = async (deps, context, operation) => {
  const queueName = await jobListQueue(deps, operation);
  const which = whichJobs(operation);
  const myJobs = operation.getBoolean('my-jobs') === true;
  if (myJobs && !context.user) return successResponse(context);
  const owner = myJobs ? (context.user ?? undefined) : undefined;
  const limit = Math.min(operation.getInteger('limit') ?? MAX_LISTED_JOBS, MAX_LISTED_JOBS);
  const skip = (operation.getInteger('first-index') ?? 1) - 1;
  const wanted = jobAttributeFilter(operation.getStrings('requested-attributes'), ['job-id', 'job-uri']);
  const pending = which === 'completed' ? [] : deps.pending.list(queueName, owner);
  const jobs = await listIppJobs(deps, { queueName, owner }, which, skip + limit);
  const response = successResponse(context);
  const jobContext = jobAttributeContext(context);
  const groups = [
    ...pending.map((p) => pendingJobAttributes(context, p, wanted)),
    ...jobs.map((job) => jobAttributes(job, jobContext, wanted)),
  ];
  for (const attributes of groups.slice(skip, skip + limit)) addJobGroup(response, attributes);
  return response;
};

const cancelJob: IppOperationHandler = async (deps, context, operation) => {
  const jobId = targetJobId(operation);
  const pending = deps.pending.get(jobId);
  if (pending) {
    if (pending.job.senderUser !== null && pending.job.senderUser !== context.user) {
      throw new IppOperationError(
        IppStatus.ClientErrorNotAuthorized,
        `Job #${jobId} belongs to another user.`,
      );
    }
    deps.pending.remove(jobId);
    return successResponse(context);
  }
  const job = await findJobOrFail(deps, jobId);
  const status = ippJobStatus(job);
  if (isIppCompleted(status.state)) {
    throw new IppOperationError(
      IppStatus.ClientErrorNotPossible,
      `Job #${jobId} is already ${status.state === IppJobState.Completed ? 'completed' : 'finished'}: ${status.message}`,
    );
  }
  await deps.intake.cancelJob(job.number, requester(context));
  return successResponse(context);
};

const cancelMyJobs: IppOperationHandler = async (deps, context, operation) => {
  if (!context.user)
    throw new IppOperationError(IppStatus.ClientErrorNotAuthorized, 'Cancel-My-Jobs needs a user.');
  const queue = await resolveQueue(deps.intake, targetQueueName(operation));
  // Without job-ids every job of the user goes; with it, only those listed.
  const ids = operation.get('job-ids')?.values.map((v) => (v.kind === 'integer' ? v.value : 0));
  for (const pending of deps.pending.list(queue.name, context.user)) {
    if (!ids || ids.includes(pending.id)) deps.pending.remove(pending.id);
  }
  const jobs = await listIppJobs(
    deps,
    { queueName: queue.name, owner: context.user },
    'not-completed',
    MAX_LISTED_JOBS,
  );
  for (const job of jobs) {
    if (ids && !ids.includes(job.number)) continue;
    await deps.intake.cancelJob(job.number, requester(context)).catch((err: unknown) => {
      deps.logger.warn('Cancel-My-Jobs could not cancel a job', { jobId: job.number, error: String(err) });
    });
  }
  return successResponse(context);
};

const holdJob: IppOperationHandler = async (deps, context, operation) => {
  const job = await findJobOrFail(deps, targetJobId(operation));
  await deps.intake.holdJob(job.number, requester(context));
  return successResponse(context);
};

const releaseJob: IppOperationHandler = async (deps, context, operation) => {
  const job = await findJobOrFail(deps, targetJobId(operation));
  await deps.intake.releaseHeldJob(job.number, requester(context));
  return successResponse(context);
};

/** The job query and control handlers by operation id. */
export const jobQueryHandlers: ReadonlyArray<[number, IppOperationHandler]> = [
  [IppOperation.GetJobAttributes, getJobAttributes],
  [IppOperation.GetJobs, getJobs],
  [IppOperation.CancelJob, cancelJob],
  [IppOperation.CancelMyJobs, cancelMyJobs],
  [IppOperation.HoldJob, holdJob],
  [IppOperation.ReleaseJob, releaseJob],
];
