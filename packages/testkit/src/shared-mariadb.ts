/**
 * One MariaDB server per test process, shared by every suite: starting a server costs about a second (and
 * the first time, an apt install), while a fresh database on a running server costs milliseconds.
 */
import { type MariaDbServer, startMariaDb } from './mariadb';

let shared: Promise<MariaDbServer> | undefined;

/**
 * The test process's MariaDB server, started on the first call; later calls get the same promise. A failed
 * start is remembered too, so every suite that needs MariaDB fails at once with the same error instead of
 * retrying for 30 s each. The server is stopped by the mocha global teardown, or killed on process exit.
 */
export function sharedMariaDb(): Promise<MariaDbServer> {
  shared ??= startMariaDb();
  return shared;
}

/** Stop the shared server if one was started (waiting for a start in progress), and forget it. */
export async function stopSharedMariaDb(): Promise<void> {
  const starting = shared;
  shared = undefined;
  if (!starting) return;
  const server = await starting.catch(() => undefined);
  await server?.stop();
}
