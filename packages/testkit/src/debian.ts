/**
 * Makes sure the Debian packages a test needs (mariadb-server, slapd, cups-ipp-utils, ...) are installed.
 *
 * CI starts from a clean Debian 12 machine where we are root, so the test run installs what it needs itself
 * instead of relying on a hand-prepared image. Developers who are not root get an error naming the exact
 * packages, never a silently skipped test. Installs are serialised because dpkg holds a single global lock,
 * and `apt-get update` runs at most once per process because it is the slow, network-bound part.
 */
import { runCommand, tailLines } from './exec';

/** Options for {@link ensureDebianPackages}. */
export interface EnsureDebianPackagesOptions {
  /** debconf selections (`debconf-set-selections` format) to preseed before installing, e.g. for slapd. */
  debconf?: string;
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?$/;
const INSTALLED_STATUS = 'install ok installed';
// Another apt run (another test process, unattended-upgrades) may hold the dpkg lock; wait for it, bounded.
const APT_LOCK_OPTIONS = ['-o', 'DPkg::Lock::Timeout=300'];
const APT_TIMEOUT_MS = 20 * 60 * 1000;

let aptUpdated: Promise<void> | undefined;
let installQueue: Promise<unknown> = Promise.resolve();

function progress(message: string): void {
  process.stderr.write(`[testkit] ${message}\n`);
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function isInstalled(name: string): Promise<boolean> {
  const result = await runCommand('dpkg-query', ['-W', '-f=${Status}', name]).catch((err: Error) => {
    throw new Error(`cannot check Debian package ${name}: ${err.message} (is this a Debian-based system?)`, {
      cause: err,
    });
  });
  return result.code === 0 && result.output.trim() === INSTALLED_STATUS;
}

/**
 * The subset of `packages` that dpkg does not report as "install ok installed". Unknown package names count
 * as missing. Invalid names are rejected up front so that nothing odd ever reaches apt-get's command line.
 */
export async function missingDebianPackages(packages: readonly string[]): Promise<string[]> {
  const invalid = packages.filter((name) => !PACKAGE_NAME.test(name));
  if (invalid.length > 0) throw new Error(`invalid Debian package name(s): ${invalid.join(', ')}`);
  const unique = [...new Set(packages)];
  const installed = await Promise.all(unique.map(isInstalled));
  return unique.filter((_, index) => !installed[index]);
}

async function runApt(description: string, args: readonly string[], input?: string): Promise<void> {
  const started = Date.now();
  progress(`${description} ...`);
  const result = await runCommand(args[0], args.slice(1), {
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    input,
    timeoutMs: APT_TIMEOUT_MS,
  });
  if (result.code !== 0) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.code}`;
    throw new Error(
      `${description} failed: ${args.join(' ')} ${how}. Last output:\n${tailLines(result.output)}`,
    );
  }
  progress(`${description} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function aptUpdateOnce(): Promise<void> {
  // Only a successful update is remembered, so a transient mirror failure is retried by the next install.
  aptUpdated ??= runApt('apt-get update', ['apt-get', ...APT_LOCK_OPTIONS, 'update', '-q']).catch(
    (err: unknown) => {
      aptUpdated = undefined;
      throw err;
    },
  );
  return aptUpdated;
}

async function installMissing(
  packages: readonly string[],
  options: EnsureDebianPackagesOptions,
): Promise<void> {
  const missing = await missingDebianPackages(packages);
  if (missing.length === 0) return;
  if (!isRoot()) {
    throw new Error(
      `Debian package(s) needed by the tests are not installed: ${missing.join(' ')}. ` +
        `Install them as root: apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
  }
  progress(`installing Debian package(s): ${missing.join(' ')}`);
  await aptUpdateOnce();
  if (options.debconf) {
    await runApt('debconf-set-selections', ['debconf-set-selections'], options.debconf);
  }
  const install = [
    'apt-get',
    ...APT_LOCK_OPTIONS,
    'install',
    '-y',
    '-q',
    '--no-install-recommends',
    ...missing,
  ];
  await runApt(`apt-get install ${missing.join(' ')}`, install);
  const stillMissing = await missingDebianPackages(missing);
  if (stillMissing.length > 0) {
    throw new Error(
      `apt-get reported success but these packages are still not installed: ${stillMissing.join(' ')}`,
    );
  }
}

/**
 * Ensure every package in `packages` is installed, installing the missing ones with apt-get when running as
 * root (after a single `apt-get update` per process, and after feeding `options.debconf` to
 * debconf-set-selections). Resolves at once when all are present. Throws when not root and something is
 * missing (naming the packages to install), or when apt fails (quoting the tail of its output). Calls are
 * queued one after another so that concurrent callers never fight over the dpkg lock.
 */
export function ensureDebianPackages(
  packages: readonly string[],
  options: EnsureDebianPackagesOptions = {},
): Promise<void> {
  const run = installQueue.then(() => installMissing(packages, options));
  installQueue = run.catch(() => undefined);
  return run;
}
