/**
 * A hand-written RFC 1179 client for the LPD and raw socket tests: raw bytes out, acknowledgement bytes and
 * listings back, over a real TCP connection to 127.0.0.1, plus builders for subcommands and control files.
 */
import net from 'node:net';

/** A test connection that collects what the server sends and notices when it closes. */
export class TestConnection {
  private received = Buffer.alloc(0);
  private readOffset = 0;
  private waiters: Array<() => void> = [];
  private isClosed = false;
  /** Resolves when the connection is fully closed. */
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('error', () => undefined);
    // Like a real client, close our side once the server has closed its own.
    socket.on('end', () => socket.end());
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Connect to 127.0.0.1:port. */
  static connect(port: number): Promise<TestConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new TestConnection(socket));
      });
    });
  }

  /** Every byte the server has sent so far. */
  get receivedBytes(): Buffer {
    return this.received;
  }

  /** Whether the server has closed the connection. */
  get isServerClosed(): boolean {
    return this.isClosed;
  }

  /** Write bytes (a string is latin1). */
  send(data: Buffer | string): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Write and wait until the kernel took the bytes (for large payloads). */
  sendAndDrain(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(data, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** The next byte from the server, or null when it closed first. */
  async readByte(timeoutMs = 10000): Promise<number | null> {
    await this.waitFor(() => this.received.length > this.readOffset || this.isClosed, timeoutMs);
    if (this.received.length <= this.readOffset) return null;
    return this.received[this.readOffset++];
  }

  /** Send a command or subcommand and return the acknowledgement byte. */
  async request(data: Buffer | string): Promise<number | null> {
    this.send(data);
    return this.readByte();
  }

  /** Everything the server sends until it closes, as text. */
  async readToClose(timeoutMs = 10000): Promise<string> {
    await this.waitFor(() => this.isClosed, timeoutMs);
    return this.received.subarray(this.readOffset).toString('utf8');
  }

  /** Half-close: no more bytes from us. */
  end(): void {
    this.socket.end();
  }

  /** Drop the connection abruptly. */
  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  private async waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for the server`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** `\x02<count> <name>\n`: the control-file subcommand. */
export function controlFileHeader(control: string | Buffer, name = 'cfA001client'): Buffer {
  return Buffer.from(`\x02${Buffer.byteLength(control)} ${name}\n`, 'latin1');
}

/** `\x03<count> <name>\n`: the data-file subcommand; count 0 means "until EOF". */
export function dataFileHeader(count: number, name = 'dfA001client'): Buffer {
  return Buffer.from(`\x03${count} ${name}\n`, 'latin1');
}

/** A control file as BSD lpr writes one. */
export function controlFile(fields: {
  host?: string;
  user?: string;
  jobName?: string;
  prints?: Array<{ format?: string; dataFile: string; copies?: number; sourceName?: string }>;
  extraLines?: string[];
}): string {
  const lines: string[] = [];
  if (fields.host !== undefined) lines.push(`H${fields.host}`);
  if (fields.user !== undefined) lines.push(`P${fields.user}`);
  if (fields.jobName !== undefined) lines.push(`J${fields.jobName}`);
  lines.push(...(fields.extraLines ?? []));
  for (const print of fields.prints ?? []) {
    for (let copy = 0; copy < (print.copies ?? 1); copy++)
      lines.push(`${print.format ?? 'l'}${print.dataFile}`);
    lines.push(`U${print.dataFile}`);
    if (print.sourceName !== undefined) lines.push(`N${print.sourceName}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Deterministic pseudo-random bytes (for documents whose exact bytes are checked). */
export function patternBytes(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < size; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}
