/**
 * A private cupsd for tests and benchmarks: its own configuration, spool, state and logs in a fresh temp folder,
 * listening on a free loopback port, never touching the system's CUPS, stopped by its PID. Used as a real CUPS
 * client of Quire (`lpadmin -m everywhere`, then `lp`) and as the anchor of the intake benchmark.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureDebianPackages } from './debian';
import { runCommand, type CommandResult } from './exec';
import { freePort } from './ports';
import { startProcess } from './process';

export interface StartCupsdOptions {
  /** Extra cupsd.conf directives, e.g. the job limits a benchmark lifts. */
  extraConfig?: string[];
}

export interface Cupsd {
  port: number;
  /** `127.0.0.1:PORT`, for `-h` of the CUPS commands. */
  server: string;
  /** The private configuration folder (PPDs land in `<dir>/ppd`). */
  dir: string;
  /** Run a CUPS client command (`lpadmin`, `lp`, `lpstat`, ...) against this cupsd. */
  run(command: string, args: string[]): Promise<CommandResult>;
  stop(): Promise<void>;
}

/** The configuration the cupsd-anchor figures in bench-anchors.md were measured with (no job limits). */
export const CUPSD_BENCH_CONFIG = [
  'MaxJobs 0',
  'MaxJobsPerPrinter 0',
  'MaxJobsPerUser 0',
  'MaxHoldTime 0',
  'PreserveJobHistory No',
  'PreserveJobFiles No',
  'MaxLogSize 0',
  'AccessLogLevel config',
];

function cupsdConf(port: number, extra: string[]): string {
  return [
    `Listen 127.0.0.1:${port}`,
    'LogLevel warn',
    'WebInterface No',
    'Browsing No',
    'BrowseLocalProtocols none',
    'DefaultAuthType None',
    ...extra,
    '<Location />',
    '  Order allow,deny',
    '  Allow from 127.0.0.1',
    '</Location>',
    '<Policy default>',
    '  <Limit All>',
    '    Order deny,allow',
    '  </Limit>',
    '</Policy>',
    '',
  ].join('\n');
}

function cupsFilesConf(dir: string): string {
  return [
    `ServerRoot ${dir}`,
    `RequestRoot ${dir}/spool`,
    `CacheDir ${dir}/cache`,
    `StateDir ${dir}/state`,
    `TempDir ${dir}/tmp`,
    `ErrorLog ${dir}/log/error_log`,
    `AccessLog ${dir}/log/access_log`,
    `PageLog ${dir}/log/page_log`,
    `ServerKeychain ${dir}/ssl`,
    `Printcap ${dir}/printcap`,
    'ServerBin /usr/lib/cups',
    'DataDir /usr/share/cups',
    'Sandboxing Relaxed',
    '',
  ].join('\n');
}

/** Start cupsd (installing it when missing) and resolve once its scheduler answers. */
export async function startCupsd(options: StartCupsdOptions = {}): Promise<Cupsd> {
  await ensureDebianPackages(['cups-daemon', 'cups-client', 'cups-filters-core-drivers']);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'quire-cupsd-'));
  // cupsd runs filters and backends as the `lp` user, which must reach the spool below this folder.
  await chmod(dir, 0o755);
  for (const sub of ['spool', 'cache', 'state', 'tmp', 'log', 'ppd', 'ssl']) await mkdir(path.join(dir, sub));
  const port = await freePort();
  await writeFile(path.join(dir, 'cupsd.conf'), cupsdConf(port, options.extraConfig ?? []));
  await writeFile(path.join(dir, 'cups-files.conf'), cupsFilesConf(dir));
  const proc = startProcess({
    name: 'cupsd',
    command: '/usr/sbin/cupsd',
    args: ['-f', '-c', path.join(dir, 'cupsd.conf'), '-s', path.join(dir, 'cups-files.conf')],
  });
  const server = `127.0.0.1:${port}`;
  const run = (command: string, args: string[]) =>
    runCommand(command, ['-h', server, ...args], { timeoutMs: 60_000, env: { HOME: dir } });
  const stop = async () => {
    await proc.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const status = await run('lpstat', ['-r']);
    if (/scheduler is running/.test(status.output)) break;
    if (Date.now() > deadline || proc.exited) {
      const tail = proc.tail();
      await stop();
      throw new Error(`cupsd did not start within 30 s: ${status.output.trim()}\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { port, server, dir, run, stop };
}
