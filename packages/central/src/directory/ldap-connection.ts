/**
 * A lean LDAP v3 client connection for directory reads: connect (ldap, ldaps, StartTLS), simple bind, and a
 * paged subtree search that streams entries, then unbind.
 *
 * Requests are encoded with ldapts's message classes (and its filter parser), but replies are decoded here,
 * straight from the socket's buffers into `{dn, attributes}` records. ldapts's general-purpose decoding costs
 * about 25 µs per entry, several times what slapd needs to send it, and it asks for the next page only after the
 * previous one is consumed; reading 100,000 users was then 5–7 times slower than `ldapsearch`. Here the next
 * page is requested as soon as the previous one ends, so the server works while we map.
 *
 * One operation is in flight at a time. Every failure (socket closed, timeout, malformed reply) rejects the
 * operation in flight and closes the connection; a result code other than success rejects with
 * {@link LdapResultError}. Search references (referrals to other servers, such as AD's DomainDnsZones) are not
 * followed: a source lists the servers and base DNs it reads.
 */
import net from 'node:net';
import tls from 'node:tls';
import {
  BindRequest,
  ExtendedRequest,
  FilterParser,
  PagedResultsControl,
  SearchRequest,
  UnbindRequest,
  type Filter,
} from 'ldapts';
import { BerCursor, elementSize, readCookie, readEntry, type LdapEntry } from './ldap-ber';

export type { LdapEntry } from './ldap-ber';

/** LDAP result codes (RFC 4511) this code reacts to. */
export const LdapResultCode = {
  Success: 0,
  SizeLimitExceeded: 4,
  ConfidentialityRequired: 13,
  NoSuchObject: 32,
  InappropriateAuthentication: 48,
  InvalidCredentials: 49,
} as const;

const RESULT_NAMES: Record<number, string> = {
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  4: 'sizeLimitExceeded',
  7: 'authMethodNotSupported',
  8: 'strongerAuthRequired',
  11: 'adminLimitExceeded',
  12: 'unavailableCriticalExtension',
  13: 'confidentialityRequired',
  32: 'noSuchObject',
  34: 'invalidDNSyntax',
  48: 'inappropriateAuthentication',
  49: 'invalidCredentials',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  80: 'other',
};

/** The server answered an operation with a result code other than success. */
export class LdapResultError extends Error {
  constructor(
    readonly resultCode: number,
    readonly diagnostic: string,
  ) {
    const name = RESULT_NAMES[resultCode] ?? 'result';
    super(`${name} (${resultCode})${diagnostic ? `: ${diagnostic}` : ''}`);
    this.name = 'LdapResultError';
  }
}

/** Where and how to connect, for {@link LdapConnection.open}. */
export interface LdapConnectOptions {
  url: string;
  startTls: boolean;
  /** TLS settings (CA, server name) for ldaps and StartTLS. */
  tls: tls.ConnectionOptions;
  connectTimeoutMs: number;
  /** How long one operation (a bind, one page of a search) may take. */
  timeoutMs: number;
}

/** A search, for {@link LdapConnection.search}. */
export interface LdapSearch {
  baseDn: string;
  filter: string | Filter;
  attributes: string[];
  /** Entries per page (paged results, RFC 2696); 0: one plain search. */
  pageSize: number;
  /** Ask the server for at most this many entries; hitting it is then not an error (default 0: no limit). */
  sizeLimit?: number;
}

const OP_BIND_RESPONSE = 0x61;
const OP_SEARCH_ENTRY = 0x64;
const OP_SEARCH_DONE = 0x65;
const OP_SEARCH_REFERENCE = 0x73;
const OP_EXTENDED_RESPONSE = 0x78;
const TAG_CONTROLS = 0xa0;
const START_TLS_OID = '1.3.6.1.4.1.1466.20037';

/** A final reply: its result code and, for a page of a paged search, the cookie of the next page. */
interface LdapResult {
  code: number;
  diagnostic: string;
  cookie: Buffer | null;
}

interface PendingOperation {
  messageId: number;
  onEntry?: (entry: LdapEntry) => void;
  resolve(result: LdapResult): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** An open LDAP connection; see the file comment. */
export class LdapConnection {
  private pending: PendingOperation | null = null;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private needed = 0;
  private lastId = 0;
  private failure: Error | null = null;

  private constructor(
    private socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    this.attach(socket);
  }

  /** Connect to `options.url` (and upgrade with StartTLS when asked); rejects when that fails or times out. */
  static async open(options: LdapConnectOptions): Promise<LdapConnection> {
    const url = new URL(options.url);
    const secure = url.protocol === 'ldaps:';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port) || (secure ? 636 : 389);
    const socket = secure ? tls.connect({ ...options.tls, host, port }) : net.connect({ host, port });
    await ready(socket, secure ? 'secureConnect' : 'connect', options.connectTimeoutMs, options.url);
    const connection = new LdapConnection(socket, options.timeoutMs);
    if (options.startTls) await connection.startTls(options.tls, options.connectTimeoutMs, options.url);
    return connection;
  }

  /** Simple bind; rejects with {@link LdapResultError} when the server refuses it. */
  async bind(dn: string, password: string): Promise<void> {
    const result = await this.send((messageId) => new BindRequest({ messageId, dn, password }).write());
    if (result.code !== LdapResultCode.Success) throw new LdapResultError(result.code, result.diagnostic);
  }

  /**
   * Run `search` to the end: with paging, page after page (the next one requested before `onPage` sees the
   * previous). Rejects on any failure, however many pages were delivered.
   */
  async search(search: LdapSearch, onPage: (entries: LdapEntry[]) => void): Promise<void> {
    const filter =
      typeof search.filter === 'string' ? FilterParser.parseString(search.filter) : search.filter;
    const request = (cookie: Buffer | null) => (entries: LdapEntry[]) =>
      this.send(
        (messageId) =>
          new SearchRequest({
            messageId,
            baseDN: search.baseDn,
            scope: 'sub',
            filter,
            attributes: search.attributes,
            sizeLimit: search.sizeLimit ?? 0,
            timeLimit: Math.ceil(this.timeoutMs / 1000),
            controls: search.pageSize > 0 ? [pagedControl(search.pageSize, cookie)] : undefined,
          }).write(),
        (entry) => entries.push(entry),
      );
    let entries: LdapEntry[] = [];
    let inFlight = request(null)(entries);
    for (;;) {
      const result = await inFlight;
      const limited = result.code === LdapResultCode.SizeLimitExceeded && (search.sizeLimit ?? 0) > 0;
      if (result.code !== LdapResultCode.Success && !limited) {
        throw new LdapResultError(result.code, result.diagnostic);
      }
      const page = entries;
      const more = search.pageSize > 0 && result.cookie !== null && result.cookie.length > 0;
      if (more) {
        entries = [];
        inFlight = request(result.cookie)(entries);
        // The next page is on its way; a failure of it surfaces at the next await, not as an unhandled rejection.
        inFlight.catch(() => undefined);
      }
      onPage(page);
      if (!more) return;
    }
  }

  /** Unbind and close; any operation in flight rejects. Idempotent. */
  close(): void {
    if (this.failure) {
      this.socket.destroy();
      return;
    }
    this.fail(new Error('the connection was closed'));
    this.socket.end(new UnbindRequest({ messageId: ++this.lastId }).write());
    // The unbind is a courtesy; a server that does not close its side is not waited for.
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  private async startTls(options: tls.ConnectionOptions, timeoutMs: number, url: string): Promise<void> {
    const result = await this.send((messageId) =>
      new ExtendedRequest({ messageId, oid: START_TLS_OID }).write(),
    );
    if (result.code !== LdapResultCode.Success) throw new LdapResultError(result.code, result.diagnostic);
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    const secure = tls.connect({ ...options, socket: this.socket });
    await ready(secure, 'secureConnect', timeoutMs, url);
    this.socket = secure;
    this.attach(secure);
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  private send(
    encode: (messageId: number) => Buffer,
    onEntry?: (entry: LdapEntry) => void,
  ): Promise<LdapResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error('an LDAP operation is already in flight'));
    const messageId = ++this.lastId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new Error(`no answer within ${this.timeoutMs / 1000} s`));
        this.socket.destroy();
      }, this.timeoutMs);
      this.pending = { messageId, onEntry, resolve, reject, timer };
      this.socket.write(encode(messageId));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const pending = this.pending;
    this.pending = null;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(this.failure);
    }
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.needed) return;
    const buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.buffered);
    let pos = 0;
    try {
      for (;;) {
        const size = elementSize(buf, pos);
        if (size < 0 || pos + size > buf.length) {
          this.needed = size < 0 ? buf.length - pos + 1 : size;
          break;
        }
        this.dispatch(new BerCursor(buf.subarray(0, pos + size), pos));
        pos += size;
      }
    } catch (err) {
      this.fail(err as Error);
      this.socket.destroy();
      return;
    }
    const rest = buf.subarray(pos);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
  }

  private dispatch(cursor: BerCursor): void {
    const messageEnd = cursor.enter(0x30);
    const messageId = cursor.integer();
    const operationEnd = cursor.enter();
    const operation = cursor.tag;
    if (messageId === 0 && operation === OP_EXTENDED_RESPONSE) {
      throw new Error('the server announced it is disconnecting');
    }
    const pending = this.pending;
    if (!pending || messageId !== pending.messageId) {
      cursor.pos = messageEnd;
      return;
    }
    if (operation === OP_SEARCH_ENTRY) {
      pending.onEntry?.(readEntry(cursor));
      return;
    }
    if (operation === OP_SEARCH_REFERENCE) return;
    if (
      operation !== OP_SEARCH_DONE &&
      operation !== OP_BIND_RESPONSE &&
      operation !== OP_EXTENDED_RESPONSE
    ) {
      throw new Error(`malformed reply: unexpected operation 0x${operation.toString(16)}`);
    }
    const code = cursor.integer(0x0a);
    cursor.skip();
    const diagnostic = cursor.string();
    cursor.pos = operationEnd;
    const cookie =
      cursor.pos < messageEnd && cursor.buf[cursor.pos] === TAG_CONTROLS
        ? readCookie(cursor, cursor.enter())
        : null;
    this.pending = null;
    clearTimeout(pending.timer);
    pending.resolve({ code, diagnostic, cookie });
  }
}

function pagedControl(size: number, cookie: Buffer | null): PagedResultsControl {
  return new PagedResultsControl({ value: { size, cookie: cookie ?? Buffer.alloc(0) } });
}

/** Resolve once `socket` emits `event`; reject on error or after `timeoutMs`, destroying it. */
function ready(socket: net.Socket, event: string, timeoutMs: number, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${url}: connection timeout after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once(event, () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}
