/**
 * Mocha root hooks module, loaded with `--require`: stops everything the tests started once the run ends.
 *
 * It must stay silent when all goes well, because the summary reporter's closing line has to be the last
 * line of the run.
 */
import { stopAllTracked } from './registry';
import { stopSharedMariaDb } from './shared-mariadb';

/**
 * Mocha global teardown: stop the shared MariaDB server, then every process and scratch resource still
 * tracked. Throws (so mocha counts a failure) if something could not be stopped cleanly.
 */
export async function mochaGlobalTeardown(): Promise<void> {
  try {
    await stopSharedMariaDb();
  } finally {
    await stopAllTracked();
  }
}
