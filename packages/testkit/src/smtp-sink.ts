/**
 * An SMTP server that only receives, for testing outgoing mail: a real smtp-server on 127.0.0.1 and a port the
 * kernel picks, which records every message (envelope, raw text, subject and plain-text body). It can require
 * AUTH, reject chosen recipients, and offer STARTTLS with a self-signed certificate made by the `openssl` CLI,
 * so a mailer's failure paths are tested against a real protocol exchange. It is tracked, so a run never
 * leaves one listening.
 *
 * The body parser is deliberately small: it decodes single-part text messages (7bit, 8bit, quoted-printable,
 * base64; UTF-8 and the charsets TextDecoder knows) and RFC 2047 encoded words in the subject, which is what a
 * plain-text notification is. For anything multipart, `text` is null and the raw message is there to inspect.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer, type SMTPServerError, type SMTPServerOptions } from 'smtp-server';
import { runCommand } from './exec';
import { track } from './registry';

/** Options for {@link startSmtpSink}. */
export interface SmtpSinkOptions {
  /** Require AUTH (PLAIN or LOGIN) with exactly this user and password; by default AUTH is not offered. */
  auth?: { user: string; password: string };
  /** Recipients refused at RCPT TO with 550: a list of addresses (case-insensitive) or a predicate. */
  rejectRecipients?: readonly string[] | ((address: string) => boolean);
  /** Offer STARTTLS with a fresh self-signed certificate for 127.0.0.1 and localhost (see `certificatePem`). */
  starttls?: boolean;
}

/** One message the sink accepted. */
export interface SmtpSinkMessage {
  /** The envelope sender (MAIL FROM). */
  from: string;
  /** The envelope recipients that were accepted (RCPT TO). */
  to: string[];
  /** The message as received, headers and body, dot-unstuffed. */
  raw: string;
  /** Header fields by lower-case name, unfolded; the first occurrence wins. */
  headers: Record<string, string>;
  /** The Subject header with encoded words decoded; '' when there is none. */
  subject: string;
  /** The decoded body of a single-part text message; null for multipart messages. */
  text: string | null;
  /** The user the client authenticated as, or null. */
  user: string | null;
  /** True when the message arrived over TLS (after STARTTLS). */
  secure: boolean;
  receivedAt: number;
}

/** A running sink. */
export interface SmtpSink {
  host: string;
  port: number;
  /** The sink's self-signed certificate (PEM) when STARTTLS is on, for a client to trust; otherwise null. */
  certificatePem: string | null;
  /** Messages accepted so far, in the order they completed. */
  messages(): SmtpSinkMessage[];
  /** Resolve with the messages once at least `count` are recorded; reject after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<SmtpSinkMessage[]>;
  /** Addresses refused at RCPT TO, in order. */
  rejectedRecipients(): string[];
  /** How many AUTH attempts failed. */
  authFailures(): number;
  /** Close the listener and every connection. Idempotent. */
  stop(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

function smtpError(message: string, responseCode: number): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

/** Decode RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`) in a header value. */
function decodeEncodedWords(value: string): string {
  const joined = value.replace(/(\?=)\s+(?==\?)/g, '$1');
  return joined.replace(
    /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
    (_word, charset: string, encoding: string, data) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : decodeQuotedPrintable(String(data).replace(/_/g, ' '));
      return decodeCharset(bytes, charset);
    },
  );
}

function decodeQuotedPrintable(text: string): Buffer {
  const unfolded = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < unfolded.length; i++) {
    const hex = unfolded.slice(i + 1, i + 3);
    if (unfolded[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(unfolded[i], 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(bytes: Buffer, charset: string): string {
  const label = charset.toLowerCase() === 'us-ascii' ? 'utf-8' : charset;
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

/** Split a raw message into unfolded headers and a body, and decode a single-part text body. */
export function parseSimpleMessage(raw: string): Pick<SmtpSinkMessage, 'headers' | 'subject' | 'text'> {
  const split = /\r?\n\r?\n/.exec(raw);
  const headerBlock = split ? raw.slice(0, split.index) : raw;
  const body = split ? raw.slice(split.index + split[0].length) : '';
  const headers: Record<string, string> = {};
  for (const line of headerBlock.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] ??= line.slice(colon + 1).trim();
  }
  const contentType = headers['content-type'] ?? 'text/plain';
  const charset = /charset="?([^";\s]+)"?/i.exec(contentType)?.[1] ?? 'utf-8';
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  let text: string | null = null;
  if (!/^multipart\//i.test(contentType)) {
    if (encoding === 'quoted-printable') text = decodeCharset(decodeQuotedPrintable(body), charset);
    else if (encoding === 'base64') text = decodeCharset(Buffer.from(body, 'base64'), charset);
    else text = body;
  }
  return { headers, subject: decodeEncodedWords(headers.subject ?? ''), text };
}

/** A self-signed certificate for 127.0.0.1 and localhost, made by the openssl CLI in a scratch folder. */
async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quire-smtp-sink-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    const result = await runCommand(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1'].concat([
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ]),
      { timeoutMs: 30_000 },
    );
    if (result.code !== 0)
      throw new Error(`openssl could not make the SMTP sink certificate:\n${result.output}`);
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function recipientFilter(option: SmtpSinkOptions['rejectRecipients']): (address: string) => boolean {
  if (typeof option === 'function') return option;
  const refused = new Set((option ?? []).map((address) => address.toLowerCase()));
  return (address) => refused.has(address.toLowerCase());
}

/** The message list and its waiters. */
class MessageLog {
  readonly recorded: SmtpSinkMessage[] = [];
  private readonly waiters = new Set<() => void>();

  record(message: SmtpSinkMessage): void {
    this.recorded.push(message);
    for (const waiter of this.waiters) waiter();
  }

  waitFor(count: number, timeoutMs: number): Promise<SmtpSinkMessage[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.recorded.length < count) return;
        finish();
        resolve([...this.recorded]);
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(`SMTP sink received ${this.recorded.length} of ${count} messages within ${timeoutMs} ms`),
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
}

/**
 * Start an SMTP sink on 127.0.0.1. Without options it accepts any sender and recipient, without AUTH or TLS;
 * see {@link SmtpSinkOptions} for AUTH, refused recipients and STARTTLS.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const log = new MessageLog();
  const rejected: string[] = [];
  let authFailures = 0;
  const isRefused = recipientFilter(options.rejectRecipients);
  const tls = options.starttls ? await selfSignedCertificate() : null;
  const disabledCommands = [...(options.auth ? [] : ['AUTH']), ...(tls ? [] : ['STARTTLS'])];
  const serverOptions: SMTPServerOptions = {
    ...(tls ?? {}),
    logger: false,
    disableReverseLookup: true,
    size: MAX_MESSAGE_BYTES,
    closeTimeout: 1_000,
    disabledCommands,
    authOptional: !options.auth,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      const expected = options.auth;
      if (expected && auth.username === expected.user && auth.password === expected.password) {
        callback(null, { user: auth.username });
        return;
      }
      authFailures++;
      callback(smtpError('Invalid username or password', 535));
    },
    onRcptTo(address, _session, callback) {
      if (!isRefused(address.address)) return callback();
      rejected.push(address.address);
      callback(smtpError(`Recipient ${address.address} refused by the test sink`, 550));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(smtpError('Message too large for the test sink', 552));
        const raw = Buffer.concat(chunks).toString('utf8');
        log.record({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw,
          ...parseSimpleMessage(raw),
          user: typeof session.user === 'string' ? session.user : null,
          secure: session.secure,
          receivedAt: Date.now(),
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  // Clients that drop mid-session (the refused-connection and TLS failure tests) surface here; they are the
  // client's failure to observe, not the sink's, and an unhandled 'error' would end the test run.
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  let stopping: Promise<void> | undefined;
  const untrack = track({
    description: `SMTP sink on 127.0.0.1:${port}`,
    stop: () => sink.stop(),
    killNow: () => {
      server.server.close();
      for (const connection of server.connections) connection._socket.destroy();
    },
  });
  const sink: SmtpSink = {
    host: '127.0.0.1',
    port,
    certificatePem: tls?.cert ?? null,
    messages: () => [...log.recorded],
    waitForMessages: (count, timeoutMs = 30_000) => log.waitFor(count, timeoutMs),
    rejectedRecipients: () => [...rejected],
    authFailures: () => authFailures,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const connection of server.connections) {
          connection.send(421, 'Test sink shutting down');
          connection.close();
        }
      }).then(() => {
        untrack();
      });
      return stopping;
    },
  };
  return sink;
}
