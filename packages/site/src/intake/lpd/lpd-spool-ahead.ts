/**
 * Spool-ahead for data files that arrive before their control file (RFC 1179 allows either order; the CUPS lpd
 * backend's `order=data,control` and many printers' clients send data first).
 *
 * Until the control file is known we do not know the queue's job, its owner or its name, so the core cannot be
 * asked to take the document yet, and a 600 MB document must not sit in memory. Such a data file is streamed to
 * a private temporary file (mode 0600) and handed to the core once the control file arrives. Every file is
 * removed when it has been submitted, and whatever is left is removed when the connection ends, whatever the
 * reason (completion, error, timeout, abort, shutdown). Files a crash left behind are swept at start-up by
 * {@link removeOrphanedSpoolAheadFiles}.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const FILE_PREFIX = 'lpd-';
const FILE_SUFFIX = '.tmp';

/**
 * Remove spool-ahead files left by a crashed process. Only safe before the listener accepts connections, and
 * only in a directory no other listener uses; returns how many were removed.
 */
export async function removeOrphanedSpoolAheadFiles(dir: string): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const orphans = names.filter((name) => name.startsWith(FILE_PREFIX) && name.endsWith(FILE_SUFFIX));
  await Promise.all(orphans.map((name) => rm(path.join(dir, name), { force: true })));
  return orphans.length;
}

/** A data file kept on disk until its control file arrives. */
export interface SpooledDataFile {
  name: string;
  path: string;
  sizeBytes: number;
}

/** The spooled-ahead data files of one connection. */
export class LpdSpoolAhead {
  private readonly files = new Map<string, SpooledDataFile>();

  constructor(private readonly dir: string) {}

  /** How many data files wait for a control file. */
  get count(): number {
    return this.files.size;
  }

  /** Whether a data file of this name waits for its control file. */
  has(name: string): boolean {
    return this.files.has(name);
  }

  /**
   * Stream `source` into a new temporary file kept under `name`; a data file sent twice under one name
   * replaces the first. On failure the partial file is removed and the error rethrown.
   */
  async store(name: string, source: AsyncIterable<Buffer>): Promise<SpooledDataFile> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const filePath = path.join(this.dir, `${FILE_PREFIX}${randomUUID()}${FILE_SUFFIX}`);
    let sizeBytes = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const chunk of source) {
        sizeBytes += chunk.length;
        yield chunk;
      }
    }
    // Open before streaming: createWriteStream opens lazily, so after an early source error its open could
    // complete after the cleanup below and leave the file behind.
    const handle = await open(filePath, 'wx', 0o600);
    try {
      await pipeline(counted(), handle.createWriteStream());
    } catch (err) {
      await handle.close().catch(() => undefined);
      await rm(filePath, { force: true });
      throw err;
    }
    await this.remove(name);
    const file: SpooledDataFile = { name, path: filePath, sizeBytes };
    this.files.set(name, file);
    return file;
  }

  /** A stream of the spooled file, for the core to read. */
  open(name: string): Readable | null {
    const file = this.files.get(name);
    return file === undefined ? null : createReadStream(file.path);
  }

  /** Remove one spooled file (after it has been submitted or refused). */
  async remove(name: string): Promise<void> {
    const file = this.files.get(name);
    if (file === undefined) return;
    this.files.delete(name);
    await rm(file.path, { force: true });
  }

  /** Remove every spooled file; returns the names that were never claimed by a control file. */
  async removeAll(): Promise<string[]> {
    const names = [...this.files.keys()];
    await Promise.all(names.map((name) => this.remove(name)));
    return names;
  }
}
