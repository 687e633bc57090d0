/**
 * The prolog cache's store: snapshots of the analyser's state, each keyed by the exact bytes of the program
 * stretch it stands in for (postscript-prolog-feeder.ts says how they are taken and used, and why that is exact).
 *
 * Jobs from one driver start with the same prolog (ghostscript's ps2write: 165 KB, the same in every job of a
 * version) and then differ: the fonts and objects of the job, its pages. Where the common part ends cannot be
 * told from one job, so a job that finds no snapshot leaves the head of its program here; the next job of the
 * same kind that shares a long enough head with it is told where to take a snapshot: at the start of the last
 * DSC comment line (`\n%%`) inside the part they share. Later jobs whose program starts with exactly those bytes
 * restore it instead of running that part.
 *
 * Memory is bounded: a few snapshots (least recently used goes first), a few heads, at most
 * {@link MAX_PROLOG_BYTES} bytes per key or head; the feeder bounds each snapshot's size.
 */

/** Snapshots kept; the least recently used is dropped first. */
const MAX_ENTRIES = 4;
/** Heads of recent jobs kept, to find the next job's common part. */
const MAX_HEADS = 4;
/** The longest stretch a snapshot stands in for, and the bytes kept of a recent job's head. */
export const MAX_PROLOG_BYTES = 512 * 1024;
/** A shorter common stretch is not worth a snapshot. */
export const MIN_PROLOG_BYTES = 16 * 1024;
/** Bytes compared at once when looking for where two heads part. */
const COMPARE_BLOCK = 4096;
/** A DSC comment line's start, with the line end before it. */
const COMMENT_LINE = Buffer.from('\n%%', 'latin1');

/** One snapshot: the program stretch it stands in for is `key` up to `checkpoint`, where the state was taken. */
export interface PrologEntry<T> {
  context: string;
  /** The stretch, and the `%%` that starts the comment line at the checkpoint. */
  key: Buffer;
  checkpoint: number;
  snapshot: T;
}

interface Head {
  context: string;
  bytes: Buffer;
}

/** How many leading bytes `a` and `b` share. */
export function commonPrefixLength(a: Buffer, b: Buffer): number {
  const length = Math.min(a.length, b.length);
  let at = 0;
  while (at < length) {
    const end = Math.min(length, at + COMPARE_BLOCK);
    if (!a.subarray(at, end).equals(b.subarray(at, end))) break;
    at = end;
  }
  while (at < length && a[at] === b[at]) at += 1;
  return at;
}

/**
 * The checkpoint for a stretch of `program` whose first `shared` bytes another job shares: the start of the last
 * line that begins with `%%`, after a line feed, with the `%%` inside the shared part; -1 when there is none past
 * {@link MIN_PROLOG_BYTES}.
 */
export function checkpointWithin(program: Buffer, shared: number): number {
  if (shared < COMMENT_LINE.length) return -1;
  const lineEnd = program.lastIndexOf(COMMENT_LINE, shared - COMMENT_LINE.length);
  return lineEnd + 1 >= MIN_PROLOG_BYTES ? lineEnd + 1 : -1;
}

/** See the file comment. `T` is the snapshot the feeder takes. */
export class PrologCache<T> {
  private readonly entries: PrologEntry<T>[] = [];
  private readonly heads: Head[] = [];

  /** The snapshot for a program starting `program` in `context` (the settings it ran under), if one is kept. */
  lookup(context: string, program: Buffer): PrologEntry<T> | null {
    const index = this.entries.findIndex(
      (entry) =>
        entry.context === context &&
        program.length >= entry.key.length &&
        program.subarray(0, entry.key.length).equals(entry.key),
    );
    if (index < 0) return null;
    const [entry] = this.entries.splice(index, 1);
    this.entries.unshift(entry);
    return entry;
  }

  /**
   * Where to take a snapshot of a program no snapshot stands in for (see {@link checkpointWithin}), from the
   * heads of recent jobs in the same context; -1 for nowhere. Keeps the program's head for the jobs to come.
   */
  plan(context: string, program: Buffer): number {
    let shared = 0;
    for (const head of this.heads) {
      if (head.context === context) shared = Math.max(shared, commonPrefixLength(head.bytes, program));
    }
    this.heads.unshift({ context, bytes: Buffer.from(program.subarray(0, MAX_PROLOG_BYTES)) });
    if (this.heads.length > MAX_HEADS) this.heads.pop();
    return checkpointWithin(program, Math.min(shared, MAX_PROLOG_BYTES));
  }

  /** Keeps `snapshot`, taken at `checkpoint` (as {@link plan} gave it) of `program`. */
  store(context: string, program: Buffer, checkpoint: number, snapshot: T): void {
    const key = Buffer.from(program.subarray(0, checkpoint + 2));
    this.entries.unshift({ context, key, checkpoint, snapshot });
    if (this.entries.length > MAX_ENTRIES) this.entries.pop();
  }
}
