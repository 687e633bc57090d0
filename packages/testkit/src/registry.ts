/**
 * Every process and scratch resource a test starts is registered here, so that nothing outlives the test run.
 *
 * The mocha global teardown stops them all gracefully. As a last resort, a process 'exit' hook kills whatever
 * is left synchronously (SIGKILL by PID): that covers runs without the teardown hook, `--exit`, and crashes,
 * and it is why every resource must offer a synchronous `killNow`.
 */

/** Something started for tests that must be stopped at the end of the run. */
export interface TrackedResource {
  /** Human-readable name used in teardown error messages. */
  readonly description: string;
  /** Graceful, idempotent stop. */
  stop(): Promise<unknown>;
  /** Synchronous, best-effort kill used from the process 'exit' hook, where nothing asynchronous can run. */
  killNow(): void;
}

const tracked = new Set<TrackedResource>();
let exitHookInstalled = false;

function killAllNow(): void {
  for (const resource of tracked) {
    try {
      resource.killNow();
    } catch {
      // The process is exiting; one failed kill must not prevent the others.
    }
  }
  tracked.clear();
}

/** Register `resource` for teardown; the returned function unregisters it (call it once it has stopped). */
export function track(resource: TrackedResource): () => void {
  if (!exitHookInstalled) {
    process.on('exit', killAllNow);
    exitHookInstalled = true;
  }
  tracked.add(resource);
  return () => tracked.delete(resource);
}

/** How many resources are currently registered; lets tests check that stopping unregisters. */
export function trackedCount(): number {
  return tracked.size;
}

/**
 * Stop every registered resource, all at once, newest first in registration order. Waits for all of them
 * even when some fail, then throws one error listing every failure.
 */
export async function stopAllTracked(): Promise<void> {
  const resources = [...tracked].reverse();
  const results = await Promise.allSettled(resources.map((resource) => resource.stop()));
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' ? [`${resources[index].description}: ${String(result.reason)}`] : [],
  );
  for (const resource of resources) tracked.delete(resource);
  if (failures.length > 0) throw new Error(`could not stop every test resource:\n${failures.join('\n')}`);
}
