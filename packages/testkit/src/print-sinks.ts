/**
 * Printers that only receive, for testing output drivers: a raw AppSocket sink (each connection's bytes go to a
 * file, with their sha256 and the times of the first and last byte) and a minimal RFC 1179 LPD receiver (each
 * job's queue, control file and data file). Both listen on 127.0.0.1 on a port the kernel picks, can misbehave
 * on purpose (reset, close early, stall, refuse a queue) for failure tests, and are tracked so a test run never
 * leaves one open.
 *
 * Data is hashed as it arrives, so a 100 MB job can be checked against its source without reading either file.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { track } from './registry';

/** A deliberate misbehaviour of the raw sink, after `afterBytes` bytes of a connection (0: at once). */
export interface RawSinkFailure {
  /** `reset`: send a TCP RST; `close`: close the socket (FIN, then RST for more data); `stall`: stop reading. */
  kind: 'reset' | 'close' | 'stall';
  afterBytes: number;
}

/** Options for {@link startRawSink}. */
export interface RawSinkOptions {
  failure?: RawSinkFailure;
}

/** One connection the raw sink received, recorded once it closed. */
export interface RawSinkJob {
  /** The file holding every byte received. */
  file: string;
  bytes: number;
  sha256: string;
  /** Date.now() of the first and last byte, null when nothing arrived. */
  firstByteAt: number | null;
  lastByteAt: number | null;
  closedAt: number;
}

/** A data file the LPD sink received. */
export interface LpdSinkDataFile {
  name: string;
  file: string;
  bytes: number;
  sha256: string;
}

/** One complete LPD job (a receive-job connection that delivered a control file). */
export interface LpdSinkJob {
  queue: string;
  controlFileName: string;
  controlFile: string;
  /** The control file split into lines, without the final empty one. */
  controlLines: string[];
  dataFiles: LpdSinkDataFile[];
  receivedAt: number;
}

/** Options for {@link startLpdSink}. */
export interface LpdSinkOptions {
  /** Queues whose receive-job command is answered with a non-zero acknowledgement. */
  refuseQueues?: readonly string[];
}

/** What both sinks offer. */
export interface PrintSink<Job> {
  host: string;
  port: number;
  /** The temporary folder holding the received files; removed by stop(). */
  dir: string;
  /** Jobs recorded so far, in the order they completed. */
  jobs(): Job[];
  /** Resolve with the jobs once at least `count` are recorded; reject after `timeoutMs`. */
  waitForJobs(count: number, timeoutMs?: number): Promise<Job[]>;
  /** Close the listener and every connection, and delete the received files. Idempotent. */
  stop(): Promise<void>;
}

/** The LPD sink also tells which queues it refused. */
export interface LpdSink extends PrintSink<LpdSinkJob> {
  /** Queue names of receive-job commands refused (by `refuseQueues`), in order. */
  refusedQueues(): string[];
}

const ACK = Buffer.from([0]);
const NACK = Buffer.from([1]);
const MAX_LPD_LINE = 4096;

/** A listener, its connections and its job list, with the waiting and stopping both sinks share. */
class SinkServer<Job> implements PrintSink<Job> {
  readonly host = '127.0.0.1';
  port = 0;
  readonly dir: string;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly recorded: Job[] = [];
  private readonly waiters = new Set<() => void>();
  private stopping: Promise<void> | undefined;
  private untrack: () => void = () => undefined;

  constructor(
    private readonly name: string,
    serve: (socket: net.Socket) => Promise<void>,
  ) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), `quire-${name}-`));
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => this.sockets.delete(socket));
      serve(socket).catch(() => socket.destroy());
    });
  }

  async listen(): Promise<this> {
    this.server.listen({ host: this.host, port: 0 });
    await once(this.server, 'listening');
    this.port = (this.server.address() as net.AddressInfo).port;
    this.untrack = track({
      description: `${this.name} on ${this.host}:${this.port}`,
      stop: () => this.stop(),
      killNow: () => this.killNow(),
    });
    return this;
  }

  record(job: Job): void {
    this.recorded.push(job);
    for (const waiter of this.waiters) waiter();
  }

  jobs(): Job[] {
    return [...this.recorded];
  }

  waitForJobs(count: number, timeoutMs = 30_000): Promise<Job[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.recorded.length < count) return;
        finish();
        resolve(this.jobs());
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(`${this.name} recorded ${this.recorded.length} of ${count} jobs within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const closed = new Promise((resolve) => this.server.close(resolve));
      for (const socket of this.sockets) socket.destroy();
      await closed;
      rmSync(this.dir, { recursive: true, force: true });
      this.untrack();
    })();
    return this.stopping;
  }

  private killNow(): void {
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Appends received bytes to a file and a hash, pausing the socket while the file catches up. */
class Recorder {
  bytes = 0;
  private readonly hash = createHash('sha256');
  private readonly out: WriteStream;

  constructor(readonly file: string) {
    this.out = createWriteStream(file);
  }

  /** Write `chunk`; resolves once the file can take more. */
  async write(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  /** Flush and close the file; returns the sha256 of everything written. */
  async finish(): Promise<string> {
    this.out.end();
    await once(this.out, 'close');
    return this.hash.digest('hex');
  }
}

async function serveRaw(
  socket: net.Socket,
  recorder: Recorder,
  failure: RawSinkFailure | undefined,
): Promise<RawSinkJob> {
  let firstByteAt: number | null = null;
  let lastByteAt: number | null = null;
  const misbehave = () => {
    if (failure?.kind === 'reset') socket.resetAndDestroy();
    else if (failure?.kind === 'close') socket.destroy();
    else socket.pause();
  };
  if (failure && failure.afterBytes === 0) misbehave();
  const closed = once(socket, 'close');
  socket.on('data', (chunk: Buffer) => {
    const room = failure ? failure.afterBytes - recorder.bytes : chunk.length;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    lastByteAt = Date.now();
    firstByteAt ??= lastByteAt;
    socket.pause();
    void recorder.write(kept).then(() => {
      if (failure && recorder.bytes >= failure.afterBytes) misbehave();
      else socket.resume();
    });
  });
  await closed;
  const sha256 = await recorder.finish();
  return {
    file: recorder.file,
    bytes: recorder.bytes,
    sha256,
    firstByteAt,
    lastByteAt,
    closedAt: Date.now(),
  };
}

/**
 * Start a raw (AppSocket/JetDirect) sink on 127.0.0.1: every connection's bytes are written to
 * `<dir>/job-N.bin` and recorded as a job when the connection closes. With `failure`, each connection is reset,
 * closed or stalled after `failure.afterBytes` bytes.
 */
export async function startRawSink(options: RawSinkOptions = {}): Promise<PrintSink<RawSinkJob>> {
  let connections = 0;
  const sink: SinkServer<RawSinkJob> = new SinkServer('raw-sink', async (socket) => {
    const recorder = new Recorder(path.join(sink.dir, `job-${++connections}.bin`));
    sink.record(await serveRaw(socket, recorder, options.failure));
  });
  return sink.listen();
}

/** Reads an LPD connection as lines and counted byte runs, with back-pressure. */
class LpdReader {
  private pending: Buffer = Buffer.alloc(0);
  private readonly chunks: AsyncIterator<Buffer>;

  constructor(socket: net.Socket) {
    this.chunks = socket[Symbol.asyncIterator]();
  }

  /** The next line without its LF, or null at the end of the connection. */
  async line(): Promise<Buffer | null> {
    for (;;) {
      const lf = this.pending.indexOf(0x0a);
      if (lf >= 0) {
        const line = this.pending.subarray(0, lf);
        this.pending = this.pending.subarray(lf + 1);
        return line;
      }
      if (this.pending.length > MAX_LPD_LINE) throw new Error('LPD command line too long');
      if (!(await this.fill())) return null;
    }
  }

  /** Pass exactly `count` bytes to `consume`; false when the connection ends first. */
  async bytes(count: number, consume: (chunk: Buffer) => Promise<void> | void): Promise<boolean> {
    for (let left = count; left > 0;) {
      if (this.pending.length === 0 && !(await this.fill())) return false;
      const take = this.pending.subarray(0, Math.min(left, this.pending.length));
      this.pending = this.pending.subarray(take.length);
      left -= take.length;
      await consume(take);
    }
    return true;
  }

  private async fill(): Promise<boolean> {
    const next = await this.chunks.next();
    if (next.done) return false;
    const chunk = next.value as Buffer;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    return true;
  }
}

/** Parse `<count> <name>` of a receive-control-file or receive-data-file subcommand. */
function fileOperands(operands: string): { count: number; name: string } {
  const match = /^(\d+) (\S+)$/.exec(operands);
  if (!match) throw new Error(`malformed LPD subcommand operands "${operands}"`);
  return { count: Number(match[1]), name: match[2] };
}

interface LpdJobParts {
  control?: { name: string; text: string };
  dataFiles: LpdSinkDataFile[];
}

async function receiveFile(
  socket: net.Socket,
  reader: LpdReader,
  code: number,
  operands: string,
  parts: LpdJobParts,
  dir: string,
): Promise<boolean> {
  const { count, name } = fileOperands(operands);
  socket.write(ACK);
  if (code === 0x02) {
    const pieces: Buffer[] = [];
    if (!(await reader.bytes(count, (chunk) => void pieces.push(chunk)))) return false;
    parts.control = { name, text: Buffer.concat(pieces).toString('utf8') };
  } else {
    const recorder = new Recorder(
      path.join(dir, `${parts.dataFiles.length}-${name.replace(/[^\w.-]/g, '_')}`),
    );
    const complete = await reader.bytes(count, (chunk) => recorder.write(chunk));
    const sha256 = await recorder.finish();
    if (!complete) return false;
    parts.dataFiles.push({ name, file: recorder.file, bytes: recorder.bytes, sha256 });
  }
  if (!(await reader.bytes(1, () => undefined))) return false;
  socket.write(ACK);
  return true;
}

async function serveLpd(
  socket: net.Socket,
  sink: SinkServer<LpdSinkJob>,
  refused: string[],
  refuse: Set<string>,
): Promise<void> {
  const reader = new LpdReader(socket);
  const command = await reader.line();
  if (!command || command[0] !== 0x02) return void socket.end();
  const queue = command.subarray(1).toString('utf8');
  if (refuse.has(queue)) {
    refused.push(queue);
    return void socket.end(NACK);
  }
  socket.write(ACK);
  const parts: LpdJobParts = { dataFiles: [] };
  for (let sub = await reader.line(); sub; sub = await reader.line()) {
    const operands = sub.subarray(1).toString('utf8');
    if (sub[0] === 0x01) {
      parts.control = undefined;
      parts.dataFiles = [];
      socket.write(ACK);
    } else if (sub[0] === 0x02 || sub[0] === 0x03) {
      if (!(await receiveFile(socket, reader, sub[0], operands, parts, sink.dir))) return;
    } else return void socket.end(NACK);
  }
  if (!parts.control) return;
  const controlLines = parts.control.text.split('\n');
  if (controlLines[controlLines.length - 1] === '') controlLines.pop();
  sink.record({
    queue,
    controlFileName: parts.control.name,
    controlFile: parts.control.text,
    controlLines,
    dataFiles: parts.dataFiles,
    receivedAt: Date.now(),
  });
}

/**
 * Start a minimal RFC 1179 receiver on 127.0.0.1. It answers "receive a printer job" (0x02) and its control,
 * data and abort subcommands, acknowledging each with 0, and records a job when the connection ends after a
 * control file. Queues in `refuseQueues` get a non-zero acknowledgement; other commands are refused.
 */
export async function startLpdSink(options: LpdSinkOptions = {}): Promise<LpdSink> {
  const refused: string[] = [];
  const refuse = new Set(options.refuseQueues ?? []);
  const sink: SinkServer<LpdSinkJob> = new SinkServer('lpd-sink', (socket) =>
    serveLpd(socket, sink, refused, refuse),
  );
  await sink.listen();
  return Object.assign(sink, { refusedQueues: () => [...refused] });
}
