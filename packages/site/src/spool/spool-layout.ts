/**
 * Where things live inside the spool directory, and the durable-directory helpers the writer needs.
 *
 * Layout:
 * - `tmp/<uuid>.part`: a document while it streams in, or an empty file kept in reserve for the next one
 *   (spool-temp-files.ts). Anything left here at start-up is from before a crash and is removed.
 * - `jobs/<yyyy>/<mm>/<job id>.prn`: a complete, fsynced document, filed under the UTC month it was received.
 *   Months keep each directory to a bounded size on a busy site, and make the retention purge (a later scheduler
 *   task) a walk over old months rather than over every file. UUIDv7 job ids are time-ordered, so the name alone
 *   never collides. The job row stores this path relative to the spool directory, so the layout can change
 *   later without rewriting rows.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, isUuid, QuireError } from '@quire/common';

/** Sub-directory for documents that are still streaming in. */
export const TEMP_DIR = 'tmp';
/** Sub-directory for complete documents. */
export const DOCUMENTS_DIR = 'jobs';
/** Extension of a document still streaming in. */
export const TEMP_EXTENSION = '.part';
/** Extension of a complete document. */
export const DOCUMENT_EXTENSION = '.prn';

/** The final path (relative to the spool directory) of a job's document received at `receivedAt`. */
export function documentPathFor(jobId: string, receivedAt: Date): string {
  const year = String(receivedAt.getUTCFullYear());
  const month = String(receivedAt.getUTCMonth() + 1).padStart(2, '0');
  return path.join(DOCUMENTS_DIR, year, month, `${jobId}${DOCUMENT_EXTENSION}`);
}

/** The job id a document file name stands for, or null when the name is not one the spool writes. */
export function jobIdOfDocument(fileName: string): string | null {
  if (!fileName.endsWith(DOCUMENT_EXTENSION)) return null;
  const id = path.basename(fileName, DOCUMENT_EXTENSION);
  return isUuid(id) ? id : null;
}

/**
 * The absolute path of `relativePath` inside `spoolDir`. Refuses paths that would leave the spool directory,
 * because spool paths come from DB rows and a tampered row must not let a purge delete files elsewhere.
 */
export function resolveInSpool(spoolDir: string, relativePath: string): string {
  const root = path.resolve(spoolDir);
  const absolute = path.resolve(root, relativePath);
  if (path.isAbsolute(relativePath) || !absolute.startsWith(root + path.sep)) {
    throw new QuireError(
      ErrorCode.SpoolFailed,
      `Spool path "${relativePath}" is outside the spool directory`,
    );
  }
  return absolute;
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Per directory: the fsync running now, and the one queued behind it (shared by every caller that asks meanwhile). */
const directorySyncs = new Map<string, { running: Promise<void>; next: Promise<void> | null }>();

/**
 * fsync a directory, so the entries created or renamed in it survive a power loss. Concurrent callers share
 * fsyncs: a caller arriving while one runs waits for the next one, which starts after it and so covers every
 * entry changed before the caller asked; all callers arriving meanwhile share that same next fsync.
 */
export function syncDirectory(dir: string): Promise<void> {
  const state = directorySyncs.get(dir);
  if (!state) {
    const running = fsyncDirectory(dir).finally(() => advance(dir));
    directorySyncs.set(dir, { running, next: null });
    return running;
  }
  state.next ??= state.running.catch(() => undefined).then(() => fsyncDirectory(dir));
  return state.next;
}

function advance(dir: string): void {
  const state = directorySyncs.get(dir);
  if (!state) return;
  if (state.next) {
    const running = state.next.finally(() => advance(dir));
    directorySyncs.set(dir, { running, next: null });
  } else {
    directorySyncs.delete(dir);
  }
}

/**
 * Creates directories below a root so that their entries are durable: whenever `mkdir` creates a level, every
 * directory from the root down to the new leaf's parent is fsynced. Directories known to exist are remembered,
 * so the common case (this month's directory already there) costs no system call.
 */
export class DurableDirectories {
  private readonly known = new Set<string>();

  constructor(private readonly root: string) {}

  /** Make sure `relativeDir` exists below the root, durably; returns its absolute path. */
  async ensure(relativeDir: string): Promise<string> {
    const absolute = path.resolve(this.root, relativeDir);
    if (this.known.has(absolute)) return absolute;
    const firstCreated = await mkdir(absolute, { recursive: true, mode: 0o750 });
    if (firstCreated !== undefined) {
      for (let dir = path.dirname(absolute); ; dir = path.dirname(dir)) {
        await syncDirectory(dir);
        if (dir === path.dirname(firstCreated) || dir === path.dirname(dir)) break;
      }
    }
    this.known.add(absolute);
    return absolute;
  }
}
