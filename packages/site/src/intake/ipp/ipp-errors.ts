/**
 * How IPP operations fail: an `IppOperationError` carries the status to answer, the status-message, and the
 * attributes to return in the unsupported group; `ippErrorFor` maps the job core's QuireError codes to IPP
 * statuses so every front-end speaks the same language about the same failure.
 */
import { ErrorCode, IppStatus, isQuireError, type IppAttribute } from '@quire/common';

/** A refusal with a specific IPP status, raised by operation handlers and turned into a response. */
export class IppOperationError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly unsupported: IppAttribute[] = [],
  ) {
    super(message);
    this.name = 'IppOperationError';
  }
}

/** The status, status-message, and whether an operator should see it in the log (unexpected failures). */
export interface MappedIppError {
  status: number;
  message: string;
  unsupported: IppAttribute[];
  unexpected: boolean;
}

const statusByCode: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.QueueNotFound]: IppStatus.ClientErrorNotFound,
  [ErrorCode.QueueOffline]: IppStatus.ServerErrorNotAcceptingJobs,
  [ErrorCode.JobTooLarge]: IppStatus.ClientErrorRequestEntityTooLarge,
  [ErrorCode.PayloadTooLarge]: IppStatus.ClientErrorRequestEntityTooLarge,
  [ErrorCode.JobOwnerUnknown]: IppStatus.ClientErrorNotAuthorized,
  [ErrorCode.JobNotFound]: IppStatus.ClientErrorNotFound,
  [ErrorCode.NotFound]: IppStatus.ClientErrorNotFound,
  [ErrorCode.JobStateConflict]: IppStatus.ClientErrorNotPossible,
  [ErrorCode.Forbidden]: IppStatus.ClientErrorNotAuthorized,
  [ErrorCode.BadRequest]: IppStatus.ClientErrorBadRequest,
  [ErrorCode.ValidationFailed]: IppStatus.ClientErrorBadRequest,
};

const CLIENT_GONE = new Set(['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE', 'ECONNABORTED', 'EPIPE']);

/** True when a stream error only means the client went away mid-request: its problem, not ours. */
export function isClientGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    (typeof code === 'string' && CLIENT_GONE.has(code)) || (err instanceof Error && err.message === 'aborted')
  );
}

/** Map anything an operation threw to an IPP status; unknown errors become internal-error. */
export function ippErrorFor(err: unknown): MappedIppError {
  if (isClientGone(err)) {
    const message = 'The client closed the connection before the request ended.';
    return { status: IppStatus.ClientErrorBadRequest, message, unsupported: [], unexpected: false };
  }
  if (err instanceof IppOperationError) {
    return { status: err.status, message: err.message, unsupported: err.unsupported, unexpected: false };
  }
  if (isQuireError(err)) {
    const status = statusByCode[err.code];
    if (status !== undefined) {
      const message =
        err.code === ErrorCode.JobOwnerUnknown
          ? `The job's owner is not a known user: ${err.message}`
          : err.message;
      return { status, message, unsupported: [], unexpected: false };
    }
  }
  return {
    status: IppStatus.ServerErrorInternalError,
    message: 'Internal server error; the server log has the details.',
    unsupported: [],
    unexpected: true,
  };
}
