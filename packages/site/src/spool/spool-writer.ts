/**
 * Streams one document into the spool durably, with bounded memory.
 *
 * Every byte passes a meter that counts, hashes (sha256) and keeps the first 64 KiB (the head, used for user
 * detection from PJL and later for PDL sniffing), and refuses the job as soon as it grows past the size limit.
 * The temp file (made ahead of need, spool-temp-files.ts) is taken before the first byte is read. Then:
 * - a small document (up to SMALL_DOCUMENT_BYTES, most print jobs) is gathered in memory and written with one
 *   system call on the event loop (the page cache takes it in microseconds), then renamed to its final path and
 *   fsynced on the thread pool together with that directory (see `publish`);
 * - a larger one streams `source → meter → file` with back-pressure end to end (`pipe`/`pipeline`), so a 2 GB
 *   job holds no more than a few stream buffers in memory, and is fsynced before the file is closed.
 * A large document, once durable, is renamed to its final path and that directory is fsynced (shared by
 * concurrent jobs). Either way the promise resolves only once file and directory entry are durable, and only
 * then may the caller commit the job row (and after that, acknowledge the client).
 *
 * On any failure (too large, the client went away, the source errored, disk full) the temp file is removed and
 * the promise rejects with a QuireError: JOB_TOO_LARGE, SPOOL_FAILED, or the source's own QuireError. The source
 * is unpiped but never destroyed: the front-end decides whether to answer with a protocol error first (IPP needs
 * the connection for its response) or to close the connection.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  createWriteStream,
  fsync,
  renameSync,
  writeSync,
  writevSync,
  type WriteStream,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { finished, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeError, ErrorCode, isQuireError, QuireError } from '@quire/common';
import { documentPathFor, syncDirectory, type DurableDirectories } from './spool-layout';
import { type TempFileReserve } from './spool-temp-files';

/** How much of the start of a document is kept in memory for detection and analysis. */
export const HEAD_BYTES = 64 * 1024;

/** Documents up to this size are gathered in memory and written at once (see the file comment). */
export const SMALL_DOCUMENT_BYTES = 256 * 1024;

// Large enough to let the kernel write in big runs; small enough that RSS stays flat.
const WRITE_BUFFER_BYTES = 1024 * 1024;

/** A document safely in the spool. */
export interface SpooledDocument {
  /** Path relative to the spool directory (what the job row stores). */
  relativePath: string;
  sizeBytes: number;
  /** Lower-case hex SHA-256 of the whole document. */
  sha256: string;
  /** The first {@link HEAD_BYTES} bytes (fewer for a smaller document). */
  head: Buffer;
}

/** What {@link writeSpoolDocument} needs to know about the document it stores. */
export interface SpoolWriteRequest {
  spoolDir: string;
  directories: DurableDirectories;
  /** Where the document's temp file comes from (made ahead of need). */
  tempFiles: TempFileReserve;
  jobId: string;
  /** Files the document under this month. */
  receivedAt: Date;
  /** The `jobs.maxSizeMb` limit, in MiB. */
  maxSizeMb: number;
}

/** The JOB_TOO_LARGE error, naming the limit and the setting that raises it. */
export function jobTooLargeError(maxSizeMb: number): QuireError {
  return new QuireError(
    ErrorCode.JobTooLarge,
    `The job is larger than the ${maxSizeMb} MiB limit (jobs.maxSizeMb); an administrator can raise it with QUIRE_JOBS_MAX_SIZE_MB`,
    { details: { maxSizeMb } },
  );
}

/** Counts, hashes and keeps the head of the bytes it is shown; refuses them once they exceed the limit. */
class DocumentMeter {
  sizeBytes = 0;
  private readonly hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;

  constructor(private readonly maxSizeMb: number) {}

  /** Account for `chunk`: JOB_TOO_LARGE once the document crosses the limit. */
  take(chunk: Buffer): QuireError | null {
    this.sizeBytes += chunk.length;
    if (this.sizeBytes > this.maxSizeMb * 1024 * 1024) return jobTooLargeError(this.maxSizeMb);
    this.hash.update(chunk);
    if (this.headLength < HEAD_BYTES) {
      // Copied: some sources reuse their chunk buffers.
      const part = Buffer.from(chunk.subarray(0, HEAD_BYTES - this.headLength));
      this.headChunks.push(part);
      this.headLength += part.length;
    }
    return null;
  }

  digest(): { sha256: string; head: Buffer } {
    return { sha256: this.hash.digest('hex'), head: Buffer.concat(this.headChunks) };
  }
}

/** The meter as a stream stage, for documents that stream to disk. */
function meterStage(meter: DocumentMeter): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      const refused = meter.take(chunk);
      if (refused) callback(refused);
      else callback(null, chunk);
    },
  });
}

/** The error a failed or vanished source turns into: its own QuireError, else SPOOL_FAILED saying what happened. */
function sourceFailure(err: Error): QuireError {
  if (isQuireError(err)) return err;
  const premature = (err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE';
  const message = premature
    ? 'The client disconnected before sending the whole document'
    : `Receiving the document failed: ${describeError(err)}`;
  return new QuireError(ErrorCode.SpoolFailed, message, { cause: err });
}

/** Any failure as the QuireError the caller gets: domain errors pass, I/O errors become SPOOL_FAILED. */
function spoolError(err: unknown, doing: string): QuireError {
  if (isQuireError(err)) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code === 'ENOSPC' ? 'the spool file system is full' : describeError(err);
  return new QuireError(ErrorCode.SpoolFailed, `Could not ${doing}: ${reason}`, { cause: err });
}

/**
 * A temp file for the document, taken before anything is read, so a spool that cannot take the file fails
 * before the source is touched.
 */
async function takeTempFile(tempFiles: TempFileReserve) {
  try {
    return await tempFiles.take();
  } catch (err) {
    throw spoolError(err, 'create a spool file');
  }
}

/** What was read of the source before it ended or grew past SMALL_DOCUMENT_BYTES. */
interface DocumentStart {
  chunks: Buffer[];
  complete: boolean;
}

/**
 * Read the source through the meter until it ends (complete) or holds more than `limit` bytes (the source is
 * then left paused, for streaming). Rejects with JOB_TOO_LARGE, or with the source's failure.
 */
function readStart(source: Readable, meter: DocumentMeter, limit: number): Promise<DocumentStart> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (outcome: () => void) => {
      source.off('data', onData);
      source.off('end', onEnd);
      stopWatching();
      outcome();
    };
    const onData = (chunk: Buffer) => {
      const refused = meter.take(chunk);
      chunks.push(chunk);
      size += chunk.length;
      if (refused || size > limit) source.pause();
      if (refused) settle(() => reject(refused));
      else if (size > limit) settle(() => resolve({ chunks, complete: false }));
    };
    const onEnd = () => settle(() => resolve({ chunks, complete: true }));
    const stopWatching = finished(source, { writable: false }, (err) => {
      if (err) settle(() => reject(sourceFailure(err)));
    });
    if (source.readableEnded) {
      onEnd();
      return;
    }
    source.on('data', onData);
    source.on('end', onEnd);
  });
}

/** Write a whole small document with one system call (the page cache takes it in microseconds). */
function writeAllSync(fd: number, chunks: Buffer[]): void {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const written = chunks.length > 0 ? writevSync(fd, chunks) : 0;
  if (written < total) {
    // A short write (rare on a regular file): write the rest from one buffer.
    const rest = Buffer.concat(chunks).subarray(written);
    for (let offset = 0; offset < rest.length;) offset += writeSync(fd, rest, offset);
  }
}

/** fsync on the thread pool. */
function fsyncFile(fd: number): Promise<void> {
  return new Promise<void>((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/** Write what was read so far, then stream the rest of the source into the file; settles once it is fsynced. */
async function streamRest(
  fd: number,
  start: Buffer[],
  source: Readable,
  meter: DocumentMeter,
): Promise<void> {
  // `flush` fsyncs the file before it is closed, and the pipeline settles only after the close.
  const sink = createWriteStream('', { fd, flush: true, highWaterMark: WRITE_BUFFER_BYTES });
  for (const chunk of start) sink.write(chunk);
  try {
    await streamInto(source, meterStage(meter), sink);
  } catch (err) {
    sink.destroy();
    throw err;
  }
}

/** Pipe `source` through `meter` into the temp file, honouring back-pressure; settles once it is fsynced. */
async function streamInto(source: Readable, meter: Transform, sink: WriteStream): Promise<void> {
  const stopWatching = finished(source, { writable: false }, (err) => {
    if (err) meter.destroy(sourceFailure(err));
  });
  try {
    const written = pipeline(meter, sink);
    if (source.readableEnded) meter.end();
    else source.pipe(meter);
    await written;
  } finally {
    stopWatching();
    source.unpipe(meter);
  }
}

/**
 * Move the complete temp file to its final path durably; returns that path relative to the spool. `fd`, when
 * given, is the file's own descriptor, still to be fsynced: that fsync and the directory's run together after the
 * rename, so a journalling file system covers both with one commit instead of two in a row (under load each
 * commit is a wait of milliseconds). Renaming before the data is durable is safe because the job row, committed
 * only after this resolves, is what makes a document part of a job: recovery deletes a document without one.
 */
async function publish(request: SpoolWriteRequest, tempFile: string, fd?: number): Promise<string> {
  const relativePath = documentPathFor(request.jobId, request.receivedAt);
  const finalFile = path.join(request.spoolDir, relativePath);
  try {
    const dir = await request.directories.ensure(path.dirname(relativePath));
    // A rename is a metadata change the kernel makes in microseconds; no reason to leave the event loop for it.
    renameSync(tempFile, finalFile);
    await Promise.all([fd === undefined ? undefined : fsyncFile(fd), syncDirectory(dir)]);
    return relativePath;
  } catch (err) {
    await rm(tempFile, { force: true }).catch(() => undefined);
    await rm(finalFile, { force: true }).catch(() => undefined);
    throw spoolError(err, 'move the job into the spool');
  }
}

/**
 * Stream `source` into the spool as the document of job `request.jobId`. Resolves once the document is fsynced
 * under its final name; rejects (leaving nothing behind) on any failure. See the file comment.
 */
export async function writeSpoolDocument(
  source: Readable,
  request: SpoolWriteRequest,
): Promise<SpooledDocument> {
  const { fd, file: tempFile } = await takeTempFile(request.tempFiles);
  const meter = new DocumentMeter(request.maxSizeMb);
  let small = true;
  try {
    const start = await readStart(source, meter, SMALL_DOCUMENT_BYTES);
    if (start.complete) {
      writeAllSync(fd, start.chunks);
    } else {
      small = false; // the write stream fsyncs and closes it, whatever happens
      await streamRest(fd, start.chunks, source, meter);
    }
  } catch (err) {
    if (small) closeSync(fd);
    await rm(tempFile, { force: true }).catch(() => undefined);
    throw spoolError(err, 'write the job to the spool');
  }
  try {
    const relativePath = await publish(request, tempFile, small ? fd : undefined);
    return { relativePath, sizeBytes: meter.sizeBytes, ...meter.digest() };
  } finally {
    if (small) closeSync(fd);
  }
}
