/**
 * Starts real processes for tests (servers under test, daemons such as mariadbd or slapd) and keeps them on
 * a short leash: output captured line by line, readiness awaited by pattern, and every process stopped by PID
 * in the global teardown even when the test forgot to.
 *
 * Children are unref'd so that a forgotten process can never keep mocha alive; the registry's 'exit' hook then
 * SIGKILLs it. Waits always carry their own timer, which keeps the event loop alive while a test awaits them.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Socket } from 'node:net';
import { OutputCapture, type StreamName } from './output-capture';
import { track } from './registry';
import { testRunDir } from './run-dir';

/** How a process ended: exactly one of `code` and `signal` is set. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What to start, for {@link startProcess}. */
export interface StartProcessOptions {
  /** Short name used for the log file (`<name>.log`) and in error messages. */
  name: string;
  command: string;
  args?: readonly string[];
  /** Extra environment variables, merged over this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How much recent output to keep in memory per process, in KB (default 256). */
  keepKb?: number;
}

const DEFAULT_WAIT_MS = 30_000;
const KILL_WAIT_MS = 5_000;

function logFileFor(name: string): string {
  const base = name.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'process';
  const dir = testRunDir();
  let candidate = path.join(dir, `${base}.log`);
  for (let n = 2; existsSync(candidate); n++) candidate = path.join(dir, `${base}-${n}.log`);
  return candidate;
}

function describeExit(status: ExitStatus): string {
  return status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
}

/**
 * A running (or finished) child process started by {@link startProcess}. All waits reject with an error that
 * quotes the process's recent output, so a failing test shows why the process misbehaved.
 */
export class ManagedProcess {
  readonly pid: number;
  /** Settles when the process exits, with no timeout; prefer {@link waitForExit} in tests. */
  readonly ended: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;
  private readonly closePromise: Promise<void>;
  private stopPromise: Promise<ExitStatus> | undefined;

  constructor(
    readonly name: string,
    child: ChildProcessWithoutNullStreams,
    private readonly capture: OutputCapture,
  ) {
    if (child.pid === undefined) throw new Error(`${name} has no PID`);
    this.pid = child.pid;
    this.ended = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        resolve(this.exitStatus);
      });
    });
    this.closePromise = new Promise((resolve) => child.once('close', () => resolve()));
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].on('data', (chunk: Buffer) => capture.push(stream, chunk));
      child[stream].on('end', () => capture.end(stream));
      (child[stream] as unknown as Socket).unref();
    }
    void this.closePromise.then(() => capture.close());
    child.unref();
  }

  /** The log file that receives every line of this process's output. */
  get logFile(): string {
    return this.capture.logFile;
  }

  /** The exit status once the process has ended, otherwise undefined. */
  get exited(): ExitStatus | undefined {
    return this.exitStatus;
  }

  /** Recent stdout (the last `keepKb` of output), newline-joined. */
  get stdout(): string {
    return this.capture.text('stdout');
  }

  /** Recent stderr (the last `keepKb` of output), newline-joined. */
  get stderr(): string {
    return this.capture.text('stderr');
  }

  /** Recent output of both streams, interleaved in arrival order. */
  get output(): string {
    return this.capture.text();
  }

  /** The last `count` lines of output, for error messages. */
  tail(count = 30): string {
    return this.capture
      .linesOf()
      .slice(-count)
      .map((line) => `${line.stream === 'stdout' ? 'out' : 'err'}| ${line.text}`)
      .join('\n');
  }

  /**
   * Resolve with the match of the first line (already printed or yet to come, on either stream unless
   * `stream` is given) that matches `pattern`. Rejects on timeout, or as soon as the process has exited and
   * its output is exhausted without a match, quoting the output tail in both cases.
   */
  waitForLine(pattern: RegExp, timeoutMs = DEFAULT_WAIT_MS, stream?: StreamName): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const matchOf = (text: string): RegExpExecArray | null =>
        new RegExp(pattern.source, pattern.flags).exec(text);
      const earlier = this.capture.linesOf(stream).find((line) => matchOf(line.text));
      if (earlier) return resolve(matchOf(earlier.text) as RegExpExecArray);
      const finish = (error: Error | undefined, match?: RegExpExecArray): void => {
        clearTimeout(timer);
        unsubscribe();
        if (error) reject(error);
        else resolve(match as RegExpExecArray);
      };
      const unsubscribe = this.capture.onLine((line) => {
        const match = stream && line.stream !== stream ? null : matchOf(line.text);
        if (match) finish(undefined, match);
      });
      const timer = setTimeout(
        () => finish(this.failure(`printed no line matching ${pattern} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      void this.closePromise.then(() => {
        const status = this.exitStatus ?? { code: null, signal: null };
        finish(this.failure(`${describeExit(status)} before printing a line matching ${pattern}`));
      });
    });
  }

  /** Resolve with the exit status once the process has ended; reject if it is still running after `timeoutMs`. */
  async waitForExit(timeoutMs = DEFAULT_WAIT_MS): Promise<ExitStatus> {
    if (this.exitStatus) return this.exitStatus;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.failure(`is still running after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.ended, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Send `signal` to the process by PID; returns false when it has already exited. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exitStatus) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw err;
    }
  }

  /**
   * Stop the process: SIGTERM, then SIGKILL if it is still running after `graceMs`, and resolve with its exit
   * status once it has gone. Idempotent: later calls share the first call's outcome.
   */
  stop(graceMs = 10_000): Promise<ExitStatus> {
    this.stopPromise ??= (async () => {
      if (this.exitStatus) return this.exitStatus;
      this.kill('SIGTERM');
      try {
        return await this.waitForExit(graceMs);
      } catch {
        this.kill('SIGKILL');
        return await this.waitForExit(KILL_WAIT_MS);
      }
    })();
    return this.stopPromise;
  }

  private failure(what: string): Error {
    const tail = this.tail();
    return new Error(
      `${this.name} (pid ${this.pid}) ${what}. Log: ${this.logFile}\n${tail ? `Last output:\n${tail}` : 'No output.'}`,
    );
  }
}

/**
 * Start `command args` as a tracked child process: output goes to memory and to
 * `.test-runs/<run>/<name>.log`, and the global teardown stops it if the test does not. Throws at once when
 * the command cannot be started (e.g. not found), naming it.
 */
export function startProcess(options: StartProcessOptions): ManagedProcess {
  const child = spawn(options.command, options.args ?? [], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  }) as unknown as ChildProcessWithoutNullStreams;
  // Errors after a successful spawn (a failed kill, say) surface through the exit status instead.
  child.on('error', () => undefined);
  if (child.pid === undefined) {
    throw new Error(
      `cannot start ${options.name}: ${options.command} could not be executed (not found or not executable)`,
    );
  }
  const capture = new OutputCapture(logFileFor(options.name), (options.keepKb ?? 256) * 1024);
  const managed = new ManagedProcess(options.name, child, capture);
  const untrack = track({
    description: `${options.name} (pid ${managed.pid})`,
    stop: () => managed.stop(),
    killNow: () => managed.kill('SIGKILL'),
  });
  void managed.ended.then(untrack);
  return managed;
}
