/**
 * Request ids: every request gets one, echoed in the `x-request-id` response header and put on every log line
 * and audit row it causes, so an operator can follow one request through logs, audit and a client's bug report.
 */
import type { NextFunction, Request, Response } from 'express';
import { newId } from '../ids';
import type { Logger } from '../logging/logger';

export const REQUEST_ID_HEADER = 'x-request-id';

// A proxy's or client's id is reused only when it cannot pollute logs: bounded length, no spaces or control
// characters. Anything else is replaced rather than rejected, because the id is a convenience, not an input.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The caller's request id when it is safe to reuse, else a fresh one. */
export function chooseRequestId(incoming: string | string[] | undefined): string {
  const candidate = Array.isArray(incoming) ? incoming[0] : incoming;
  return candidate !== undefined && SANE_REQUEST_ID.test(candidate) ? candidate : newId();
}

/** Middleware that sets `req.requestId`, `req.log` and the `x-request-id` response header. */
export function requestIdMiddleware(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    req.requestId = chooseRequestId(req.headers[REQUEST_ID_HEADER]);
    req.log = logger.child({ requestId: req.requestId });
    res.setHeader(REQUEST_ID_HEADER, req.requestId);
    next();
  };
}
