/**
 * The site's LPD listener (RFC 1179): a TCP server that reads one command per connection and answers it.
 *
 * - 0x01 print waiting jobs: acknowledged and otherwise a no-op, as cups-lpd does (jobs wait for release).
 * - 0x02 receive job: the queue is checked first (a clear negative ack for an unknown or offline queue), then
 *   lpd-receive-job.ts takes over.
 * - 0x03/0x04 queue state, short and long: an lpq-style listing (lpd-queue-state.ts).
 * - 0x05 remove jobs: the agent's own jobs only (lpd-remove-jobs.ts).
 *
 * The listener holds no business rules: it passes the protocol's sender (`P`), host (`H`), names and the
 * client's address to the `JobIntake`, which detects owners and keeps jobs. Every failure (malformed input,
 * refusal, idle timeout, client gone) is logged, answered with a non-zero byte when the client waits for one,
 * and ends the connection; none of them reaches the process.
 */
import net, { type AddressInfo, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describeError, isQuireError, type Logger } from '@quire/common';
import { Counter, type Registry } from 'prom-client';
import { type JobIntake } from '../intake-port';
import { decodeLpdText } from './lpd-control-file';
import { renderQueueState } from './lpd-queue-state';
import { LpdReceiveJob } from './lpd-receive-job';
import { removeJobs } from './lpd-remove-jobs';
import { LpdSocketReader } from './lpd-socket-reader';
import { removeOrphanedSpoolAheadFiles } from './lpd-spool-ahead';

const MAX_COMMAND_LINE_BYTES = 1024;
const DEFAULT_MAX_DATA_FILE_BYTES = 600 * 1024 * 1024;
const DEFAULT_MAX_CONNECTIONS = 512;
const COMMAND_NAMES: Record<number, string> = {
  1: 'print-waiting',
  2: 'receive-job',
  3: 'queue-state-short',
  4: 'queue-state-long',
  5: 'remove-jobs',
};

/** Options of {@link LpdListener}. */
export interface LpdListenerOptions {
  intake: JobIntake;
  logger: Logger;
  host: string;
  /** 0 picks a free port (tests); `start()` returns the bound one. */
  port: number;
  /** A connection that sends nothing for this long is closed and a job it was sending is discarded. */
  timeoutSeconds: number;
  metrics?: Registry;
  /**
   * Where data files sent before their control file wait (see lpd-spool-ahead.ts). Default
   * `<OS temp dir>/quire-lpd`. The site passes a directory of its own on the spool's file system (e.g.
   * `<spool dir>/lpd-tmp`); a directory given here belongs to this listener, and files a crash left in it are
   * removed by `start()`. The shared default is never swept.
   */
  spoolAheadDir?: string;
  /** Larger announced data files are refused up front. Default 600 MiB; the site passes `jobs.maxSizeMb`. */
  maxDataFileBytes?: number;
  /** Connections beyond this many at once are closed as soon as they are accepted. Default 512. */
  maxConnections?: number;
}

interface LpdCommand {
  code: number;
  /** The operand text after the command byte, trimmed. */
  text: string;
  operands: string[];
}

interface LpdMetrics {
  commands: Counter<'command' | 'outcome'>;
  jobsAccepted: Counter;
}

/** The RFC 1179 server. One instance per site; `start` then `stop`. */
export class LpdListener {
  private server: net.Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly conversations = new Set<Promise<void>>();
  private readonly metrics: LpdMetrics | null;

  constructor(private readonly options: LpdListenerOptions) {
    this.metrics = options.metrics ? createMetrics(options.metrics) : null;
  }

  /** Bind and start accepting; resolves with the bound port. Rejects when the port cannot be bound. */
  async start(): Promise<number> {
    if (this.server !== null) throw new Error('LPD listener already started');
    if (this.options.spoolAheadDir !== undefined) {
      // Before listening: no connection of ours can own a file there yet.
      const removed = await removeOrphanedSpoolAheadFiles(this.options.spoolAheadDir);
      if (removed > 0) this.options.logger.warn('LPD removed data files a crash left behind', { removed });
    }
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
    server.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) =>
      this.options.logger.error('LPD listener error', { error: describeError(err) }),
    );
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.options.logger.info('LPD listener started', { host: this.options.host, port });
    return port;
  }

  /**
   * Stop accepting and end every connection. A job still being received is discarded: its document stream
   * fails, so the core keeps nothing of it, and spooled-ahead files are removed before this resolves.
   */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await Promise.allSettled([...this.conversations]);
    await closed;
    this.options.logger.info('LPD listener stopped');
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const conversation = this.serve(socket);
    this.conversations.add(conversation);
    void conversation.finally(() => this.conversations.delete(conversation));
  }

  /** Serve one connection; never rejects. */
  private async serve(socket: Socket): Promise<void> {
    const clientAddress = clientAddressOf(socket);
    const logger = this.options.logger.child({ component: 'lpd', client: clientAddress });
    // Socket errors also surface through the reader; this listener only keeps them from being unhandled.
    socket.on('error', (err) => logger.debug('LPD socket error', { error: describeError(err) }));
    socket.setNoDelay(true);
    const reader = new LpdSocketReader(socket, this.options.timeoutSeconds * 1000);
    let command: LpdCommand | null = null;
    try {
      const line = await reader.readLine(MAX_COMMAND_LINE_BYTES);
      if (line === null) return;
      command = parseCommand(line);
      const served = await this.run(command, socket, reader, clientAddress, logger);
      this.count(command, served ? 'ok' : 'refused');
    } catch (err) {
      if (command !== null) this.count(command, 'failed');
      logFailure(logger, err, reader.timedOut, this.options.timeoutSeconds);
      if (command === null || (command.code !== 3 && command.code !== 4)) writeAck(socket, 1);
    } finally {
      this.closeGracefully(socket);
    }
  }

  private async run(
    command: LpdCommand,
    socket: Socket,
    reader: LpdSocketReader,
    clientAddress: string,
    logger: Logger,
  ): Promise<boolean> {
    switch (command.code) {
      case 1:
        logger.debug('LPD print-waiting-jobs (no-op)', { queue: command.operands[0] });
        writeAck(socket, 0);
        return true;
      case 2:
        return this.receiveJob(command.text, socket, reader, clientAddress, logger);
      case 3:
      case 4:
        return this.sendQueueState(command, socket, logger);
      case 5:
        return this.removeJobs(command, socket, logger);
      default:
        logger.warn('LPD command refused: unknown command code', { code: command.code });
        writeAck(socket, 1);
        return false;
    }
  }

  private async receiveJob(
    queueName: string,
    socket: Socket,
    reader: LpdSocketReader,
    clientAddress: string,
    logger: Logger,
  ): Promise<boolean> {
    try {
      await this.options.intake.checkQueue(queueName);
    } catch (err) {
      logger.warn('LPD receive-job refused', {
        queue: queueName,
        code: isQuireError(err) ? err.code : undefined,
        reason: describeError(err),
      });
      writeAck(socket, 1);
      return false;
    }
    writeAck(socket, 0);
    const receiveJob = new LpdReceiveJob({
      intake: this.options.intake,
      logger: logger.child({ queue: queueName }),
      reader,
      ack: (code) => writeAck(socket, code),
      queueName,
      clientAddress,
      spoolAheadDir: this.options.spoolAheadDir ?? path.join(os.tmpdir(), 'quire-lpd'),
      maxDataFileBytes: this.options.maxDataFileBytes ?? DEFAULT_MAX_DATA_FILE_BYTES,
      onJobAccepted: () => this.metrics?.jobsAccepted.inc(),
    });
    await receiveJob.run();
    return true;
  }

  private async sendQueueState(command: LpdCommand, socket: Socket, logger: Logger): Promise<boolean> {
    const [queueName = '', ...selection] = command.operands;
    try {
      socket.write(await renderQueueState(this.options.intake, queueName, selection, command.code === 4));
      return true;
    } catch (err) {
      logger.error('LPD queue state failed', { queue: queueName, error: describeError(err) });
      socket.write(`${queueName}: queue state is unavailable right now\n`);
      return false;
    }
  }

  private async removeJobs(command: LpdCommand, socket: Socket, logger: Logger): Promise<boolean> {
    const [queueName, agent, ...selection] = command.operands;
    if (queueName === undefined || agent === undefined) {
      logger.warn('LPD remove-jobs refused: it needs a queue and an agent');
      writeAck(socket, 1);
      return false;
    }
    const ok = await removeJobs(this.options.intake, logger, queueName, agent, selection);
    writeAck(socket, ok ? 0 : 1);
    return ok;
  }

  /** End our side; a client that never closes its own is cut off after the idle timeout. */
  private closeGracefully(socket: Socket): void {
    if (socket.destroyed) return;
    socket.end();
    const timer = setTimeout(() => socket.destroy(), this.options.timeoutSeconds * 1000);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }

  private count(command: LpdCommand, outcome: 'ok' | 'refused' | 'failed'): void {
    this.metrics?.commands.inc({ command: COMMAND_NAMES[command.code] ?? 'unknown', outcome });
  }
}

function parseCommand(line: Buffer): LpdCommand {
  const code = line.length > 0 ? line[0] : 0;
  const text = decodeLpdText(line.subarray(1)).trim();
  return { code, text, operands: text.split(/[ \t]+/).filter((operand) => operand.length > 0) };
}

function writeAck(socket: Socket, code: number): void {
  if (!socket.destroyed && socket.writable) socket.write(Buffer.from([code]));
}

function logFailure(logger: Logger, err: unknown, timedOut: boolean, timeoutSeconds: number): void {
  if (timedOut) {
    logger.warn(
      'LPD connection closed: the client sent nothing for the timeout; anything it was sending is discarded',
      {
        timeoutSeconds,
      },
    );
  } else if (isQuireError(err)) {
    logger.warn('LPD request refused', { code: err.code, reason: err.message });
  } else {
    logger.warn('LPD connection failed', { error: describeError(err) });
  }
}

/** The client's IP address without its port; IPv4 clients of a dual-stack socket lose the `::ffff:` prefix. */
function clientAddressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

function createMetrics(registry: Registry): LpdMetrics {
  const existing = registry.getSingleMetric('quire_lpd_commands_total');
  const commands =
    (existing as Counter<'command' | 'outcome'> | undefined) ??
    new Counter({
      name: 'quire_lpd_commands_total',
      help: 'LPD commands served, by command and outcome.',
      labelNames: ['command', 'outcome'],
      registers: [registry],
    });
  const jobsAccepted =
    (registry.getSingleMetric('quire_lpd_jobs_accepted_total') as Counter | undefined) ??
    new Counter({
      name: 'quire_lpd_jobs_accepted_total',
      help: 'Jobs received over LPD and committed by the job core.',
      registers: [registry],
    });
  return { commands, jobsAccepted };
}
