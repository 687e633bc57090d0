/**
 * The job-submitting operations: Print-Job, Validate-Job, Create-Job, Send-Document and Close-Job.
 *
 * Everything that can refuse a job (queue, format, compression, template) is checked before the first
 * document byte is read, and the document then streams straight into `JobIntake.submit`, which acknowledges
 * only once the job is durable; only then does the client hear "accepted".
 */
import { type IppAttributeGroup, IppJobState, IppOperation, IppStatus } from '@quire/common';
import { type IncomingJob } from '../intake-port';
import { IppOperationError } from './ipp-errors';
import { ippJobStatus } from './ipp-job-attributes';
import { checkCompression, readDocumentFormat, readJobTicket, type JobTicket } from './ipp-job-ticket';
import {
  addJobStatusGroup,
  type IppOperationDeps,
  type IppOperationHandler,
  successResponse,
  targetJobId,
  targetQueueName,
} from './ipp-operation-support';
import { type IppRequestContext } from './ipp-request';

function incomingJob(
  context: IppRequestContext,
  queueName: string,
  operation: IppAttributeGroup,
  ticket: JobTicket,
  documentFormat: string | null,
): IncomingJob {
  const documentName = operation.getString('document-name');
  return {
    queueName,
    protocol: context.secure ? 'ipps' : 'ipp',
    clientAddress: context.clientAddress,
    senderUser: context.user,
    jobName: operation.getString('job-name') || documentName || null,
    copies: ticket.copies,
    documentFormat,
    holdRequested: ticket.holdRequested,
    attributes: documentName ? { ...ticket.attributes, 'document-name': documentName } : ticket.attributes,
  };
}

/** Queue, compression, format and template: what Print-Job, Validate-Job and Create-Job check first. */
async function checkSubmission(
  deps: IppOperationDeps,
  context: IppRequestContext,
  operation: IppAttributeGroup,
) {
  const queue = await deps.intake.checkQueue(targetQueueName(operation));
  checkCompression(operation);
  const format = readDocumentFormat(operation);
  const ticket = readJobTicket(context.request);
  return { queue, format, ticket };
}

const printJob: IppOperationHandler = async (deps, context, operation) => {
  const { queue, format, ticket } = await checkSubmission(deps, context, operation);
  const job = await deps.intake.submit(
    incomingJob(context, queue.name, operation, ticket, format),
    context.document,
  );
  deps.logger.info('IPP job received', {
    jobId: job.number,
    queue: job.queueName,
    owner: job.owner,
    bytes: job.sizeBytes,
  });
  const response = successResponse(context, ticket.unsupported);
  addJobStatusGroup(response, job.number, context.uris.job(job.number), ippJobStatus(job));
  return response;
};

const validateJob: IppOperationHandler = async (deps, context, operation) => {
  const { ticket } = await checkSubmission(deps, context, operation);
  return successResponse(context, ticket.unsupported);
};

const createJob: IppOperationHandler = async (deps, context, operation) => {
  const { queue, format, ticket } = await checkSubmission(deps, context, operation);
  const pending = deps.pending.create(incomingJob(context, queue.name, operation, ticket, format));
  if (!pending) {
    throw new IppOperationError(
      IppStatus.ServerErrorBusy,
      'Too many jobs are waiting for documents; try again later.',
    );
  }
  const response = successResponse(context, ticket.unsupported);
  addJobStatusGroup(response, pending.id, context.uris.job(pending.id), {
    state: IppJobState.Pending,
    reasons: ['job-incoming'],
    message: 'Waiting for the document (Send-Document).',
  });
  return response;
};

function pendingJobFor(deps: IppOperationDeps, context: IppRequestContext, jobId: number) {
  const pending = deps.pending.get(jobId);
  if (!pending) {
    if (deps.pending.isAliased(jobId)) {
      throw new IppOperationError(
        IppStatus.ClientErrorNotPossible,
        `Job #${jobId} already has its document.`,
      );
    }
    throw new IppOperationError(
      IppStatus.ClientErrorNotFound,
      `Job #${jobId} is not waiting for a document.`,
    );
  }
  if (pending.job.senderUser !== null && pending.job.senderUser !== context.user) {
    throw new IppOperationError(IppStatus.ClientErrorNotAuthorized, `Job #${jobId} belongs to another user.`);
  }
  return pending;
}

const sendDocument: IppOperationHandler = async (deps, context, operation) => {
  const jobId = targetJobId(operation);
  const lastDocument = operation.getBoolean('last-document');
  if (lastDocument === undefined) {
    throw new IppOperationError(IppStatus.ClientErrorBadRequest, 'Send-Document needs last-document.');
  }
  const pending = pendingJobFor(deps, context, jobId);
  if (!lastDocument) {
    throw new IppOperationError(
      IppStatus.ServerErrorMultipleDocumentJobsNotSupported,
      'A job holds one document: send it with last-document=true.',
    );
  }
  if (pending.receiving) {
    throw new IppOperationError(
      IppStatus.ClientErrorNotPossible,
      `Job #${jobId} is already receiving its document.`,
    );
  }
  checkCompression(operation);
  const format = readDocumentFormat(operation) ?? pending.job.documentFormat;
  const documentName = operation.getString('document-name');
  const job: IncomingJob = {
    ...pending.job,
    documentFormat: format,
    jobName: pending.job.jobName ?? documentName ?? null,
  };
  pending.receiving = true;
  try {
    const view = await deps.intake.submit(job, context.document);
    deps.pending.alias(jobId, view.number);
    deps.logger.info('IPP job received', {
      jobId: view.number,
      createJobId: jobId,
      queue: view.queueName,
      owner: view.owner,
    });
    const response = successResponse(context);
    addJobStatusGroup(response, jobId, context.uris.job(jobId), ippJobStatus(view));
    return response;
  } finally {
    deps.pending.remove(jobId);
  }
};

const closeJob: IppOperationHandler = async (deps, context, operation) => {
  const jobId = targetJobId(operation);
  if (deps.pending.isAliased(jobId)) return successResponse(context);
  const pending = pendingJobFor(deps, context, jobId);
  if (pending.receiving) {
    throw new IppOperationError(
      IppStatus.ClientErrorNotPossible,
      `Job #${jobId} is still receiving its document.`,
    );
  }
  deps.pending.remove(jobId);
  deps.logger.info('Create-Job job closed without a document; dropped', { jobId });
  return successResponse(context);
};

/** The submission handlers by operation id. */
export const jobSubmissionHandlers: ReadonlyArray<[number, IppOperationHandler]> = [
  [IppOperation.PrintJob, printJob],
  [IppOperation.ValidateJob, validateJob],
  [IppOperation.CreateJob, createJob],
  [IppOperation.SendDocument, sendDocument],
  [IppOperation.CloseJob, closeJob],
];
