/**
 * Outgoing mail over SMTP (nodemailer): the SMTP settings an administrator edits, the mailer the directory uses
 * to send each user their new PIN or ID code, and the "send test mail" action. The rate limiter behind
 * "notify not more often than every N minutes" is re-exported from ./rate-limiter.
 *
 * Bulk sends go through one pooled transport with a bounded number of connections, and report an outcome per
 * message: one bad or refused address must not stop the other 499 users from getting their codes. Every SMTP
 * failure becomes a QuireError whose message names what went wrong in the administrator's terms (connection
 * refused, authentication failed, recipient rejected) and whose `details.reason` is a stable keyword.
 *
 * A mail body carries a PIN, so neither bodies nor subjects are ever logged, nodemailer's own logger stays off
 * (its debug mode logs message data), and the SMTP password is kept out of every message and log line.
 */
import nodemailer, { type NodemailerError, type SMTPPoolOptions, type Transporter } from 'nodemailer';
import { z } from 'zod';
import { describeError, ErrorCode, QuireError } from '../errors';
import { type Logger } from '../logging/logger';

// The rate limiter lives in its own file to keep this one short; the directory imports both from here.
export { RateLimiter, type RateLimiterOptions } from './rate-limiter';

/** How the connection to the mail server is protected. */
export const SMTP_SECURITY_MODES = ['none', 'starttls', 'tls'] as const;

/**
 * The SMTP settings, with their defaults:
 * - `port` 25, the relay port of PaperCut's procedure (587 and 465 are common for submission);
 * - `security` `starttls`: PIN mails are secrets, so the upgrade is required and a server without it fails the
 *   test mail rather than receiving PINs in clear; `none` sends in clear (only for a relay on a trusted
 *   network), `tls` is TLS from the first byte (usually port 465);
 * - `auth` none: both user and password are optional, as in PaperCut, for relays that trust the network;
 * - `connectionTimeoutMs` and `greetingTimeoutMs` 10 s each, so a wrong host fails the test mail quickly;
 * - `maxConnections` 3: enough for a bulk send of thousands of codes without tripping a relay's limits;
 * - `trustedCaPem` none: the system's CAs; set it to trust a relay whose certificate an internal CA signed.
 */
export const smtpSettingsSchema = z.strictObject({
  host: z.string().trim().min(1).max(253),
  port: z.number().int().min(1).max(65535).default(25),
  security: z.enum(SMTP_SECURITY_MODES).default('starttls'),
  auth: z.strictObject({ user: z.string().min(1).max(256), password: z.string().max(1024) }).optional(),
  sender: z.email(),
  senderName: z.string().trim().max(100).optional(),
  connectionTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  greetingTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),
  maxConnections: z.number().int().min(1).max(50).default(3),
  trustedCaPem: z.string().max(100_000).optional(),
});

/** SMTP settings as the API and the settings store take them (defaults may be left out). */
export type SmtpSettingsInput = z.input<typeof smtpSettingsSchema>;
/** SMTP settings with every default applied. */
export type SmtpSettings = z.output<typeof smtpSettingsSchema>;

function invalidInput(message: string, details: Record<string, unknown>): QuireError {
  return new QuireError(ErrorCode.ValidationFailed, message, { details });
}

/**
 * Validate SMTP settings and apply the defaults. VALIDATION_FAILED lists each bad field; the message never
 * quotes a value, so a password cannot leak through it.
 */
export function parseSmtpSettings(input: unknown): SmtpSettings {
  const result = smtpSettingsSchema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    field: issue.path.join('.'),
    problem: issue.message,
  }));
  const list = fields.map((f) => `${f.field || '(settings)'}: ${f.problem}`).join('; ');
  throw invalidInput(`SMTP settings are invalid: ${list}`, { fields });
}

/** The settings as an API may show them: the password is replaced by whether one is set. */
export function redactedSmtpSettings(settings: SmtpSettings): Omit<SmtpSettings, 'auth'> & {
  auth?: { user: string; passwordSet: boolean };
} {
  const { auth, ...rest } = settings;
  return auth ? { ...rest, auth: { user: auth.user, passwordSet: auth.password.length > 0 } } : rest;
}

/** One plain-text mail to one recipient. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** What the mail server said when it accepted a message. */
export interface SentMail {
  to: string;
  messageId: string;
  /** The server's final reply, e.g. `250 OK: message queued`. */
  response: string;
  durationMs: number;
}

/** The result of one message of a bulk send, in the order of the messages given. */
export type SendOutcome = ({ ok: true } & SentMail) | { ok: false; to: string; error: QuireError };

/** Options for {@link Mailer.sendMany}. */
export interface SendManyOptions {
  /** Messages in flight at once; defaults to the settings' `maxConnections`. */
  concurrency?: number;
}

/** Stable keywords for `details.reason` of an SMTP failure. */
export const SMTP_FAILURE_REASONS = [
  'invalid-address',
  'connection-refused',
  'host-not-found',
  'timeout',
  'tls-failed',
  'auth-failed',
  'auth-required',
  'sender-rejected',
  'recipient-rejected',
  'message-rejected',
  'smtp-error',
] as const;
export type SmtpFailureReason = (typeof SMTP_FAILURE_REASONS)[number];

/** Socket idle time after which a pooled connection is dropped; a relay that stalls mid-message fails a send. */
const SOCKET_TIMEOUT_MS = 60_000;
/** A pooled connection is replaced after this many messages, as relays often cap messages per session. */
const MESSAGES_PER_CONNECTION = 100;
const MAX_CONCURRENCY = 100;

const TLS_ERROR_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|UNABLE_TO_)/;

const emailSchema = z.email();

function transportOptions(settings: SmtpSettings): SMTPPoolOptions & { pool: true } {
  return {
    pool: true,
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    auth: settings.auth ? { user: settings.auth.user, pass: settings.auth.password } : undefined,
    connectionTimeout: settings.connectionTimeoutMs,
    greetingTimeout: settings.greetingTimeoutMs,
    socketTimeout: SOCKET_TIMEOUT_MS,
    maxConnections: settings.maxConnections,
    maxMessages: MESSAGES_PER_CONNECTION,
    tls: settings.trustedCaPem ? { ca: settings.trustedCaPem } : undefined,
    logger: false,
    debug: false,
  };
}

/** Which failure a nodemailer error is, from its code, the code of the socket error under it, and the command. */
function failureReason(err: NodemailerError): SmtpFailureReason {
  const original = err.originalCode ?? '';
  if (err.code === 'EAUTH') return 'auth-failed';
  if (err.code === 'ENOAUTH' || err.responseCode === 530) return 'auth-required';
  if (original === 'ECONNREFUSED') return 'connection-refused';
  if (err.code === 'EDNS' || original === 'ENOTFOUND' || original === 'EAI_AGAIN') return 'host-not-found';
  if (err.code === 'ETIMEDOUT') return 'timeout';
  if (err.code === 'ETLS' || TLS_ERROR_CODES.test(original) || /wrong version number/i.test(err.message)) {
    return 'tls-failed';
  }
  if (err.code === 'EENVELOPE' && err.command === 'RCPT TO') return 'recipient-rejected';
  if (err.code === 'EENVELOPE' && err.command === 'MAIL FROM') return 'sender-rejected';
  if (err.code === 'EMESSAGE' || (err.code === 'EENVELOPE' && err.command === 'DATA'))
    return 'message-rejected';
  return 'smtp-error';
}

/**
 * Failures the administrator fixes in the settings or the address are VALIDATION_FAILED; a server that cannot
 * be reached, or fails, is NOT_READY.
 */
const INPUT_REASONS: ReadonlySet<SmtpFailureReason> = new Set([
  'invalid-address',
  'auth-failed',
  'auth-required',
  'sender-rejected',
  'recipient-rejected',
] as const);

/**
 * Failures that would repeat for every message (the server is unreachable, refuses the credentials or the
 * sender): once one is seen, a bulk send reports the rest without trying, rather than waiting out a timeout
 * for each of 500 users.
 */
const SERVER_REASONS: ReadonlySet<SmtpFailureReason> = new Set([
  'connection-refused',
  'host-not-found',
  'timeout',
  'tls-failed',
  'auth-failed',
  'auth-required',
  'sender-rejected',
] as const);

function notAttempted(to: string, cause: QuireError): SendOutcome {
  const message = `Not sent to ${to}: ${cause.message}`;
  return { ok: false, to, error: new QuireError(cause.code, message, { details: { ...cause.details, to } }) };
}

/** What failed, as the end of a sentence starting "Mail server HOST:PORT", with what to fix. */
function failureText(reason: SmtpFailureReason, err: NodemailerError, to: string): string {
  const reply = err.response ? ` (server said: ${err.response})` : '';
  switch (reason) {
    case 'auth-failed':
      return `refused the SMTP user name or password${reply}`;
    case 'auth-required':
      return `requires authentication: set an SMTP user and password${reply}`;
    case 'connection-refused':
      return 'refused the connection: check the SMTP host and port';
    case 'host-not-found':
      return 'could not be found: check the SMTP host name';
    case 'timeout':
      return `did not answer in time (${err.timeoutType ?? 'timeout'})`;
    case 'tls-failed':
      return tlsFailureText(err, reply);
    case 'recipient-rejected':
      return `rejected the recipient ${to}${reply}`;
    case 'sender-rejected':
      return `rejected the sender address${reply}`;
    case 'message-rejected':
      return `rejected the message${reply}`;
    default:
      return `failed: ${err.message}`;
  }
}

/** Say why TLS failed in terms of the settings to change, rather than OpenSSL's internals. */
function tlsFailureText(err: NodemailerError, reply: string): string {
  if (err.code === 'ETLS' && err.responseCode !== undefined) {
    return `does not support STARTTLS${reply}: use a server that does, or security "none" on a trusted network`;
  }
  if (/wrong version number/i.test(err.message)) {
    return 'does not speak TLS on this port: use security "starttls" here, or the TLS port (usually 465)';
  }
  const summary = err.message.split('\n')[0].trim();
  if (/CERT/.test(err.originalCode ?? '')) {
    return `presented a certificate that is not trusted (${summary}): add the CA that signed it to the SMTP settings`;
  }
  return `failed the TLS handshake: ${summary}`;
}

/** Replace every occurrence of `secret` in `text`; a no-op for an empty secret. */
function scrub(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('***') : text;
}

/**
 * Sends plain-text mail through one pooled SMTP transport built from {@link SmtpSettings}. Build one per
 * settings version and `close()` it when the settings change or the server stops.
 */
export class Mailer {
  private readonly settings: SmtpSettings;
  private readonly transport: Transporter;
  private readonly logger?: Logger;

  constructor(settings: SmtpSettingsInput, options: { logger?: Logger } = {}) {
    this.settings = parseSmtpSettings(settings);
    this.transport = nodemailer.createTransport(transportOptions(this.settings), {
      from: this.settings.senderName
        ? { name: this.settings.senderName, address: this.settings.sender }
        : this.settings.sender,
    });
    this.logger = options.logger;
  }

  /** Where mail goes, as `host:port`, for messages. */
  get server(): string {
    return `${this.settings.host}:${this.settings.port}`;
  }

  /** Send one mail; resolves with the server's acceptance, or throws a QuireError naming the SMTP failure. */
  async send(message: MailMessage): Promise<SentMail> {
    const started = performance.now();
    if (!emailSchema.safeParse(message.to).success) {
      const reason: SmtpFailureReason = 'invalid-address';
      throw invalidInput(`Cannot send mail to "${message.to}": not an email address`, {
        reason,
        to: message.to,
      });
    }
    try {
      const info = await this.transport.sendMail({
        to: message.to,
        // nodemailer encodes headers too; flattening here keeps a subject from any source one line.
        subject: message.subject.replace(/[\r\n]+/g, ' '),
        text: message.text,
      });
      return {
        to: message.to,
        messageId: String(info.messageId),
        response: String(info.response),
        durationMs: performance.now() - started,
      };
    } catch (err) {
      throw this.failure(err, message.to);
    }
  }

  /**
   * The "send test mail" action: send a short mail to `to` and return what the server said, or throw a
   * QuireError that says what to fix (host, port, security, user name and password, sender, recipient).
   */
  async sendTest(to: string): Promise<SentMail> {
    const sent = await this.send({
      to,
      subject: 'Quire test mail',
      text:
        `This is a test message from the Quire print server, sent through ${this.server} ` +
        `(security: ${this.settings.security}).\n\nIf you can read it, the SMTP settings work.\n`,
    });
    this.logger?.info('SMTP test mail accepted', {
      server: this.server,
      to,
      durationMs: Math.round(sent.durationMs),
    });
    return sent;
  }

  /**
   * Send every message with at most `concurrency` in flight, and resolve with one outcome per message, in the
   * same order. It never rejects because of a message: a refused address, or even an unreachable server, shows
   * as failed outcomes with their QuireError.
   */
  async sendMany(messages: readonly MailMessage[], options: SendManyOptions = {}): Promise<SendOutcome[]> {
    const concurrency = options.concurrency ?? this.settings.maxConnections;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw invalidInput(`Concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}`, {
        field: 'concurrency',
      });
    }
    const started = performance.now();
    const outcomes = new Array<SendOutcome>(messages.length);
    let next = 0;
    let serverFailure: QuireError | undefined;
    const worker = async () => {
      while (next < messages.length) {
        const index = next++;
        const outcome = serverFailure
          ? notAttempted(messages[index].to, serverFailure)
          : await this.sendOutcome(messages[index]);
        if (!outcome.ok && SERVER_REASONS.has(outcome.error.details?.reason as SmtpFailureReason)) {
          serverFailure ??= outcome.error;
        }
        outcomes[index] = outcome;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, messages.length) }, worker));
    const failed = outcomes.filter((outcome) => !outcome.ok).length;
    this.logger?.info('Bulk mail finished', {
      server: this.server,
      sent: messages.length - failed,
      failed,
      durationMs: Math.round(performance.now() - started),
    });
    return outcomes;
  }

  /** Close every pooled connection. Sends still queued fail; call it once the sends of interest have settled. */
  async close(): Promise<void> {
    this.transport.close();
  }

  private async sendOutcome(message: MailMessage): Promise<SendOutcome> {
    try {
      return { ok: true, ...(await this.send(message)) };
    } catch (err) {
      const error = err instanceof QuireError ? err : this.failure(err, message.to);
      this.logger?.warn('Mail not sent', {
        server: this.server,
        to: message.to,
        reason: error.details?.reason,
      });
      return { ok: false, to: message.to, error };
    }
  }

  private failure(err: unknown, to: string): QuireError {
    if (err instanceof QuireError) return err;
    const password = this.settings.auth?.password;
    const smtpError = (err instanceof Error ? err : new Error(describeError(err))) as NodemailerError;
    const reason = failureReason(smtpError);
    const text = failureText(reason, smtpError, to);
    const code = INPUT_REASONS.has(reason) ? ErrorCode.ValidationFailed : ErrorCode.NotReady;
    return new QuireError(code, scrub(`Mail server ${this.server} ${text}`, password), {
      details: {
        reason,
        server: this.server,
        to,
        smtpCode: smtpError.code,
        responseCode: smtpError.responseCode,
        response: smtpError.response === undefined ? undefined : scrub(smtpError.response, password),
      },
    });
  }
}
