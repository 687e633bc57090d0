/**
 * A real IPP Everywhere printer for tests: CUPS's `ippeveprinter` on a free loopback port, with its own private
 * dbus-daemon (it will not start without a bus, even with DNS-SD off), its spool in the test run folder, and a
 * job command (`-c`) so jobs complete at once instead of "printing" for seconds and answering server-error-busy.
 *
 * The job command runs once a document is complete and writes the job's IPP_* environment (job name, user,
 * format, ...) to `jobs/<document>.env`; that file is how {@link IppEvePrinter.waitForFiles} knows a stored
 * document is whole. `-n localhost` is required: ippeveprinter listens on 127.0.0.1 and ::1 for it, and fails
 * with a literal address. `-K` keeps the self-signed certificate it makes for ipps:// in the run folder.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { ensureDebianPackages } from './debian';
import { waitForHttp } from './http';
import { freePort } from './ports';
import { type ManagedProcess, startProcess } from './process';
import { testRunDir } from './run-dir';

/** Options for {@link startIppEvePrinter}. */
export interface StartIppEvePrinterOptions {
  /** The printer's name (default "Quire Test Printer"). */
  name?: string;
  /** document-format-supported (default PDF, PostScript, PCL and application/octet-stream). */
  formats?: readonly string[];
  /** How long to wait for it to answer (default 30 s). */
  startTimeoutMs?: number;
}

/** A running ippeveprinter. */
export interface IppEvePrinter {
  /** `ipp://localhost:PORT/ipp/print`. */
  uri: string;
  /** `ipps://localhost:PORT/ipp/print`: the same printer over TLS, with a self-signed certificate. */
  secureUri: string;
  port: number;
  /** Where ippeveprinter stores the documents it receives (kept with -k). */
  spoolDir: string;
  /** The documents stored so far (complete or still arriving), in job order. */
  receivedFiles(): Promise<string[]>;
  /** Resolve with the stored documents once at least `count` jobs have been processed completely. */
  waitForFiles(count: number, timeoutMs?: number): Promise<string[]>;
  /** The IPP_* environment the job command saw for a stored document: job name, user, format, ... */
  jobEnvironment(file: string): Promise<Record<string, string>>;
  /** Stop ippeveprinter and its dbus-daemon by PID and delete the spool. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_FORMATS = [
  'application/pdf',
  'application/postscript',
  'application/vnd.hp-pcl',
  'application/octet-stream',
];
const START_ATTEMPTS = 3;

/** The job command: record the job's environment, then succeed at once. `$1` is the stored document. */
function jobScript(envDir: string): string {
  return [
    '#!/bin/sh',
    `env | grep '^IPP_' | sort > "${envDir}/$(basename "$1").env.tmp"`,
    `mv "${envDir}/$(basename "$1").env.tmp" "${envDir}/$(basename "$1").env"`,
    'exit 0',
    '',
  ].join('\n');
}

/** ippeveprinter binds the port on 127.0.0.1 and ::1, so both must be free. */
async function freeDualStackPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'EADDRNOTAVAIL'));
      probe.listen({ host: '::1', port, exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

function jobNumber(file: string): number {
  return Number(/^(\d+)-/.exec(path.basename(file))?.[1] ?? 0);
}

async function startDbus(dir: string): Promise<{ process: ManagedProcess; address: string }> {
  const socket = path.join(dir, 'dbus.sock');
  const dbus = startProcess({
    name: 'ippeveprinter-dbus',
    command: 'dbus-daemon',
    args: ['--session', `--address=unix:path=${socket}`, '--nofork', '--nopidfile', '--print-address=1'],
  });
  const line = await dbus.waitForLine(/^unix:path=\S+/, 10_000, 'stdout').catch(async (err: unknown) => {
    await dbus.stop();
    throw err;
  });
  return { process: dbus, address: line[0] };
}

async function startPrinter(
  dir: string,
  spoolDir: string,
  busAddress: string,
  options: StartIppEvePrinterOptions,
): Promise<{ process: ManagedProcess; port: number }> {
  const formats = (options.formats ?? DEFAULT_FORMATS).join(',');
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await freeDualStackPort();
    const printer = startProcess({
      name: 'ippeveprinter',
      command: 'ippeveprinter',
      args: [
        // Without -K, ippeveprinter running as root writes its certificate into /etc/cups/ssl.
        ...[
          '-p',
          String(port),
          '-n',
          'localhost',
          '-r',
          'off',
          '-k',
          '-d',
          spoolDir,
          '-K',
          path.join(dir, 'ssl'),
        ],
        ...['-c', path.join(dir, 'job.sh'), '-f', formats, '-M', 'Quire', '-m', 'Quire Test Printer'],
        options.name ?? 'Quire Test Printer',
      ],
      env: { DBUS_SYSTEM_BUS_ADDRESS: busAddress },
    });
    try {
      const exited = printer.ended.then((status) => {
        throw new Error(`ippeveprinter exited (${JSON.stringify(status)}):\n${printer.tail()}`);
      });
      await Promise.race([waitForHttp(`http://127.0.0.1:${port}/`, { timeoutMs }), exited]);
      return { process: printer, port };
    } catch (err) {
      lastError = err;
      await printer.stop();
    }
  }
  throw new Error(`ippeveprinter did not start in ${START_ATTEMPTS} attempts`, { cause: lastError });
}

/**
 * Start ippeveprinter (installing cups-ipp-utils and dbus when missing) with a private dbus-daemon, on a free
 * port of localhost, keeping every document it receives in `<test run dir>/ippeveprinter-PORT/spool`. Resolves
 * once it answers HTTP; stop it with `stop()` (the test run's teardown also stops both processes by PID).
 */
export async function startIppEvePrinter(options: StartIppEvePrinterOptions = {}): Promise<IppEvePrinter> {
  await ensureDebianPackages(['cups-ipp-utils', 'dbus']);
  const dir = path.join(testRunDir(), `ippeveprinter-${process.pid}-${Date.now()}`);
  const spoolDir = path.join(dir, 'spool');
  const envDir = path.join(dir, 'jobs');
  await mkdir(spoolDir, { recursive: true });
  await mkdir(envDir, { recursive: true });
  await mkdir(path.join(dir, 'ssl'), { recursive: true });
  await writeFile(path.join(dir, 'job.sh'), jobScript(envDir));
  await chmod(path.join(dir, 'job.sh'), 0o755);
  const dbus = await startDbus(dir);
  let printer: { process: ManagedProcess; port: number };
  try {
    printer = await startPrinter(dir, spoolDir, dbus.address, options);
  } catch (err) {
    await dbus.process.stop();
    throw err;
  }
  const envFile = (file: string) => path.join(envDir, `${path.basename(file)}.env`);
  // ippeveprinter writes the job command's standard output to N-name.prn; that is not a received document.
  const isDocument = (name: string) => /^\d+-/.test(name) && !name.endsWith('.prn');
  const receivedFiles = async () =>
    (await readdir(spoolDir))
      .filter(isDocument)
      .map((name) => path.join(spoolDir, name))
      .sort((a, b) => jobNumber(a) - jobNumber(b));
  const processedFiles = async () => (await receivedFiles()).filter((file) => existsSync(envFile(file)));
  let stopping: Promise<void> | undefined;
  return {
    uri: `ipp://localhost:${printer.port}/ipp/print`,
    secureUri: `ipps://localhost:${printer.port}/ipp/print`,
    port: printer.port,
    spoolDir,
    receivedFiles,
    async waitForFiles(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const files = await processedFiles();
        if (files.length >= count) return files;
        if (Date.now() > deadline) {
          throw new Error(`ippeveprinter processed ${files.length} of ${count} jobs within ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async jobEnvironment(file) {
      const text = await readFile(envFile(file), 'utf8');
      return Object.fromEntries(
        text
          .split('\n')
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
    },
    stop() {
      stopping ??= (async () => {
        await printer.process.stop();
        await dbus.process.stop();
        await rm(spoolDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
