/**
 * Express guards. `requireAuth` turns a bearer token into `req.principal`; `requireAdmin` lets only
 * administrators through and audits every refusal, because attempts to reach admin functions are what an
 * auditor looks for.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ErrorCode, QuireError } from '../errors';
import { pathWithoutQuery } from '../http/request-log';
import { auditContextOf, type AuditService } from './audit.service';
import type { AuthService } from './auth.service';

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

// The audit log of the AuthService that authenticated each request, so `requireAdmin` can stay a plain
// middleware (`router.use(requireAuth(auth), requireAdmin)`) and still record its refusals in the right place.
const auditOfRequest = new WeakMap<Request, AuditService>();

/** The bearer token of a request's Authorization header, if it has one. */
export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  return header ? BEARER.exec(header)?.[1] : undefined;
}

/** Middleware: authenticate the bearer token into `req.principal`, else 401 AUTH_REQUIRED. */
export function requireAuth(auth: AuthService): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const token = bearerToken(req);
    const principal = token ? await auth.authenticate(token) : null;
    if (!principal) {
      // RFC 6750: tell the client which scheme to use, and whether the token it sent was the problem.
      res.setHeader(
        'WWW-Authenticate',
        token ? 'Bearer realm="quire", error="invalid_token"' : 'Bearer realm="quire"',
      );
      const message = token
        ? 'Bearer token is invalid or expired; sign in again'
        : 'Sign in first: send Authorization: Bearer <token>';
      next(new QuireError(ErrorCode.AuthRequired, message));
      return;
    }
    req.principal = principal;
    auditOfRequest.set(req, auth.audit);
    next();
  };
}

/**
 * Middleware, placed after `requireAuth`: only administrators pass. A refusal is 403 FORBIDDEN and an
 * `access.admin` audit row with outcome `denied`, naming the route that was tried.
 */
export async function requireAdmin(req: Request, _res: Response, next: NextFunction): Promise<void> {
  if (!req.principal) {
    next(new QuireError(ErrorCode.AuthRequired, 'Sign in first: send Authorization: Bearer <token>'));
    return;
  }
  if (req.principal.isAdmin) {
    next();
    return;
  }
  await auditOfRequest.get(req)?.record({
    ...auditContextOf(req),
    action: 'access.admin',
    targetType: 'route',
    targetId: `${req.method} ${pathWithoutQuery(req.originalUrl)}`,
    outcome: 'denied',
  });
  next(new QuireError(ErrorCode.Forbidden, 'This action needs administrator rights'));
}
