/**
 * The Express app both servers start from: request ids, access log and latency histogram, security headers,
 * a bounded JSON body parser, the health/readiness/metrics endpoints, the caller's routers, then the JSON 404
 * and the error handler. Keeping the order here means every route in both servers gets the same treatment.
 */
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger';
import { errorHandler, notFoundHandler } from './error-handler';
import { DEFAULT_READINESS_TIMEOUT_MS, healthRouter, type ReadinessCheck } from './health';
import { requestIdMiddleware } from './request-id';
import { requestLogMiddleware } from './request-log';

/** What `createHttpApp` needs from the server that composes it. */
export interface HttpAppOptions {
  logger: Logger;
  /** The server's registry: `/metrics` serves it and the HTTP histogram is registered on it. */
  metrics: Registry;
  /** Checks `/readyz` runs; none means always ready. */
  readinessChecks?: ReadinessCheck[];
  /** Time each readiness check may take before it counts as failed. Default 2000 ms. */
  readinessTimeoutMs?: number;
  /** Adds the server's own routers, after the scaffold's middleware and before the 404. */
  mount?: (app: Express) => void;
}

/** The largest JSON body any endpoint accepts; uploads of documents go through their own streaming routes. */
export const JSON_BODY_LIMIT = '1mb';

/** Build the Express app with the scaffold around the caller's routes. */
export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestIdMiddleware(options.logger));
  app.use(requestLogMiddleware(options.logger, options.metrics));
  app.use(helmet());
  app.use(express.json({ limit: JSON_BODY_LIMIT }));
  app.use(
    healthRouter({
      metrics: options.metrics,
      readinessChecks: options.readinessChecks ?? [],
      readinessTimeoutMs: options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS,
    }),
  );
  options.mount?.(app);
  app.use(notFoundHandler);
  app.use(errorHandler(options.logger));
  return app;
}
