/**
 * The JSON 404 and the one place errors become HTTP responses.
 *
 * Clients always get `{error: {code, message, details?}}` with a stable code. Domain errors (QuireError) keep
 * their status and message; body-parser's errors become BAD_REQUEST or PAYLOAD_TOO_LARGE with a message that
 * says what to fix; anything else is a bug, so the client gets a generic INTERNAL message (never a stack or a
 * driver message that could leak schema or secrets) and the log gets the stack with the request id.
 */
import type { NextFunction, Request, Response } from 'express';
import { ErrorCode, QuireError, isQuireError } from '../errors';
import type { Logger } from '../logging/logger';
import { pathWithoutQuery } from './request-log';

/** The JSON error body every Quire HTTP endpoint returns. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

/** The `type` body-parser puts on the errors it raises, with the `status` it chose. */
interface BodyParserError {
  type: string;
  status: number;
  /** For entity.too.large: the route's limit in bytes. */
  limit?: unknown;
}

function isBodyParserError(err: unknown): err is Error & BodyParserError {
  return (
    err instanceof Error &&
    typeof (err as Partial<BodyParserError>).type === 'string' &&
    typeof (err as Partial<BodyParserError>).status === 'number'
  );
}

/** A body limit as people read it ("the 1 MB limit"); each route sets its own (JSON 1 MB, CSV uploads more). */
function limitText(limit: unknown): string {
  if (typeof limit !== 'number' || !Number.isFinite(limit)) return 'the limit for this request';
  const mb = limit / (1024 * 1024);
  if (mb >= 1) return `the ${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB limit`;
  return `the ${Math.round(limit / 1024)} KB limit`;
}

/** Translate a body-parser failure into the QuireError a client should see. */
function fromBodyParserError(err: Error & BodyParserError): QuireError {
  switch (err.type) {
    case 'entity.parse.failed':
      return new QuireError(ErrorCode.BadRequest, 'Request body is not valid JSON');
    case 'entity.too.large':
      return new QuireError(
        ErrorCode.PayloadTooLarge,
        `Request body is larger than ${limitText(err.limit)}`,
        {
          details: typeof err.limit === 'number' ? { limitBytes: err.limit } : undefined,
        },
      );
    default:
      // Unsupported charset or encoding, aborted or short bodies: body-parser's messages are safe and specific.
      return new QuireError(ErrorCode.BadRequest, err.message, {
        httpStatus: err.status >= 400 && err.status < 500 ? err.status : 400,
      });
  }
}

/** Map any thrown value to the QuireError whose status and body the client gets. */
export function toClientError(err: unknown): QuireError {
  if (isQuireError(err)) return err;
  if (isBodyParserError(err)) return fromBodyParserError(err);
  return new QuireError(ErrorCode.Internal, 'Internal server error; the server log has the details', {
    cause: err,
  });
}

/** The body for a QuireError. */
export function errorBody(err: QuireError): ErrorBody {
  const error: ErrorBody['error'] = { code: err.code, message: err.message };
  if (err.details !== undefined) error.details = err.details;
  return { error };
}

/** Final middleware for requests no route answered: a JSON 404. */
export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  next(new QuireError(ErrorCode.NotFound, `No route for ${req.method} ${pathWithoutQuery(req.originalUrl)}`));
}

/** The Express error handler: writes the JSON error body and logs server-side failures with their stack. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    const clientError = toClientError(err);
    if (clientError.httpStatus >= 500) {
      logger.error('request failed', {
        requestId: req.requestId,
        method: req.method,
        path: pathWithoutQuery(req.originalUrl),
        code: clientError.code,
        error: err instanceof Error ? err.message : String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
    }
    if (res.headersSent) {
      // The status line is gone; Express's own handler aborts the connection so the client sees a broken reply.
      next(err);
      return;
    }
    res.status(clientError.httpStatus).json(errorBody(clientError));
  };
}
