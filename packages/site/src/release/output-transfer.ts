/**
 * What the three output drivers share: sizing and streaming a spooled document (prefix, file from `skipBytes`,
 * suffix) into a socket or HTTP request with back-pressure, the TCP connect with its own timeout, the watchdog
 * that enforces the idle and total timeouts and the abort signal, and the mapping of socket errors to the three
 * failure reasons of `output-driver.ts`.
 *
 * Progress is measured from public socket counters (bytes the kernel accepted, bytes read), sampled a few
 * times per idle period, so a 1 MiB chunk costs no timer work and a stalled printer is noticed within about a
 * fifth of `idleMs` after the idle period ends.
 */
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import net from 'node:net';
import { type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, QuireError, describeError } from '@quire/common';
import {
  type OutputDocument,
  type OutputFailureReason,
  type OutputTarget,
  type OutputTimeouts,
  PrinterOutputError,
} from './output-driver';

/** Spool reads of 1 MiB: large enough that per-chunk overhead vanishes next to the copy itself. */
export const SPOOL_READ_CHUNK = 1024 * 1024;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
]);
const REFUSED_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * The number of bytes `document` puts on the wire (prefix + file from skipBytes + suffix). Checks the spool file
 * before any connection is made: a missing file or a `skipBytes` beyond its end is the spool's fault, not the
 * printer's, so it throws QuireError SPOOL_FAILED rather than a PrinterOutputError.
 */
export async function documentLength(document: OutputDocument): Promise<number> {
  let fileSize: number;
  try {
    fileSize = (await stat(document.path)).size;
  } catch (err) {
    throw new QuireError(
      ErrorCode.SpoolFailed,
      `cannot read spool file ${document.path}: ${describeError(err)}`,
      {
        cause: err,
      },
    );
  }
  const skip = document.skipBytes;
  if (!Number.isSafeInteger(skip) || skip < 0 || skip > fileSize) {
    throw new QuireError(
      ErrorCode.SpoolFailed,
      `cannot skip ${skip} bytes of spool file ${document.path}, which holds ${fileSize} bytes`,
    );
  }
  return document.prefix.length + (fileSize - skip) + document.suffix.length;
}

/** The error for a target handed to the wrong driver: a bug in the caller, not a printer failure. */
export function wrongProtocol(driver: string, target: OutputTarget): QuireError {
  return new QuireError(ErrorCode.Internal, `${driver} cannot send to a ${target.protocol} printer`);
}

async function writeChunk(destination: Writable, chunk: Buffer): Promise<void> {
  if (chunk.length > 0 && !destination.write(chunk)) await once(destination, 'drain');
}

/**
 * Write the prefix, the spool file from `skipBytes` and the suffix into `destination`, waiting for 'drain'
 * whenever it is full, without ending it (LPD and IPP send more after the document). Read errors on the spool
 * file surface as QuireError SPOOL_FAILED; write errors are left for the caller to map.
 */
export async function writeDocument(document: OutputDocument, destination: Writable): Promise<void> {
  await writeChunk(destination, document.prefix);
  const file = createReadStream(document.path, {
    start: document.skipBytes,
    highWaterMark: SPOOL_READ_CHUNK,
  });
  let readError: unknown;
  file.once('error', (err) => (readError = err));
  try {
    await pipeline(file, destination, { end: false });
  } catch (err) {
    if (readError === undefined) throw err;
    throw new QuireError(
      ErrorCode.SpoolFailed,
      `cannot read spool file ${document.path}: ${describeError(readError)}`,
      { cause: readError },
    );
  }
  await writeChunk(destination, document.suffix);
}

/**
 * Bytes the kernel accepted from `socket` plus bytes read from it: a number that grows exactly when the
 * printer makes progress. `bytesWritten` counts data still queued in Node, so the queue is taken off.
 */
export function socketProgress(socket: net.Socket): number {
  return socket.bytesWritten - socket.writableLength + socket.bytesRead;
}

/**
 * Map any error thrown while talking to a printer to a PrinterOutputError: refused connections and unknown
 * hosts are 'printer unreachable', resets and broken pipes 'refused', TCP-level timeouts 'timeout', and anything
 * else 'refused'. PrinterOutputErrors and QuireErrors (spool problems) pass through unchanged.
 */
export function toOutputError(err: unknown, where: string): Error {
  if (err instanceof PrinterOutputError || err instanceof QuireError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const text = describeError(err);
  let reason: OutputFailureReason = 'refused';
  if (UNREACHABLE_CODES.has(code)) reason = 'printer unreachable';
  else if (code === 'ETIMEDOUT') reason = 'timeout';
  const what = REFUSED_CODES.has(code) ? `${where} closed the connection (${text})` : `${where}: ${text}`;
  return new PrinterOutputError(reason, what, { cause: err });
}

/**
 * Enforces one send's timeouts. `totalMs` runs from construction; the idle watchdog runs from
 * {@link watchProgress}, except while held (connecting has its own `connectMs`); an abort of `signal` counts as a timeout, as the
 * contract says. On expiry every registered cleanup runs (destroying sockets), so the work in {@link run}
 * settles, and `run` rejects with the expiry error instead of the socket error that follows from it.
 */
export class SendGuard {
  private expiry: PrinterOutputError | undefined;
  private rejectExpired: (error: PrinterOutputError) => void = () => undefined;
  private readonly expired: Promise<never>;
  private readonly cleanups: (() => void)[] = [];
  private readonly totalTimer: NodeJS.Timeout;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleHolds = 0;
  private lastProgressAt = Date.now();
  private readonly onAbort = () => this.expire('the site is stopping, so the release was abandoned');

  constructor(
    private readonly timeouts: OutputTimeouts,
    private readonly signal: AbortSignal | undefined,
    /** Says how far the send got, for timeout messages ("12 of 40 bytes sent"). */
    private readonly progressNote: () => string,
  ) {
    this.expired = new Promise<never>((_, reject) => (this.rejectExpired = reject));
    this.expired.catch(() => undefined);
    this.totalTimer = setTimeout(
      () => this.expire(`the release took longer than ${timeouts.totalMs} ms`),
      timeouts.totalMs,
    );
    if (signal?.aborted) this.onAbort();
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Start (or restart with a new probe) the idle watchdog: `probe` must grow whenever the printer progresses. */
  watchProgress(probe: () => number): void {
    if (this.idleTimer) clearInterval(this.idleTimer);
    const idleMs = this.timeouts.idleMs;
    let last = probe();
    this.lastProgressAt = Date.now();
    this.idleTimer = setInterval(
      () => {
        const now = Date.now();
        const value = probe();
        if (value !== last || this.idleHolds > 0) {
          last = value;
          this.lastProgressAt = now;
        } else if (now - this.lastProgressAt >= idleMs) {
          this.expire(`the printer made no progress for ${idleMs} ms`);
        }
      },
      Math.min(1000, Math.max(10, Math.floor(idleMs / 5))),
    );
  }

  /**
   * Suspend the idle watchdog until the returned function is called: for waits that are not the printer's
   * silence (a connection being made, which `connectMs` bounds, or our own pause between requests).
   */
  holdIdle(): () => void {
    this.idleHolds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.idleHolds--;
      this.lastProgressAt = Date.now();
    };
  }

  /** Run `cleanup` when the send expires (at once if it already has). */
  onExpire(cleanup: () => void): void {
    if (this.expiry) cleanup();
    else this.cleanups.push(cleanup);
  }

  /** Resolve or reject as `work` does, unless the send expires first. */
  run<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.expired]).catch((err: unknown) => {
      throw this.expiry ?? err;
    });
  }

  /** Fail with `timeout` if the send has expired; for loops that sleep between requests. */
  check(): void {
    if (this.expiry) throw this.expiry;
  }

  /** A pause (not counted as idle) that ends early, with the expiry error, when the send expires. */
  sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const release = this.holdIdle();
    const pause = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return this.run(pause).finally(() => {
      clearTimeout(timer);
      release();
    });
  }

  /** Stop every timer and listener; call once the send has settled. */
  dispose(): void {
    clearTimeout(this.totalTimer);
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private expire(why: string): void {
    if (this.expiry) return;
    this.expiry = new PrinterOutputError('timeout', `${why} (${this.progressNote()})`);
    this.dispose();
    this.rejectExpired(this.expiry);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}

/**
 * Open a TCP connection to `host:port` within `connectMs`. A connection that is refused, an unknown host, an
 * unreachable network and a connect timeout are all 'printer unreachable': to an operator each means the
 * printer is off, unplugged or misaddressed, and a release can be retried later.
 */
export function connectTcp(
  host: string,
  port: number,
  connectMs: number,
  guard: SendGuard,
): Promise<net.Socket> {
  const where = `${host}:${port}`;
  const socket = net.connect({ host, port });
  guard.onExpire(() => socket.destroy());
  const connected = new Promise<net.Socket>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new PrinterOutputError('printer unreachable', `no connection to ${where} within ${connectMs} ms`),
      );
    }, connectMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(toOutputError(err, where));
    });
  });
  return guard.run(connected);
}
