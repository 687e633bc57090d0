/**
 * Runs short-lived helper commands (dpkg-query, apt-get, mariadb-admin, chown) and collects their output.
 *
 * Output is collected rather than inherited so that a failure can quote the command's own last lines in the
 * thrown error, which is what a CI log needs to be diagnosable without re-running anything.
 */
import { spawn } from 'node:child_process';

/** How a helper command ended, with its combined stdout and stderr. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Options for {@link runCommand}. */
export interface RunCommandOptions {
  /** Text written to the command's stdin (then stdin is closed). */
  input?: string;
  /** Extra environment variables, merged over this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Kill the command with SIGKILL after this long; the result then carries the signal. */
  timeoutMs?: number;
}

/**
 * Run `command args` to completion and resolve with its exit status and combined output. It never rejects for
 * a non-zero exit (callers decide what failure means); it rejects only when the command cannot be started at
 * all, e.g. when the binary is missing, with an error that names the command.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output: Buffer.concat(chunks).toString('utf8') });
    });
    // A command that exits without reading stdin makes our write fail with EPIPE; its exit status says more.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** The last `count` non-empty lines of `text`, for quoting a command's output in an error message. */
export function tailLines(text: string, count = 30): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.slice(-count).join('\n');
}
