/**
 * Liveness, readiness and metrics endpoints.
 *
 * `/healthz` answers as long as the event loop does: it is what a supervisor restarts on. `/readyz` runs the
 * server's readiness checks (DB, spool, central link) each under a timeout, so one hung dependency turns into a
 * clear 503 instead of a hung probe. `/metrics` is the Prometheus text format of the server's own registry.
 */
import { Router, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { describeError } from '../errors';

/** One dependency the server needs before it can serve: a name and a check that says whether it is usable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

/** The outcome of one readiness check as reported by `/readyz`. */
export interface ReadinessResult {
  ok: boolean;
  detail?: string;
}

/** The body of a `/readyz` response. */
export interface ReadinessReport {
  status: 'ready' | 'not-ready';
  reason?: string;
  checks: Record<string, ReadinessResult>;
}

export const DEFAULT_READINESS_TIMEOUT_MS = 2000;

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<ReadinessResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `timed out after ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    const outcome = check.check().then(
      (r): ReadinessResult => (r.detail === undefined ? { ok: r.ok } : { ok: r.ok, detail: r.detail }),
      (err: unknown): ReadinessResult => ({ ok: false, detail: describeError(err) }),
    );
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Run every check in parallel, each bounded by `timeoutMs`. A check that throws or times out counts as failed.
 * The reason names the first failing check in the order given, so the answer is stable between probes.
 */
export async function evaluateReadiness(
  checks: ReadinessCheck[],
  timeoutMs: number,
): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((c) => runCheck(c, timeoutMs)));
  const report: Record<string, ReadinessResult> = {};
  checks.forEach((c, i) => (report[c.name] = results[i]));
  const firstFailing = checks.findIndex((_, i) => !results[i].ok);
  if (firstFailing === -1) return { status: 'ready', checks: report };
  const failed = checks[firstFailing];
  const reason = `${failed.name}: ${results[firstFailing].detail ?? 'not ok'}`;
  return { status: 'not-ready', reason, checks: report };
}

/** A router with `GET /healthz`, `GET /readyz` and `GET /metrics`. */
export function healthRouter(options: {
  metrics: Registry;
  readinessChecks: ReadinessCheck[];
  readinessTimeoutMs: number;
}) {
  const router = Router();
  router.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req: Request, res: Response) => {
    const report = await evaluateReadiness(options.readinessChecks, options.readinessTimeoutMs);
    res.status(report.status === 'ready' ? 200 : 503).json(report);
  });
  router.get('/metrics', async (_req: Request, res: Response) => {
    const body = await options.metrics.metrics();
    res.setHeader('Content-Type', options.metrics.contentType);
    res.send(body);
  });
  return router;
}
