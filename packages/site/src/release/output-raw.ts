/**
 * The AppSocket (JetDirect, port 9100) output driver: connect, write the prefix, the spool file and the suffix,
 * half-close, and wait for the printer to close its side. There is no protocol, so the printer closing cleanly
 * after our end of data is the only sign of acceptance; a printer that resets or closes before taking every
 * byte has refused the job.
 *
 * Anything the printer writes back (PJL status on the back channel) is read and dropped, so it never fills the
 * printer's send buffer and blocks it. A connect timeout is reported as 'printer unreachable', like a refused
 * connection: both mean the printer is off or misaddressed.
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

/** Resolves when the printer has closed its side after ours, rejects if the connection fails or ends early. */
function peerClosed(socket: Socket, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let peerEnded = false;
    socket.on('end', () => (peerEnded = true));
    socket.once('error', (err) => reject(toOutputError(err, where)));
    socket.once('close', (hadError) => {
      if (hadError) return;
      if (peerEnded && socket.writableFinished) resolve();
      else
        reject(
          new PrinterOutputError('refused', `${where} closed the connection before taking the whole job`),
        );
    });
  });
}

/** Sends documents to AppSocket/JetDirect printers (`socket://host:9100`). Stateless. */
export class RawOutputDriver implements OutputDriver {
  /**
   * Stream `document` to the printer and resolve once it has closed the connection after the last byte.
   * 'printer unreachable' when no connection can be made, 'refused' when the printer resets or closes early,
   * 'timeout' after `idleMs` without progress (the wait for the printer's close included), `totalMs`, or abort.
   */
  async send(
    target: OutputTarget,
    document: OutputDocument,
    timeouts: OutputTimeouts,
    signal?: AbortSignal,
  ): Promise<OutputResult> {
    if (target.protocol !== 'raw') throw wrongProtocol('RawOutputDriver', target);
    const total = await documentLength(document);
    const where = `printer ${target.host}:${target.port}`;
    let socket: Socket | undefined;
    const guard = new SendGuard(timeouts, signal, () => {
      const sent = socket ? socket.bytesWritten - socket.writableLength : 0;
      return `${Math.max(0, sent)} of ${total} bytes sent`;
    });
    try {
      socket = await connectTcp(target.host, target.port, timeouts.connectMs, guard);
      const connection = socket;
      guard.watchProgress(() => socketProgress(connection));
      const closed = peerClosed(connection, where);
      connection.resume();
      await guard.run(
        (async () => {
          await Promise.race([writeDocument(document, connection), closed]);
          connection.end();
          await closed;
        })(),
      );
      return { bytesSent: total };
    } catch (err) {
      throw toOutputError(err, where);
    } finally {
      guard.dispose();
      socket?.destroy();
    }
  }
}
