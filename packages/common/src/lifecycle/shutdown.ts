/**
 * Graceful shutdown on SIGINT/SIGTERM.
 *
 * The first signal runs the server's `stop` once and exits 0 when it is done. A second signal means the operator
 * has lost patience: exit 1 at once. `stop` that throws, or that is still running after the hard timeout (a
 * hung DB pool, a stuck client), also exits 1, so a supervisor never waits on a process that will not die. The
 * process and the clock are injectable so all of this is unit-testable.
 */
import type { Logger } from '../logging/logger';

/** Used when the caller gives no hard timeout: generous next to the default 10 s HTTP drain. */
export const DEFAULT_HARD_TIMEOUT_MS = 30_000;

/** The part of `process` the handler uses. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exit(code: number): void;
}

/** Options for `installShutdownHandlers`. */
export interface ShutdownOptions {
  /**
   * Longest `stop` may run before the process exits 1 anyway. Give it more than `http.shutdownTimeoutSeconds`
   * (the HTTP drain) plus the time to close the DB. Default 30 s.
   */
  hardTimeoutMs?: number;
  /** Defaults to the real `process`. */
  process?: SignalSource;
  /** Defaults to SIGINT and SIGTERM. */
  signals?: NodeJS.Signals[];
}

/** Installed handlers; `uninstall` removes them (for tests, or a server that is stopped programmatically). */
export interface ShutdownHandle {
  uninstall(): void;
  /** Resolves after the exit code has been chosen and `exit` called. */
  readonly done: Promise<number>;
}

/** Run `stop` on the first shutdown signal, then exit; see the module comment for the exit codes. */
export function installShutdownHandlers(
  logger: Logger,
  stop: () => Promise<void>,
  options: ShutdownOptions = {},
): ShutdownHandle {
  const hardTimeoutMs = options.hardTimeoutMs ?? DEFAULT_HARD_TIMEOUT_MS;
  const proc: SignalSource = options.process ?? process;
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  let stopping = false;
  let exited = false;
  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (resolveDone = resolve));

  const exit = (code: number): void => {
    if (exited) return;
    exited = true;
    uninstall();
    proc.exit(code);
    resolveDone(code);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn('second shutdown signal: exiting without waiting', { signal });
      exit(1);
      return;
    }
    stopping = true;
    logger.info('shutting down', { signal, hardTimeoutMs });
    void runStop(logger, stop, hardTimeoutMs).then(exit);
  };

  const uninstall = (): void => {
    for (const signal of signals) proc.off(signal, onSignal);
  };

  for (const signal of signals) proc.on(signal, onSignal);
  return { uninstall, done };
}

/** Run `stop` under the hard timeout; resolves with the exit code. */
async function runStop(logger: Logger, stop: () => Promise<void>, hardTimeoutMs: number): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), hardTimeoutMs);
  });
  try {
    const outcome = await Promise.race([stop().then(() => 'stopped' as const), timedOut]);
    if (outcome === 'timeout') {
      logger.error('shutdown did not finish in time: exiting anyway', { hardTimeoutMs });
      return 1;
    }
    logger.info('shutdown complete', { durationMs: Date.now() - started });
    return 0;
  } catch (err) {
    logger.error('shutdown failed', {
      error: err instanceof Error ? err.message : String(err),
      stack: (err as Error)?.stack,
    });
    return 1;
  } finally {
    clearTimeout(timer);
  }
}
