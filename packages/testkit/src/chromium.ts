/**
 * Headless Chromium for browser tests (the web release station), driven by playwright-core.
 *
 * It runs Debian's `chromium` package, never a browser that Playwright downloads: this workplace reaches no
 * download host, and CI installs what it needs from Debian. The browser is launched as a Playwright browser
 * server so that its process is known by PID: the registry can then kill it synchronously from the 'exit'
 * hook, like every other process a test starts, even when mocha never reaches its teardown.
 */
import { type Browser, type BrowserServer, chromium } from 'playwright-core';
import { ensureDebianPackages } from './debian';
import { track } from './registry';

// Tests that drive the browser need these types, and they reach playwright-core only through the testkit.
export type { Browser, BrowserContext, Page } from 'playwright-core';

/** Where Debian's `chromium` package installs its launcher. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Options for {@link launchChromium}. */
export interface LaunchChromiumOptions {
  /** Extra command-line switches, after the ones every test run needs. */
  args?: readonly string[];
  /** How long Chromium may take to start, in ms (default 60 000). */
  timeoutMs?: number;
}

// Tests run as root in containers: no user namespaces for the sandbox, and a /dev/shm too small for Chromium.
const REQUIRED_ARGS = ['--no-sandbox', '--disable-dev-shm-usage'];

function killGroupNow(server: BrowserServer): void {
  const pid = server.process().pid;
  if (pid === undefined) return;
  try {
    // Playwright starts the browser as a process-group leader, so this also takes its helper processes.
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Launch headless Debian Chromium (installing the `chromium` package first when missing and running as root)
 * and connect Playwright to it. The browser is tracked by the testkit registry, so the global teardown closes
 * it; closing the returned Browser yourself also stops the browser process and unregisters it. Never calls
 * `playwright install`.
 */
export async function launchChromium(options: LaunchChromiumOptions = {}): Promise<Browser> {
  await ensureDebianPackages(['chromium']);
  const timeout = options.timeoutMs ?? 60_000;
  const server = await chromium.launchServer({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...REQUIRED_ARGS, ...(options.args ?? [])],
    timeout,
    // The registry decides when the browser stops; Playwright's own signal handlers would race it.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  let browser: Browser | undefined;
  let stopping: Promise<void> | undefined;
  let untrack = (): unknown => undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        await browser?.close().catch(() => undefined);
        await server.close();
      } finally {
        untrack();
      }
    })();
    return stopping;
  };
  untrack = track({
    description: `chromium (pid ${server.process().pid})`,
    stop,
    killNow: () => killGroupNow(server),
  });
  try {
    browser = await chromium.connect(server.wsEndpoint(), { timeout });
  } catch (err) {
    await stop();
    throw err;
  }
  browser.once('disconnected', () => void stop());
  return browser;
}
