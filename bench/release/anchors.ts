/**
 * The anchors of the release benchmark: a plain copy of the same file to the same sink, in a process of its
 * own, so the sink's MB/s for Quire can be set against what this machine does without Quire. `socat` is the
 * C-level copy (read 1 MiB, write, repeat, half-close); the Node copy is `createReadStream().pipe(socket)`,
 * the ceiling of a Node sender such as Quire's raw driver. Neither is timed here: the sink stamps the bytes, as
 * it does for Quire.
 */
import path from 'node:path';
import { ensureDebianPackages, runCommand } from '@quire/testkit';

/** socat's read and write size: the same 1 MiB as Quire's spool reads, so both make the same number of writes. */
const SOCAT_BLOCK = 1024 * 1024;

/** Make sure `socat` is installed (Debian package `socat`). */
export async function ensureAnchorTools(): Promise<void> {
  await ensureDebianPackages(['socat']);
}

async function run(command: string, args: string[]): Promise<void> {
  const result = await runCommand(command, args, { timeoutMs: 60_000 });
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.code ?? result.signal}): ${result.output}`,
    );
}

/** Copy `file` to 127.0.0.1:`port` with socat, unidirectionally; resolves when socat has exited. */
export function socatCopy(file: string, port: number): Promise<void> {
  return run('socat', ['-u', '-b', String(SOCAT_BLOCK), `OPEN:${file},rdonly`, `TCP:127.0.0.1:${port}`]);
}

/** Copy `file` to 127.0.0.1:`port` with a Node child piping a read stream into a socket. */
export function nodeCopy(file: string, port: number): Promise<void> {
  return run(process.execPath, [path.join(__dirname, 'node-copy.js'), file, String(port)]);
}
