/**
 * One access-log line and one histogram observation per request.
 *
 * The log line carries the path without its query string, because query strings may carry secrets. The
 * histogram is labelled with the matched route pattern (`/api/v1/sites/:id`), never the raw path, so label
 * cardinality stays bounded however many ids clients send.
 */
import type { NextFunction, Request, Response } from 'express';
import { Histogram, type Registry } from 'prom-client';
import type { Logger } from '../logging/logger';

export const HTTP_DURATION_METRIC = 'quire_http_request_duration_seconds';
const UNMATCHED_ROUTE = '(unmatched)';
const matchedRoute = Symbol('quire.matchedRoute');

type RouteTrackingRequest = Request & { [matchedRoute]?: string };

/** The histogram on `registry`, created on first use so two apps sharing one registry do not collide. */
export function httpDurationHistogram(registry: Registry): Histogram<'method' | 'route' | 'status'> {
  const existing = registry.getSingleMetric(HTTP_DURATION_METRIC);
  if (existing) return existing as Histogram<'method' | 'route' | 'status'>;
  return new Histogram({
    name: HTTP_DURATION_METRIC,
    help: 'Duration of HTTP requests, by method, matched route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}

/**
 * Record the full route pattern at the moment Express matches a route. The router sets `req.route` while
 * `req.baseUrl` still holds the mount prefix, but restores `baseUrl` when an error leaves a mounted router, so
 * reading both later (at `finish`) would lose the prefix on error responses.
 */
function trackMatchedRoute(req: RouteTrackingRequest): void {
  let current: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (route: unknown) => {
      current = route;
      const pattern = (route as { path?: unknown } | undefined)?.path;
      if (pattern !== undefined) req[matchedRoute] = `${req.baseUrl}${String(pattern)}`;
    },
  });
}

/** The path of a request without its query string. */
export function pathWithoutQuery(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Middleware that logs each finished request at level `http` and observes its duration. */
export function requestLogMiddleware(logger: Logger, registry: Registry) {
  const histogram = httpDurationHistogram(registry);
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    trackMatchedRoute(req);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (req as RouteTrackingRequest)[matchedRoute] ?? UNMATCHED_ROUTE;
      histogram.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      logger.http('request', {
        method: req.method,
        path: pathWithoutQuery(req.originalUrl),
        status: res.statusCode,
        durationMs: Math.round(seconds * 1e6) / 1e3,
        requestId: req.requestId,
        remoteAddr: req.ip ?? req.socket.remoteAddress,
      });
    });
    next();
  };
}
