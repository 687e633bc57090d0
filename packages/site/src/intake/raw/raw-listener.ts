/**
 * One raw socket print port ("JetDirect", port 9100 style) mapped to one queue: every connection is one job,
 * and the job is whatever bytes arrive until EOF or until the client has been silent for the idle timeout.
 *
 * Raw printing has no protocol: no user, no job name, no way to say no. So the sender is null (the core finds
 * the owner in the document's PJL, e.g. `@PJL SET USERNAME`), the client address is recorded, and a refusal
 * (offline or unknown queue, a core error) can only be logged and answered by closing the connection.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { describeError, isQuireError, type Logger } from '@quire/common';
import { type Counter } from 'prom-client';
import { type IncomingJob, type JobIntake } from '../intake-port';

/** How long a client may take to close its side after we closed ours. */
const CLOSE_GRACE_MS = 5000;

/** How a raw connection ended, for the jobs counter. */
export type RawJobResult = 'accepted' | 'refused' | 'failed' | 'empty';

/** Options of {@link RawPortListener}. */
export interface RawPortListenerOptions {
  intake: JobIntake;
  logger: Logger;
  host: string;
  /** 0 picks a free port (tests); `start()` returns the bound one. */
  port: number;
  queueName: string;
  /** A job ends when the client sends nothing for this long. */
  idleTimeoutSeconds: number;
  jobsCounter?: Counter<'result'>;
}

/** Reads a raw connection on demand; ends at EOF or after the idle timeout with nothing new. */
class RawJobReader {
  private readonly chunks: AsyncIterator<Buffer>;
  private finished = false;
  endedByIdleTimeout = false;

  constructor(
    socket: Socket,
    private readonly idleTimeoutMs: number,
  ) {
    this.chunks = socket.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer>;
  }

  /** The next chunk, or null when the job has ended. */
  async next(): Promise<Buffer | null> {
    if (this.finished) return null;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.idleTimeoutMs);
    });
    const next = this.chunks.next();
    try {
      const result = await Promise.race([next, idle]);
      if (result === null) {
        // The socket is closed right after; a read still pending then just fails quietly.
        next.catch(() => undefined);
        this.endedByIdleTimeout = true;
      }
      if (result === null || result.done === true) {
        this.finished = true;
        return null;
      }
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The document: `first`, then every chunk up to the end of the job. */
  async *document(first: Buffer): AsyncGenerator<Buffer> {
    yield first;
    for (let chunk = await this.next(); chunk !== null; chunk = await this.next()) yield chunk;
  }
}

/** A TCP port whose connections become jobs in one queue. */
export class RawPortListener {
  /** The queue new connections go to; the manager may retarget a port without reopening it. */
  queueName: string;
  private server: net.Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly conversations = new Set<Promise<void>>();

  constructor(private readonly options: RawPortListenerOptions) {
    this.queueName = options.queueName;
  }

  /** Bind and start accepting; resolves with the bound port. Rejects when the port cannot be bound. */
  async start(): Promise<number> {
    if (this.server !== null) throw new Error('raw port listener already started');
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.options.logger.error('raw port error', { error: describeError(err) }));
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /** Stop accepting and end every connection; a job still arriving is discarded (its stream fails). */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await Promise.allSettled([...this.conversations]);
    await closed;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const conversation = this.serve(socket).then((result) => this.options.jobsCounter?.inc({ result }));
    this.conversations.add(conversation);
    void conversation.finally(() => this.conversations.delete(conversation));
  }

  /** Receive one job; never rejects. */
  private async serve(socket: Socket): Promise<RawJobResult> {
    const queueName = this.queueName;
    const clientAddress = clientAddressOf(socket);
    const logger = this.options.logger.child({
      component: 'raw',
      port: this.options.port,
      client: clientAddress,
    });
    socket.on('error', (err) => logger.debug('raw socket error', { error: describeError(err) }));
    try {
      await this.options.intake.checkQueue(queueName);
    } catch (err) {
      logger.warn('raw job refused: connection closed', { queue: queueName, ...reasonOf(err) });
      socket.destroy();
      return 'refused';
    }
    const reader = new RawJobReader(socket, this.options.idleTimeoutSeconds * 1000);
    try {
      return await this.receive(reader, queueName, clientAddress, logger);
    } catch (err) {
      logger.warn('raw job not accepted', { queue: queueName, ...reasonOf(err) });
      return 'failed';
    } finally {
      closeGracefully(socket);
    }
  }

  private async receive(
    reader: RawJobReader,
    queueName: string,
    clientAddress: string,
    logger: Logger,
  ): Promise<RawJobResult> {
    const first = await reader.next();
    if (first === null) {
      logger.debug('raw connection closed without data', { queue: queueName });
      return 'empty';
    }
    const job: IncomingJob = {
      queueName,
      protocol: 'raw',
      clientAddress,
      senderUser: null,
      jobName: null,
      copies: 1,
      documentFormat: null,
      attributes: { rawPort: this.options.port },
    };
    const document = Readable.from(reader.document(first), { objectMode: false });
    try {
      const view = await this.options.intake.submit(job, document);
      logger.debug('raw job accepted', {
        job: view.number,
        queue: view.queueName,
        owner: view.owner,
        sizeBytes: view.sizeBytes,
        endedBy: reader.endedByIdleTimeout ? 'idle-timeout' : 'eof',
      });
      return 'accepted';
    } finally {
      document.destroy();
    }
  }
}

function reasonOf(err: unknown): Record<string, unknown> {
  return { code: isQuireError(err) ? err.code : undefined, reason: describeError(err) };
}

/** End our side and give the client a moment to close its own before cutting it off. */
function closeGracefully(socket: Socket): void {
  if (socket.destroyed) return;
  socket.end();
  const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/** The client's IP address without its port; IPv4 clients of a dual-stack socket lose the `::ffff:` prefix. */
function clientAddressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
