/**
 * IPP request checks and dispatch: the RFC 8011 section 4.1 hygiene every request passes (version, request-id,
 * charset then natural-language first, well-typed operation attributes, a target URI), then the operation's
 * handler; every failure becomes an IPP response with a status-message, never a dropped request.
 */
import {
  checkIppAttribute,
  type IppAttributeGroup,
  ippAttributeRegistry,
  type IppMessage,
  IppOperation,
  ippOperationName,
  ippStatusName,
  IppStatus,
  IppTag,
} from '@quire/common';
import { ippErrorFor, IppOperationError } from './ipp-errors';
import { coreStatesFor } from './ipp-job-attributes';
import { jobSubmissionHandlers } from './ipp-job-ops';
import { jobQueryHandlers } from './ipp-job-query-ops';
import {
  addUnsupportedGroup,
  type IppOperationDeps,
  type IppOperationHandler,
  resolveQueue,
  successResponse,
  targetQueueName,
} from './ipp-operation-support';
import { printerAttributeFilter, printerAttributes } from './ipp-printer-attributes';
import { createIppResponse, type IppRequestContext } from './ipp-request';

const SUPPORTED_CHARSETS = ['utf-8', 'us-ascii'];

const getPrinterAttributes: IppOperationHandler = async (deps, context, operation) => {
  const queue = await resolveQueue(deps.intake, targetQueueName(operation));
  const wanted = printerAttributeFilter(operation.getStrings('requested-attributes'));
  const queuedJobCount = () =>
    deps.intake.countJobs({ queueName: queue.name, states: coreStatesFor('not-completed') });
  const attributes = await printerAttributes(
    { queue, uris: context.uris, facts: deps.facts, now: new Date(), queuedJobCount },
    wanted,
  );
  const response = successResponse(context);
  const group = response.addGroup(IppTag.PrinterAttributes);
  for (const attribute of attributes) group.add(attribute.name, ...attribute.values);
  return response;
};

const identifyPrinter: IppOperationHandler = async (deps, context, operation) => {
  const queue = await resolveQueue(deps.intake, targetQueueName(operation));
  deps.logger.info('Identify-Printer', {
    queue: queue.name,
    actions: operation.getStrings('identify-actions'),
    message: operation.getString('message'),
    user: context.user,
  });
  return successResponse(context);
};

const handlers = new Map<number, IppOperationHandler>([
  ...jobSubmissionHandlers,
  ...jobQueryHandlers,
  [IppOperation.GetPrinterAttributes, getPrinterAttributes],
  [IppOperation.IdentifyPrinter, identifyPrinter],
]);

/** The operation ids this server dispatches. */
export const dispatchedOperations: readonly number[] = [...handlers.keys()];

function badRequest(message: string): IppOperationError {
  return new IppOperationError(IppStatus.ClientErrorBadRequest, message);
}

/** RFC 8011 section 4.1.4: the operation group comes first and starts with charset, then natural language. */
function checkOperationGroup(request: IppMessage): IppAttributeGroup {
  const first = request.groups[0];
  if (!first || first.tag !== IppTag.OperationAttributes) {
    throw badRequest('The request must start with the operation attributes group.');
  }
  const [charset, language] = first.attributes;
  if (charset?.name !== 'attributes-charset')
    throw badRequest('The first operation attribute must be attributes-charset.');
  if (language?.name !== 'attributes-natural-language') {
    throw badRequest('The second operation attribute must be attributes-natural-language.');
  }
  for (const attribute of first.attributes) {
    const definition = ippAttributeRegistry.get(attribute.name);
    if (definition?.group !== 'operation') continue;
    const problem = checkIppAttribute(attribute, definition);
    if (!problem) continue;
    if (problem.reason === 'syntax' || problem.reason === 'cardinality')
      throw badRequest(`Bad ${problem.message}.`);
    const status =
      problem.reason === 'length'
        ? IppStatus.ClientErrorRequestValueTooLong
        : IppStatus.ClientErrorAttributesOrValuesNotSupported;
    throw new IppOperationError(status, `Unsupported ${problem.message}.`, [attribute]);
  }
  const charsetValue = first.getString('attributes-charset')!.toLowerCase();
  if (!SUPPORTED_CHARSETS.includes(charsetValue)) {
    throw new IppOperationError(
      IppStatus.ClientErrorCharsetNotSupported,
      `Charset "${charsetValue}" is not supported.`,
      [charset],
    );
  }
  return first;
}

function checkRequest(request: IppMessage): IppAttributeGroup {
  const { major, minor } = request.version;
  if (major !== 1 && major !== 2) {
    throw new IppOperationError(
      IppStatus.ServerErrorVersionNotSupported,
      `IPP version ${major}.${minor} is not supported; use 1.0, 1.1 or 2.0.`,
    );
  }
  if (request.requestId <= 0) throw badRequest('request-id must be a positive integer.');
  const operation = checkOperationGroup(request);
  if (operation.get('printer-uri') === undefined && operation.get('job-uri') === undefined) {
    throw badRequest('Missing printer-uri (or job-uri).');
  }
  return operation;
}

/** Answers decoded IPP requests; one per listener. */
export class IppService {
  constructor(private readonly deps: IppOperationDeps) {}

  /** Check and run one request; always resolves with the response to send. */
  async handle(context: IppRequestContext): Promise<IppMessage> {
    const { request } = context;
    try {
      const operation = checkRequest(request);
      const handler = handlers.get(request.code);
      if (!handler) {
        throw new IppOperationError(
          IppStatus.ServerErrorOperationNotSupported,
          `Operation ${ippOperationName(request.code)} is not supported.`,
        );
      }
      return await handler(this.deps, context, operation);
    } catch (err) {
      return this.errorResponse(context, err);
    }
  }

  private errorResponse(context: IppRequestContext, err: unknown): IppMessage {
    const mapped = ippErrorFor(err);
    if (mapped.unexpected) {
      this.deps.logger.error('IPP operation failed', {
        operation: ippOperationName(context.request.code),
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
    } else {
      // A refusal the client caused (offline queue, bad attribute, unknown owner): worth a line, not an alarm.
      this.deps.logger.info('IPP request refused', {
        operation: ippOperationName(context.request.code),
        status: ippStatusName(mapped.status),
        reason: mapped.message,
        user: context.user,
        clientAddress: context.clientAddress,
      });
    }
    const response = createIppResponse(context.request, mapped.status, mapped.message);
    if (mapped.unsupported.length > 0) addUnsupportedGroup(response, mapped.unsupported);
    return response;
  }
}
