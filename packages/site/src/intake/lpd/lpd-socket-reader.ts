/**
 * Pull-style reading of one LPD connection: command lines, exact byte counts and "until EOF" data, with
 * back-pressure (nothing is read from the socket until a consumer asks for it) and an idle timer that runs only
 * while we wait on the client, never while the client waits on us (a slow spool is not the client's stall).
 */
import { type Socket } from 'node:net';
import { ErrorCode, QuireError } from '@quire/common';

const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** A protocol violation by the client: a QuireError so logs and callers see one stable code. */
export function lpdProtocolError(message: string, details?: Record<string, unknown>): QuireError {
  return new QuireError(ErrorCode.BadRequest, message, { details });
}

/**
 * Reads an LPD connection on demand. The socket must be created with `allowHalfOpen: true` so that the answer
 * to "until EOF" data can still be written after the client has shut down its sending side.
 */
export class LpdSocketReader {
  private readonly chunks: AsyncIterator<Buffer>;
  private leftover: Buffer | null = null;
  private ended = false;
  private idleTimedOut = false;

  constructor(
    private readonly socket: Socket,
    private readonly idleTimeoutMs: number,
  ) {
    // destroyOnReturn=false: reaching EOF must not destroy the socket, we still owe the client an ack.
    this.chunks = socket.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
  }

  /** Whether the connection was closed because the client sent nothing for the idle timeout. */
  get timedOut(): boolean {
    return this.idleTimedOut;
  }

  /**
   * One line without its LF (a trailing CR is dropped too, as cups-lpd accepts), or null when the client closed
   * cleanly before sending anything. A line longer than `maxBytes` or cut by EOF is a protocol error.
   */
  async readLine(maxBytes: number): Promise<Buffer | null> {
    const parts: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = await this.pull();
      if (chunk === null) {
        if (size === 0) return null;
        throw lpdProtocolError('connection closed in the middle of a command line');
      }
      const end = chunk.indexOf(LINE_FEED);
      const part = end === -1 ? chunk : chunk.subarray(0, end);
      size += part.length;
      if (size > maxBytes) throw lpdProtocolError(`command line longer than ${maxBytes} bytes`);
      parts.push(part);
      if (end !== -1) {
        this.pushBack(chunk.subarray(end + 1));
        const line = Buffer.concat(parts);
        return line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.subarray(0, -1) : line;
      }
    }
  }

  /** One byte, or null at EOF. */
  async readByte(): Promise<number | null> {
    const chunk = await this.pull();
    if (chunk === null) return null;
    this.pushBack(chunk.subarray(1));
    return chunk[0];
  }

  /** Exactly `count` bytes, chunk by chunk; EOF before the last byte is a protocol error. */
  async *readExactly(count: number): AsyncGenerator<Buffer> {
    let remaining = count;
    while (remaining > 0) {
      const chunk = await this.pull();
      if (chunk === null) {
        throw lpdProtocolError(`connection closed after ${count - remaining} of ${count} announced bytes`);
      }
      if (chunk.length > remaining) {
        this.pushBack(chunk.subarray(remaining));
        yield chunk.subarray(0, remaining);
        return;
      }
      remaining -= chunk.length;
      yield chunk;
    }
  }

  /** Exactly `count` bytes as one buffer; only for small, already bounded counts (control files). */
  async readBuffer(count: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of this.readExactly(count)) parts.push(chunk);
    return Buffer.concat(parts, count);
  }

  /** Everything until the client shuts down its sending side. */
  async *readToEof(): AsyncGenerator<Buffer> {
    for (;;) {
      const chunk = await this.pull();
      if (chunk === null) return;
      yield chunk;
    }
  }

  private pushBack(rest: Buffer): void {
    if (rest.length > 0) this.leftover = rest;
  }

  private async pull(): Promise<Buffer | null> {
    if (this.leftover !== null) {
      const chunk = this.leftover;
      this.leftover = null;
      return chunk;
    }
    if (this.ended) return null;
    const timer = setTimeout(() => {
      this.idleTimedOut = true;
      const seconds = this.idleTimeoutMs / 1000;
      this.socket.destroy(
        lpdProtocolError(`client sent nothing for ${seconds} s`, { reason: 'idle-timeout', seconds }),
      );
    }, this.idleTimeoutMs);
    try {
      const next = await this.chunks.next();
      if (next.done === true) {
        this.ended = true;
        return null;
      }
      return next.value;
    } finally {
      clearTimeout(timer);
    }
  }
}
