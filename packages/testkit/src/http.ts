/**
 * Waits for an HTTP endpoint to become ready, e.g. a freshly started server's health route.
 *
 * Servers under test report readiness at different moments (listening, migrated, federated), so polling the
 * real endpoint is the only reliable signal. The timeout error says what was seen last, because "timed out"
 * alone does not tell a refused connection from a 503 or a 401.
 */

/** Options for {@link waitForHttp}. */
export interface WaitForHttpOptions {
  /** The status that means ready (default 200). */
  status?: number;
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Headers sent with every probe, e.g. an Authorization header. */
  headers?: Record<string, string>;
  /** Pause between probes (default 200 ms). */
  intervalMs?: number;
}

const PROBE_TIMEOUT_MS = 5_000;

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch wraps the interesting part (ECONNREFUSED, ...) in `cause`.
  const cause = err.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return detail ? `${err.message} (${detail})` : err.message;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Poll `url` with GET until it answers with `options.status`, and resolve with that response (its body not
 * yet read). Throws on timeout with the last status or connection error seen. Other statuses and errors are
 * retried, since a server that is still starting may refuse connections or answer 503.
 */
export async function waitForHttp(url: string, options: WaitForHttpOptions = {}): Promise<Response> {
  const { status = 200, timeoutMs = 30_000, headers = {}, intervalMs = 200 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastSeen = 'no attempt completed';
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    try {
      const response = await fetch(url, {
        headers,
        signal: AbortSignal.timeout(Math.min(remaining, PROBE_TIMEOUT_MS)),
      });
      if (response.status === status) return response;
      lastSeen = `status ${response.status}`;
      await response.arrayBuffer().catch(() => undefined);
    } catch (err) {
      lastSeen = `error: ${describeError(err)}`;
    }
    await sleep(Math.max(0, Math.min(intervalMs, deadline - Date.now())));
  }
  throw new Error(
    `waitForHttp: ${url} did not answer with status ${status} within ${timeoutMs} ms (last: ${lastSeen})`,
  );
}
