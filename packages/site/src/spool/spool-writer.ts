/**
 * Streams one document into the spool durably, with bounded memory.
 *
 * The bytes go `source → meter → temp file`: the meter counts, hashes (sha256) and keeps the first 64 KiB (the
 * head, used for user detection from PJL and later for PDL sniffing), and refuses the job as soon as it grows
 * past the size limit. Back-pressure flows end to end through `pipe`/`pipeline`, so a 2 GB job holds no more
 * than a few stream buffers in memory. Once the source has ended, the file is fsynced, renamed to its final
 * path, and that directory is fsynced: only then does the promise resolve, and only then may the caller commit
 * the job row (and after that, acknowledge the client).
 *
 * On any failure (too large, the client went away, the source errored, disk full) the temp file is removed and
 * the promise rejects with a QuireError: JOB_TOO_LARGE, SPOOL_FAILED, or the source's own QuireError. The source
 * is unpiped but never destroyed: the front-end decides whether to answer with a protocol error first (IPP needs
 * the connection for its response) or to close the connection.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { finished, Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeError, ErrorCode, isQuireError, QuireError } from '@quire/common';
import { documentPathFor, syncDirectory, tempPathFor, type DurableDirectories } from './spool-layout';

/** How much of the start of a document is kept in memory for detection and analysis. */
export const HEAD_BYTES = 64 * 1024;

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

/** Counts, hashes and keeps the head of the bytes passing through; errors once they exceed the limit. */
class DocumentMeter extends Transform {
  sizeBytes = 0;
  private readonly hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;

  constructor(private readonly maxSizeMb: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.sizeBytes += chunk.length;
    if (this.sizeBytes > this.maxSizeMb * 1024 * 1024) {
      callback(jobTooLargeError(this.maxSizeMb));
      return;
    }
    this.hash.update(chunk);
    if (this.headLength < HEAD_BYTES) {
      // Copied: some sources reuse their chunk buffers.
      const part = Buffer.from(chunk.subarray(0, HEAD_BYTES - this.headLength));
      this.headChunks.push(part);
      this.headLength += part.length;
    }
    callback(null, chunk);
  }

  digest(): { sha256: string; head: Buffer } {
    return { sha256: this.hash.digest('hex'), head: Buffer.concat(this.headChunks) };
  }
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
 * Create the temp file, exclusively. Waiting for it to be open before anything is read means a spool that
 * cannot take the file fails before the source is touched.
 */
async function openTempFile(file: string): Promise<WriteStream> {
  // `flush` fsyncs the file before it is closed, and the pipeline settles only after the close.
  const sink = createWriteStream(file, {
    flags: 'wx',
    mode: 0o640,
    flush: true,
    highWaterMark: WRITE_BUFFER_BYTES,
  });
  try {
    await once(sink, 'ready');
    return sink;
  } catch (err) {
    throw spoolError(err, 'create a spool file');
  }
}

/** Pipe `source` through `meter` into the temp file, honouring back-pressure; settles once it is fsynced. */
async function streamInto(source: Readable, meter: DocumentMeter, sink: WriteStream): Promise<void> {
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

/** Move the complete temp file to its final path durably; returns that path relative to the spool. */
async function publish(request: SpoolWriteRequest, tempFile: string): Promise<string> {
  const relativePath = documentPathFor(request.jobId, request.receivedAt);
  const finalFile = path.join(request.spoolDir, relativePath);
  try {
    const dir = await request.directories.ensure(path.dirname(relativePath));
    await rename(tempFile, finalFile);
    await syncDirectory(dir);
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
  const tempFile = path.join(request.spoolDir, tempPathFor(request.jobId));
  const sink = await openTempFile(tempFile);
  const meter = new DocumentMeter(request.maxSizeMb);
  try {
    await streamInto(source, meter, sink);
  } catch (err) {
    sink.destroy();
    await rm(tempFile, { force: true }).catch(() => undefined);
    throw spoolError(err, 'write the job to the spool');
  }
  const relativePath = await publish(request, tempFile);
  return { relativePath, sizeBytes: meter.sizeBytes, ...meter.digest() };
}
