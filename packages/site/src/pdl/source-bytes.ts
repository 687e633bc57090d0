/**
 * How the analysers get at a job's bytes. Most jobs are small (a few pages, well under a megabyte), and for them
 * the fixed cost of file I/O dwarfed the parsing: every asynchronous read, open, stat and close is a round trip
 * to libuv's thread pool, and the analysis used to open the file up to four times (head, UEL scan, each part's
 * head, the analyser). So a small file is read whole, once, with synchronous calls — the analysis runs on a
 * worker thread (or in the CLI), where blocking for a fraction of a millisecond harms nobody — and every reader
 * below serves slices of that buffer. A large file is never held whole: it is streamed in bounded chunks as
 * before, so memory stays flat whatever its size.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import type { PdlSource } from './pdl-types';

/** Files up to this size are read whole (when the memory budget allows it); larger ones are streamed. */
export const WHOLE_FILE_MAX_BYTES = 4 * 1024 * 1024;

/** A spool file as the job analysis first reads it. */
export interface SpoolFile {
  size: number;
  /** The first bytes of the file (at most the head size asked for), for detection and the PJL header. */
  head: Buffer;
  /** The whole file when it was small enough to read at once; null when it must be streamed. */
  bytes: Buffer | null;
}

/** Fill `buffer` from `position` with synchronous reads; returns the bytes read (fewer at the end of the file). */
function readFully(fd: number, buffer: Buffer, position: number): number {
  let filled = 0;
  while (filled < buffer.length) {
    const count = readSync(fd, buffer, filled, buffer.length - filled, position + filled);
    if (count === 0) break;
    filled += count;
  }
  return filled;
}

/**
 * Open the spool file once and read either all of it (when it has at most `wholeMaxBytes`) or its first
 * `headBytes`. Synchronous: for worker threads and command-line tools only. Throws for I/O errors.
 */
export function readSpoolFile(path: string, headBytes: number, wholeMaxBytes: number): SpoolFile {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size <= wholeMaxBytes) {
      const bytes = Buffer.allocUnsafe(size);
      const filled = readFully(fd, bytes, 0);
      // A file that shrank while being read is analysed as it was read.
      const whole = filled === size ? bytes : bytes.subarray(0, filled);
      return { size: whole.length, head: whole.subarray(0, headBytes), bytes: whole };
    }
    const head = Buffer.allocUnsafe(Math.min(headBytes, size));
    const filled = readFully(fd, head, 0);
    return { size, head: head.subarray(0, filled), bytes: null };
  } finally {
    closeSync(fd);
  }
}

/** The source's bytes held in memory, clipped to what the buffer has; null when the source is on disk only. */
export function sourceBytes(source: PdlSource): Buffer | null {
  const { bytes } = source;
  if (!bytes) return null;
  const start = Math.max(0, Math.min(source.offset, bytes.length));
  return bytes.subarray(start, Math.max(start, Math.min(source.offset + source.length, bytes.length)));
}

/**
 * The source's bytes in order, in chunks of at most `chunkSize`: slices of the buffer when the file was read
 * whole (no copy), else fresh buffers streamed from disk. A file shorter than `source.length` simply ends early;
 * callers compare what they received with the length.
 */
export async function* sourceChunks(source: PdlSource, chunkSize: number): AsyncGenerator<Buffer> {
  if (source.length <= 0) return;
  const held = sourceBytes(source);
  if (held) {
    for (let at = 0; at < held.length; at += chunkSize) yield held.subarray(at, at + chunkSize);
    return;
  }
  const stream = createReadStream(source.path, {
    start: source.offset,
    end: source.offset + source.length - 1,
    highWaterMark: chunkSize,
  });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  } finally {
    stream.destroy();
  }
}
