/**
 * The spool directory as the rest of the site sees it: write a job's document (durably, see spool-writer.ts),
 * find it, open it for reading (release, analysis), delete it (purge, or a submission that failed to commit),
 * and list what is on disk for start-up recovery. Paths handed in and out are relative to the spool directory,
 * the form job rows store.
 */
import { type ReadStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Readable } from 'node:stream';
import { describeError, ErrorCode, QuireError } from '@quire/common';
import { DOCUMENTS_DIR, DurableDirectories, resolveInSpool, TEMP_DIR, TEMP_EXTENSION } from './spool-layout';
import { TempFileReserve } from './spool-temp-files';
import { type SpooledDocument, writeSpoolDocument } from './spool-writer';

/** How a document is received: when (its month directory) and the size limit to enforce while streaming. */
export interface SpoolWriteOptions {
  receivedAt: Date;
  maxSizeMb: number;
}

/** The site's spool directory. */
export class SpoolStore {
  private readonly directories: DurableDirectories;
  private readonly tempFiles: TempFileReserve;

  constructor(readonly dir: string) {
    this.directories = new DurableDirectories(dir);
    this.tempFiles = new TempFileReserve(path.join(dir, TEMP_DIR));
  }

  /** Create the spool's sub-directories if missing; call once at start-up, before any write. */
  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o750 });
    await this.directories.ensure(TEMP_DIR);
    await this.directories.ensure(DOCUMENTS_DIR);
  }

  /** Stream a job's document into the spool; see `writeSpoolDocument` for the guarantees and errors. */
  write(jobId: string, source: Readable, options: SpoolWriteOptions): Promise<SpooledDocument> {
    return writeSpoolDocument(source, {
      spoolDir: this.dir,
      directories: this.directories,
      tempFiles: this.tempFiles,
      jobId,
      receivedAt: options.receivedAt,
      maxSizeMb: options.maxSizeMb,
    });
  }

  /** True when `name` (in `tmp/`) is an empty file this process keeps in reserve, not a job's upload. */
  isReservedTempFile(name: string): boolean {
    return this.tempFiles.holds(name);
  }

  /** Release the temp files kept in reserve; writes after this are refused. */
  close(): void {
    this.tempFiles.close();
  }

  /** The absolute path of a stored document (refusing paths outside the spool). */
  absolutePath(relativePath: string): string {
    return resolveInSpool(this.dir, relativePath);
  }

  /** True when the document is on disk. */
  async exists(relativePath: string): Promise<boolean> {
    try {
      return (await stat(this.absolutePath(relativePath))).isFile();
    } catch {
      return false;
    }
  }

  /** Open a stored document for streaming; SPOOL_FAILED naming the path when it cannot be opened. */
  async openRead(relativePath: string): Promise<ReadStream> {
    const file = this.absolutePath(relativePath);
    try {
      // Opened first so a missing file is an error here, not a late 'error' event on the stream.
      const handle = await open(file, 'r');
      return handle.createReadStream();
    } catch (err) {
      const message = `Cannot read spool file ${relativePath}: ${describeError(err)}`;
      throw new QuireError(ErrorCode.SpoolFailed, message, { cause: err });
    }
  }

  /** Delete a stored document; false when it was already gone. */
  async remove(relativePath: string): Promise<boolean> {
    const file = this.absolutePath(relativePath);
    try {
      await rm(file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * Remove every leftover `tmp/*.part` file (partial uploads and unused reserved files from before a crash, never
   * this process's own reserve); returns their names.
   */
  async removeTempFiles(): Promise<string[]> {
    const tempDir = path.join(this.dir, TEMP_DIR);
    const removed: string[] = [];
    for (const entry of await readdir(tempDir, { withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(TEMP_EXTENSION)) continue;
      if (this.isReservedTempFile(entry.name)) continue;
      await rm(path.join(tempDir, entry.name), { force: true });
      removed.push(path.join(TEMP_DIR, entry.name));
    }
    return removed;
  }

  /** Every file below `jobs/`, as paths relative to the spool directory, depth first. */
  async *documentFiles(): AsyncGenerator<string> {
    yield* this.walk(DOCUMENTS_DIR);
  }

  private async *walk(relativeDir: string): AsyncGenerator<string> {
    const entries = await readdir(path.join(this.dir, relativeDir), { withFileTypes: true });
    for (const entry of entries) {
      const relative = path.join(relativeDir, entry.name);
      if (entry.isDirectory()) yield* this.walk(relative);
      else if (entry.isFile()) yield relative;
    }
  }
}
