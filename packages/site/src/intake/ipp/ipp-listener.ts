/**
 * The IPP and IPPS listeners: IPP over HTTP/1.1 POST (`Content-Type: application/ipp`) on `ipp.port`, and the
 * same handler over TLS on `ipp.ippsPort`.
 *
 * The attribute section is read incrementally and the document streams from the socket into the job core with
 * back-pressure, so request bodies of any size cost bounded memory. `Expect: 100-continue` is answered only
 * after the headers are acceptable. A body the operation did not read (a refused Print-Job) is discarded up to
 * a bound, keeping the connection alive; beyond it the connection is closed rather than read to the end.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo } from 'node:net';
import {
  defaultIppDecodeLimits,
  encodeIppMessage,
  type IppDecodeLimits,
  IppMessage,
  ippOperationName,
  IppParseError,
  ippStatusName,
  type Logger,
  readIppMessage,
} from '@quire/common';
import { Counter, Registry } from 'prom-client';
import { type JobIntake } from '../intake-port';
import { isClientGone } from './ipp-errors';
import { IppService } from './ipp-operations';
import { PendingJobs } from './ipp-pending-jobs';
import { type PrinterFacts } from './ipp-printer-attributes';
import {
  createIppResponse,
  hostNameFromHeader,
  IppUris,
  portFromHeader,
  type IppRequestContext,
} from './ipp-request';
import { writeInfoPage } from './ipp-info-page';

/** How to run the IPP listeners. */
export interface IppListenerOptions {
  intake: JobIntake;
  logger: Logger;
  /** Bind address (`ipp.host`). */
  host: string;
  /** Plain IPP port (`ipp.port`); 0 picks a free one. */
  port: number;
  /** IPPS: PEM certificate and key, and its port (`ipp.ippsPort`; 0 picks a free one). */
  tls?: { certPem: string; keyPem: string; port: number };
  /** Host name used in URIs when a client sends no usable Host header. */
  serverName?: string;
  /** `printer-location`, `printer-make-and-model`, `printer-organization`, firmware version. */
  location?: string;
  makeAndModel?: string;
  organization?: string;
  version?: string;
  /** `media-default`, a PWG name from the supported list (iso_a4_210x297mm by default). */
  defaultMedia?: string;
  /** How long a Create-Job job waits for Send-Document. */
  multipleOperationTimeoutSeconds?: number;
  metrics?: Registry;
  /** Checks HTTP Basic credentials when a client sends them; without it, requesting-user-name is trusted. */
  authenticateUser?: (username: string, password: string) => Promise<boolean>;
  decodeLimits?: Partial<IppDecodeLimits>;
  /** How long `stop` lets requests in flight finish before closing their connections. */
  shutdownTimeoutMs?: number;
}

/** Most unread body bytes discarded after an early answer before the connection is closed instead. */
const MAX_DISCARD_BYTES = 16 * 1024 * 1024;

/** The IPP intake front-end. */
export class IppListener {
  private readonly service: IppService;
  private readonly pending: PendingJobs;
  private readonly limits: IppDecodeLimits;
  private readonly requests: Counter<'operation' | 'status'>;
  private readonly servers: Array<{ server: Server; secure: boolean }> = [];
  private readonly boundPorts: { ipp?: number; ipps?: number } = {};
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: IppListenerOptions) {
    const logger = options.logger;
    this.pending = new PendingJobs((options.multipleOperationTimeoutSeconds ?? 300) * 1000, logger);
    const facts: PrinterFacts = {
      location: options.location ?? '',
      makeAndModel: options.makeAndModel ?? 'Quire Print Queue',
      organization: options.organization ?? '',
      defaultMedia: options.defaultMedia ?? 'iso_a4_210x297mm',
      multipleOperationTimeoutSeconds: options.multipleOperationTimeoutSeconds ?? 300,
      startedAt: new Date(),
      version: options.version ?? '0',
    };
    this.service = new IppService({ intake: options.intake, logger, facts, pending: this.pending });
    this.limits = { ...defaultIppDecodeLimits, ...options.decodeLimits };
    this.requests = ippRequestCounter(options.metrics ?? new Registry());
  }

  /** Listen on the IPP port (and the IPPS port when TLS is configured); resolves with the IPP port. */
  async start(): Promise<number> {
    this.boundPorts.ipp = await this.listen(createHttpServer(), false, this.options.port);
    const tls = this.options.tls;
    if (tls) {
      const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.2' });
      this.boundPorts.ipps = await this.listen(server, true, tls.port);
    }
    this.options.logger.info('IPP listening', { host: this.options.host, ...this.boundPorts });
    return this.boundPorts.ipp;
  }

  /** The bound ports, once started. */
  get ports(): { ipp?: number; ipps?: number } {
    return { ...this.boundPorts };
  }

  /** Stop accepting, let requests in flight finish (bounded), drop waiting Create-Job jobs. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const timeoutMs = this.options.shutdownTimeoutMs ?? 10_000;
    await Promise.all(
      this.servers.map(({ server }) => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
        return closed.finally(() => clearTimeout(force));
      }),
    );
    this.pending.clear();
    this.options.logger.info('IPP stopped');
  }

  private async listen(server: Server, secure: boolean, port: number): Promise<number> {
    // Documents can be large and slow: no whole-request deadline, but idle sockets and slow headers time out.
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    server.keepAliveTimeout = 30_000;
    server.setTimeout(300_000);
    server.on('request', (req: IncomingMessage, res: ServerResponse) =>
      this.dispatch(req, res, secure, false),
    );
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) =>
      this.dispatch(req, res, secure, true),
    );
    server.on('clientError', (_err, socket) => {
      if (socket.writable)
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.push({ server, secure });
    return (server.address() as AddressInfo).port;
  }

  private dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    secure: boolean,
    expectsContinue: boolean,
  ): void {
    if (this.stopping) res.shouldKeepAlive = false;
    this.handle(req, res, secure, expectsContinue).catch((err: unknown) => {
      this.options.logger.error('IPP request failed', {
        error: err instanceof Error ? err.message : String(err),
      });
      if (!res.headersSent) this.plain(res, 500, 'Internal server error.');
      else res.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, secure: boolean, expectsContinue: boolean) {
    const uris = this.urisFor(req, secure);
    if (req.method === 'GET' || req.method === 'HEAD') {
      await writeInfoPage(req, res, this.options.intake, uris);
      return;
    }
    if (req.method !== 'POST')
      return this.plain(res, 405, 'Use POST for IPP requests.', { Allow: 'GET, HEAD, POST' });
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/ipp') return this.plain(res, 400, 'Content-Type must be application/ipp.');
    const auth = await this.authenticate(req);
    if (auth === 'refused') {
      return this.plain(res, 401, 'Wrong user name or password.', {
        'WWW-Authenticate': 'Basic realm="Quire"',
      });
    }
    if (expectsContinue) res.writeContinue();
    let read: Awaited<ReturnType<typeof readIppMessage>>;
    try {
      read = await readIppMessage(req, this.limits);
    } catch (err) {
      if (err instanceof IppParseError) return this.answerParseError(req, res, err);
      if (isClientGone(err)) return;
      throw err;
    }
    const context: IppRequestContext = {
      request: read.message,
      document: read.document,
      user: auth ?? requestingUser(read.message),
      authenticated: auth !== undefined,
      clientAddress: (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      secure,
      uris,
    };
    const response = await this.service.handle(context);
    read.document.destroy();
    this.send(req, res, response, read.message.code);
  }

  private answerParseError(req: IncomingMessage, res: ServerResponse, err: IppParseError): void {
    const header = err.header ?? { version: { major: 2, minor: 0 }, code: 0, requestId: 0 };
    const request = new IppMessage(header.version, header.code, header.requestId);
    this.options.logger.debug('malformed IPP request', { error: err.message });
    this.send(req, res, createIppResponse(request, err.ippStatus, err.message), header.code);
  }

  private send(req: IncomingMessage, res: ServerResponse, response: IppMessage, operation: number): void {
    this.discardUnreadBody(req);
    const body = encodeIppMessage(response);
    // Unknown operation ids are counted together: a label per garbage id would let any client grow the registry.
    const name = ippOperationName(operation);
    this.requests.inc({
      operation: name.startsWith('0x') ? 'other' : name,
      status: ippStatusName(response.code),
    });
    res.writeHead(200, { 'Content-Type': 'application/ipp', 'Content-Length': body.length });
    res.end(body);
  }

  /** Read and drop what the operation left of the body, so the connection can carry the next request. */
  private discardUnreadBody(req: IncomingMessage): void {
    if (req.complete || req.destroyed) return;
    let discarded = 0;
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > MAX_DISCARD_BYTES) req.socket.destroy();
    });
    req.on('error', () => undefined);
    req.resume();
  }

  private plain(
    res: ServerResponse,
    status: number,
    text: string,
    headers: Record<string, string> = {},
  ): void {
    res.shouldKeepAlive = false;
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', ...headers });
    res.end(`${text}\n`);
  }

  /** The Basic-authenticated user, `refused` for wrong credentials, undefined when none were checked. */
  private async authenticate(req: IncomingMessage): Promise<string | 'refused' | undefined> {
    const check = this.options.authenticateUser;
    const header = req.headers.authorization;
    if (!check || !header?.toLowerCase().startsWith('basic ')) return undefined;
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return 'refused';
    const user = decoded.slice(0, colon);
    return (await check(user, decoded.slice(colon + 1))) ? user : 'refused';
  }

  private urisFor(req: IncomingMessage, secure: boolean): IppUris {
    const fallback = this.options.serverName ?? 'localhost';
    const host = hostNameFromHeader(req.headers.host, fallback);
    const headerPort = portFromHeader(req.headers.host);
    const ipp = this.boundPorts.ipp ?? this.options.port;
    const ipps = this.boundPorts.ipps ?? null;
    return new IppUris(
      host,
      secure ? { ipp, ipps: headerPort ?? ipps } : { ipp: headerPort ?? ipp, ipps },
      secure,
    );
  }
}

function requestingUser(message: IppMessage): string | null {
  return message.operation?.getString('requesting-user-name')?.trim() || null;
}

function ippRequestCounter(registry: Registry): Counter<'operation' | 'status'> {
  const name = 'quire_ipp_requests_total';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'operation' | 'status'>;
  return new Counter({
    name,
    help: 'IPP requests answered, by operation and status.',
    labelNames: ['operation', 'status'],
    registers: [registry],
  });
}
