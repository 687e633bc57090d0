/**
 * The LPD output driver, an RFC 1179 client: "receive a printer job" for the queue, then the data file (its
 * size is known up front, so the spool file streams straight through), then the control file, checking the
 * acknowledgement byte after every command and file. The data file goes first, as BSD lpr sends it, so a server
 * that starts printing on the control file already has the whole document.
 *
 * Control lines follow RFC 1179 and CUPS's lpd backend: H (host), P (user), J (job name), `l` (print the data
 * file literally, control characters included, which PCL and PJL need), U (unlink) and N (source name). Values
 * are cut to the RFC's lengths and stripped of control characters, so a job name can never inject a line. The
 * source port is whatever the kernel picks: RFC 1179 asks for a privileged one, but that needs root and
 * modern servers (CUPS, printers) do not check it.
 */
import { type Socket } from 'node:net';
import {
  type OutputDocument,
  type OutputDriver,
  type OutputResult,
  type OutputTarget,
  type OutputTimeouts,
  PrinterOutputError,
} from './output-driver';
import {
  connectTcp,
  documentLength,
  wrongProtocol,
  SendGuard,
  socketProgress,
  toOutputError,
  writeDocument,
} from './output-transfer';

/** How long to wait for the server to close after the last acknowledgement before closing it ourselves. */
const CLOSE_GRACE_MS = 2_000;

/** A control-file value: control characters blanked, cut to at most `maxBytes` of UTF-8 (RFC 1179 limits). */
function controlValue(value: string, maxBytes: number, fallback: string): string {
  // eslint-disable-next-line no-control-regex -- blanking control characters is the point
  const clean = value.replace(/[\x00-\x1f\x7f]/g, ' ').trim();
  let out = '';
  let bytes = 0;
  for (const char of clean) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    out += char;
  }
  return out === '' ? fallback : out;
}

/** Host part of the file names: letters, digits, '.' and '-', at most 15 (the BSD and CUPS limit). */
function fileHost(hostName: string): string {
  return hostName.replace(/[^A-Za-z0-9.-]/g, '').slice(0, 15) || 'quire';
}

/** The names and control file of one LPD job. */
export interface LpdJobFiles {
  dataFileName: string;
  controlFileName: string;
  controlFile: string;
}

/**
 * The data and control file names (`dfA` / `cfA` + job number mod 1000 in three digits + host) and the
 * control file text for `document`, as the driver sends them.
 */
export function lpdJobFiles(document: OutputDocument): LpdJobFiles {
  const number = String(Math.abs(Math.trunc(document.jobNumber)) % 1000).padStart(3, '0');
  const host = fileHost(document.hostName);
  const dataFileName = `dfA${number}${host}`;
  const lines = [
    `H${controlValue(document.hostName, 31, host)}`,
    `P${controlValue(document.userName, 31, 'unknown')}`,
    `J${controlValue(document.jobName, 99, dataFileName)}`,
    `l${dataFileName}`,
    `U${dataFileName}`,
    `N${controlValue(document.jobName, 131, dataFileName)}`,
  ];
  return { dataFileName, controlFileName: `cfA${number}${host}`, controlFile: `${lines.join('\n')}\n` };
}

/** Reads the one-byte acknowledgements; they arrive one per command, and nothing else is expected. */
class AckReader {
  private readonly received: number[] = [];
  private waiter: { resolve: (ack: number) => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(socket: Socket, where: string) {
    socket.on('data', (chunk: Buffer) => {
      this.received.push(...chunk);
      this.deliver();
    });
    socket.on('end', () => this.fail(new PrinterOutputError('refused', `${where} closed the connection`)));
    socket.on('error', (err) => this.fail(toOutputError(err, where)));
  }

  /** The next acknowledgement byte. */
  next(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.deliver();
    });
  }

  private deliver(): void {
    if (!this.waiter) return;
    const waiter = this.waiter;
    if (this.received.length > 0) {
      this.waiter = undefined;
      waiter.resolve(this.received.shift() as number);
    } else if (this.failure) {
      this.waiter = undefined;
      waiter.reject(this.failure);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.deliver();
  }
}

/** Sends documents to LPD queues (`lpd://host/queue`). Stateless. */
export class LprOutputDriver implements OutputDriver {
  /**
   * Queue `document` on the target's LPD queue and resolve once the server acknowledged the control file.
   * A non-zero acknowledgement is 'refused' (naming the queue and the step), the connection failures and
   * timeouts are as for the raw driver.
   */
  async send(
    target: OutputTarget,
    document: OutputDocument,
    timeouts: OutputTimeouts,
    signal?: AbortSignal,
  ): Promise<OutputResult> {
    if (target.protocol !== 'lpr') throw wrongProtocol('LprOutputDriver', target);
    const dataLength = await documentLength(document);
    const where = `LPD server ${target.host}:${target.port}`;
    let socket: Socket | undefined;
    let dataStart = 0;
    const guard = new SendGuard(timeouts, signal, () => {
      const sent = socket ? socket.bytesWritten - socket.writableLength - dataStart : 0;
      return `${Math.min(dataLength, Math.max(0, sent))} of ${dataLength} bytes sent`;
    });
    try {
      socket = await connectTcp(target.host, target.port, timeouts.connectMs, guard);
      const connection = socket;
      guard.watchProgress(() => socketProgress(connection));
      const acks = new AckReader(connection, where);
      const files = lpdJobFiles(document);
      const command = async (bytes: string | Buffer, step: string): Promise<void> => {
        connection.write(bytes);
        const ack = await acks.next();
        if (ack !== 0) {
          throw new PrinterOutputError(
            'refused',
            `${where} refused ${step} for queue "${target.queue}" (ack ${ack})`,
          );
        }
      };
      await guard.run(
        (async () => {
          await command(`\x02${target.queue}\n`, 'the job');
          await command(`\x03${dataLength} ${files.dataFileName}\n`, 'the data file');
          dataStart = connection.bytesWritten;
          await writeDocument(document, connection);
          await command(Buffer.alloc(1), 'the data file contents');
          const control = Buffer.from(files.controlFile, 'utf8');
          await command(`\x02${control.length} ${files.controlFileName}\n`, 'the control file');
          await command(Buffer.concat([control, Buffer.alloc(1)]), 'the control file contents');
        })(),
      );
      await closeGracefully(connection);
      return { bytesSent: dataLength };
    } catch (err) {
      throw toOutputError(err, where);
    } finally {
      guard.dispose();
      socket?.destroy();
    }
  }
}

/** Half-close and give the server a moment to close too, so it sees an orderly end rather than a reset. */
async function closeGracefully(socket: Socket): Promise<void> {
  socket.end();
  if (socket.destroyed) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise((resolve) => socket.once('close', resolve)),
    new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS))),
  ]);
  clearTimeout(timer);
}
