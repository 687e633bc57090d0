/**
 * The HTTP side of the IPP output driver: one keep-alive connection per release, IPP requests as HTTP POSTs
 * (a document request streams its body with chunked transfer-encoding: the IPP header, then the prefix, the
 * spool file and the suffix), and the answers decoded with the common IPP codec.
 *
 * IPPS uses TLS without verifying the printer's certificate: printers almost always ship self-signed ones,
 * and a release must not fail on that. The channel is still encrypted, but not authenticated.
 */
import http from 'node:http';
import https from 'node:https';
import { type Socket } from 'node:net';
import {
  decodeIppMessage,
  encodeIppMessage,
  IppMessage,
  IppTag,
  IppValues,
  isIppSuccess,
  ippOperationName,
} from '@quire/common';
import { type OutputDocument, type OutputTarget, PrinterOutputError } from './output-driver';
import { type SendGuard, socketProgress, writeDocument } from './output-transfer';
import { formatPrinterUri } from './printer-uri';

type IppTarget = Extract<OutputTarget, { protocol: 'ipp' | 'ipps' }>;

/** The largest answer we read: a printer's answers to our few requested attributes are a few KB. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const IPP_VERSION = { major: 1, minor: 1 };

function readAnswer(response: http.IncomingMessage, where: string): Promise<IppMessage> {
  return new Promise((resolve, reject) => {
    if (response.statusCode !== 200) {
      response.resume();
      reject(
        new PrinterOutputError(
          'refused',
          `${where} answered HTTP ${response.statusCode} ${response.statusMessage}`,
        ),
      );
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    response.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_ANSWER_BYTES) {
        response.destroy(
          new PrinterOutputError('refused', `${where} sent an answer over ${MAX_ANSWER_BYTES} bytes`),
        );
      } else chunks.push(chunk);
    });
    response.once('error', reject);
    response.once('end', () => {
      try {
        resolve(decodeIppMessage(Buffer.concat(chunks, length)).message);
      } catch (err) {
        reject(new PrinterOutputError('refused', `${where} sent an answer that is not IPP`, { cause: err }));
      }
    });
  });
}

/**
 * One release's conversation with an IPP printer. Requests go one after another over a single keep-alive
 * connection; the guard's expiry destroys it, so a pending request settles at once.
 */
export class IppPrinterConnection {
  /** The printer-uri operation attribute: the target's URI as the printer is addressed. */
  readonly printerUri: string;
  readonly where: string;
  private readonly agent: http.Agent;
  private readonly sockets = new Set<Socket>();
  private nextRequestId = 1;

  constructor(
    private readonly target: IppTarget,
    private readonly userName: string,
    private readonly connectMs: number,
    private readonly guard: SendGuard,
  ) {
    this.printerUri = formatPrinterUri(target);
    this.where = `printer ${this.printerUri}`;
    const options = { keepAlive: true, maxSockets: 1 };
    this.agent =
      target.protocol === 'ipps'
        ? new https.Agent({ ...options, rejectUnauthorized: false })
        : new http.Agent(options);
    guard.onExpire(() => this.agent.destroy());
  }

  /** Bytes the kernel took from us and bytes read, over every connection so far: the guard's progress probe. */
  progress(): number {
    let total = 0;
    for (const socket of this.sockets) total += socketProgress(socket);
    return total;
  }

  /** A request for `operation` with the operation attributes every request carries, in RFC 8011 order. */
  newRequest(operation: number): IppMessage {
    const message = new IppMessage(IPP_VERSION, operation, this.nextRequestId++);
    message
      .addGroup(IppTag.OperationAttributes)
      .add('attributes-charset', IppValues.charset('utf-8'))
      .add('attributes-natural-language', IppValues.naturalLanguage('en'))
      .add('printer-uri', IppValues.uri(this.printerUri))
      .add('requesting-user-name', IppValues.name(this.userName));
    return message;
  }

  /**
   * Send `message` (followed by `document`, streamed, when given) and decode the answer. An HTTP status other
   * than 200 or an answer that is not IPP is 'refused'; IPP status codes are left to the caller. A bodiless
   * request that fails because the printer had just closed the kept-alive connection is sent again once.
   */
  async request(message: IppMessage, document?: OutputDocument): Promise<IppMessage> {
    try {
      return await this.exchange(message, document);
    } catch (err) {
      if (document || !(err as { reusedSocket?: boolean }).reusedSocket) throw err;
      return this.exchange(message);
    }
  }

  /** Close the connection; the printer sees an orderly end. */
  close(): void {
    this.agent.destroy();
  }

  private exchange(message: IppMessage, document?: OutputDocument): Promise<IppMessage> {
    const header = encodeIppMessage(message);
    const request = (this.target.protocol === 'ipps' ? https : http).request({
      host: this.target.host,
      port: this.target.port,
      path: this.target.path,
      method: 'POST',
      agent: this.agent,
      headers: document
        ? { 'Content-Type': 'application/ipp' }
        : {
            'Content-Type': 'application/ipp',
            'Content-Length': header.length,
          },
    });
    request.on('socket', (socket) => this.watchConnect(request, socket));
    const answer = new Promise<IppMessage>((resolve, reject) => {
      request.once('response', (response) => readAnswer(response, this.where).then(resolve, reject));
      request.once('error', (err) => {
        (err as { reusedSocket?: boolean }).reusedSocket = request.reusedSocket;
        reject(err);
      });
    });
    if (!document) {
      request.end(header);
      return answer;
    }
    const upload = (async () => {
      request.write(header);
      await writeDocument(document, request);
      request.end();
    })();
    // The upload's own failure shows up as the request's error (or is moot once the printer has answered).
    upload.catch((err: unknown) => request.destroy(err instanceof Error ? err : new Error(String(err))));
    return this.finishUpload(answer, upload, request, message.code);
  }

  /** A refusal may come before the whole document was read; success counts only once every byte went out. */
  private async finishUpload(
    answer: Promise<IppMessage>,
    upload: Promise<void>,
    request: http.ClientRequest,
    operation: number,
  ): Promise<IppMessage> {
    const reply = await answer;
    if (!isIppSuccess(reply.code)) {
      request.destroy();
      return reply;
    }
    await upload.catch((err: unknown) => {
      throw new PrinterOutputError(
        'refused',
        `${this.where} accepted ${ippOperationName(operation)} before the whole document was sent`,
        { cause: err },
      );
    });
    return reply;
  }

  private watchConnect(request: http.ClientRequest, socket: Socket): void {
    this.sockets.add(socket);
    if (!socket.connecting) return;
    const release = this.guard.holdIdle();
    const timer = setTimeout(() => {
      request.destroy(
        new PrinterOutputError(
          'printer unreachable',
          `no connection to ${this.where} within ${this.connectMs} ms`,
        ),
      );
    }, this.connectMs);
    const connected = () => {
      clearTimeout(timer);
      release();
    };
    socket.once(this.target.protocol === 'ipps' ? 'secureConnect' : 'connect', connected);
    socket.once('close', connected);
  }
}
