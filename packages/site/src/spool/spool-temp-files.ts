/**
 * Temp files made ahead of need. Creating a file is a journal update, and on a spool busy with fsyncs it can wait
 * for the file system's running commit: a CPU profile of the intake under load showed the event loop blocked in
 * open(2) for a fifth of its time. A few empty temp files are kept open in reserve, made on the thread pool, so
 * a job takes one at once and that wait is off its path. Reserved files live in `tmp/` like any partial upload:
 * after a crash, start-up recovery removes them with the rest.
 */
import { close, open, unlink } from 'node:fs';
import path from 'node:path';
import { ErrorCode, newId, QuireError } from '@quire/common';
import { TEMP_EXTENSION } from './spool-layout';

/** An empty temp file, open for writing. */
export interface TempFile {
  fd: number;
  /** Absolute path. */
  file: string;
}

interface Waiter {
  resolve(file: TempFile): void;
  reject(err: unknown): void;
}

/** How many empty temp files are kept ready. */
export const TEMP_FILE_RESERVE = 16;

/** A reserve of open, empty temp files in one directory; see the file comment. */
export class TempFileReserve {
  private readonly ready: TempFile[] = [];
  private readonly waiters: Waiter[] = [];
  /** Names of files being created: on disk already, so a directory listing must not take them for leftovers. */
  private readonly making = new Set<string>();
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly size = TEMP_FILE_RESERVE,
  ) {}

  /** An empty temp file for one document; the reserve makes another in the background. */
  take(): Promise<TempFile> {
    if (this.closed) return Promise.reject(new QuireError(ErrorCode.NotReady, 'The spool is closed'));
    const file = this.ready.pop();
    const taken = file
      ? Promise.resolve(file)
      : new Promise<TempFile>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.refill();
    return taken;
  }

  /** True when `name` (a file name in the directory) is a reserved file that no job has taken yet. */
  holds(name: string): boolean {
    if (this.making.has(name)) return true;
    return this.ready.some((file) => path.basename(file.file) === name);
  }

  /** Close and delete the files still in reserve; later `take` calls are refused. */
  close(): void {
    this.closed = true;
    for (const { fd, file } of this.ready.splice(0)) this.discard(fd, file);
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new QuireError(ErrorCode.NotReady, 'The spool is closed'));
    }
  }

  private refill(): void {
    while (!this.closed && this.ready.length + this.making.size < this.size + this.waiters.length) {
      this.make();
    }
  }

  /** Make one temp file; it goes to the oldest waiter, else into the reserve. A failure goes to a waiter. */
  private make(): void {
    const name = `${newId()}${TEMP_EXTENSION}`;
    const file = path.join(this.dir, name);
    this.making.add(name);
    open(file, 'wx', 0o640, (err, fd) => {
      this.making.delete(name);
      if (err) {
        this.waiters.shift()?.reject(err);
        return;
      }
      if (this.closed) return this.discard(fd, file);
      const waiter = this.waiters.shift();
      if (waiter) return waiter.resolve({ fd, file });
      this.ready.push({ fd, file });
    });
  }

  private discard(fd: number, file: string): void {
    close(fd, () => unlink(file, () => undefined));
  }
}
