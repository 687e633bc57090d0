/**
 * Error-event notifications, PaperCut's "error-level events, not more often than every N minutes": every
 * error-level line of central's logger is mailed to the configured recipients through the configured SMTP
 * server. The first error goes out at once; errors within the quiet interval after it are held (a count and
 * the first 50 lines, so a flood cannot grow memory) and go out as one digest when the interval ends.
 *
 * The notifier watches the logger it reports to, so it must never log at error level itself (each such line
 * would mail, fail and log again): its own trouble (no SMTP server, SMTP down, settings unreadable) is logged at
 * warn level, and nothing it does throws into the logger. Settings are read when it starts, when the API changes
 * them, and again when an error arrives after they are a few seconds old, never on every line.
 */
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { describeError, type Logger } from '@quire/common';
import { type DirectorySettings } from './directory-settings';
import { DEFAULT_ERROR_EVENT_SETTINGS, type ErrorEventSettings } from './error-event-settings';
import { Mailer, type MailMessage } from '@quire/common';
import { RateLimiter } from '@quire/common';

/** Starts a one-shot timer and returns what cancels it; tests inject their own to fire it at will. */
export type StartTimer = (callback: () => void, delayMs: number) => () => void;

/** Dependencies and knobs of {@link ErrorEventNotifier}. */
export interface ErrorEventNotifierOptions {
  settings: Pick<DirectorySettings, 'errorEvents' | 'smtp'>;
  /** Where the notifier's own warnings go; usually a child of the logger it watches. */
  logger: Logger;
  /** The clock, in ms since the epoch, for the quiet interval and the settings' age. */
  now?: () => number;
  /** The digest timer; an unref'd setTimeout by default, so it never keeps the process alive. */
  startTimer?: StartTimer;
  /** Settings older than this are read again when the next error arrives. */
  settingsMaxAgeMs?: number;
  /** Names this server in the mails; the host name by default. */
  serverName?: string;
}

/** Errors waiting for a mail: how many, and the text of the first {@link MAX_HELD_LINES}. */
interface HeldErrors {
  count: number;
  lines: string[];
}

/** Lines kept for one mail; the rest are only counted, and are in the log anyway. */
export const MAX_HELD_LINES = 50;
/** A longer line is cut: a stack trace or a huge payload must not make a mail of megabytes. */
const MAX_LINE_CHARS = 4_000;
const DEFAULT_SETTINGS_MAX_AGE_MS = 5_000;
const LIMITER_KEY = 'error-events';
const LEVEL = Symbol.for('level');
const MESSAGE = Symbol.for('message');

const unrefTimer: StartTimer = (callback, delayMs) => {
  const timer = setTimeout(callback, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * A winston transport in the form winston 3 accepts from any object-mode Writable with a two-argument `log`:
 * it hands each line to `onLine` and never fails a write, so the logger can never be stopped by it.
 */
class LogLineTransport extends Writable {
  constructor(private readonly onLine: (info: Record<string | symbol, unknown>) => void) {
    super({ objectMode: true });
  }

  /** Called for every line the logger emits (winston's transport contract). */
  log(info: Record<string | symbol, unknown>, callback: () => void): void {
    try {
      this.onLine(info);
    } finally {
      callback();
    }
  }

  override _write(info: Record<string | symbol, unknown>, _encoding: string, callback: () => void): void {
    this.log(info, callback);
  }
}

/** The log line as it was written (winston's formatted JSON), or a readable stand-in; never throws. */
function lineText(info: Record<string | symbol, unknown>): string {
  const formatted = info[MESSAGE];
  let text: string;
  if (typeof formatted === 'string') text = formatted;
  else {
    try {
      text = JSON.stringify({ ...info, level: info.level, message: info.message });
    } catch {
      text = String(info.message);
    }
  }
  return text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)} [cut]` : text;
}

/**
 * Mails the recipients about error-level log lines, rate-limited; see the file comment. `start` attaches it to
 * a logger, `stop` detaches it, cancels the digest timer and waits for mails in flight.
 */
export class ErrorEventNotifier {
  private readonly transport = new LogLineTransport((info) => this.onLogLine(info));
  private readonly now: () => number;
  private readonly startTimer: StartTimer;
  private readonly serverName: string;
  private settings: ErrorEventSettings = DEFAULT_ERROR_EVENT_SETTINGS;
  private settingsReadAt = Number.NEGATIVE_INFINITY;
  private reloading: Promise<void> | null = null;
  private limiter: RateLimiter;
  private held: HeldErrors = { count: 0, lines: [] };
  /** Errors that arrived while the settings were being read, handled in order once they are. */
  private waiting: HeldErrors = { count: 0, lines: [] };
  private cancelTimer: (() => void) | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private watched: Logger | null = null;
  private stopped = false;

  constructor(private readonly options: ErrorEventNotifierOptions) {
    this.now = options.now ?? Date.now;
    this.startTimer = options.startTimer ?? unrefTimer;
    this.serverName = options.serverName ?? hostname();
    this.limiter = this.newLimiter(this.settings.intervalMinutes);
  }

  /** Read the settings and start watching `logger`'s error lines. */
  async start(logger: Logger): Promise<void> {
    await this.reloadSettings();
    this.watched = logger;
    logger.add(this.transport);
  }

  /**
   * Stop watching, cancel the digest timer and wait for mails in flight. Errors still held are not mailed (they
   * are in the log); that is said at info level.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.watched?.remove(this.transport);
    this.watched = null;
    this.cancelDigest();
    const unsent = this.held.count + this.waiting.count;
    if (unsent > 0) this.options.logger.info('error-event digest not sent: central is stopping', { unsent });
    this.held = { count: 0, lines: [] };
    this.waiting = { count: 0, lines: [] };
    await this.settled();
  }

  /** Resolves once a settings read and every mail in flight have finished (stop and tests wait for it). */
  async settled(): Promise<void> {
    await this.reloading;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Read the settings now (the API calls it after a change). Never rejects: a failure keeps the old ones. */
  reloadSettings(): Promise<void> {
    this.reloading ??= this.readSettings().finally(() => {
      this.reloading = null;
      this.handleWaiting();
    });
    return this.reloading;
  }

  private async readSettings(): Promise<void> {
    try {
      const next = await this.options.settings.errorEvents();
      if (next.intervalMinutes !== this.settings.intervalMinutes) {
        this.limiter = this.newLimiter(next.intervalMinutes);
      }
      this.settings = next;
      this.settingsReadAt = this.now();
      if (!next.enabled) this.dropHeld();
    } catch (err) {
      // Counted as a read, so that a database that is down is asked again after the usual age, not per line.
      this.settingsReadAt = this.now();
      this.options.logger.warn('error-event settings could not be read; keeping the previous ones', {
        error: describeError(err),
      });
    }
  }

  private newLimiter(intervalMinutes: number): RateLimiter {
    return new RateLimiter({ intervalMinutes, now: this.now });
  }

  private onLogLine(info: Record<string | symbol, unknown>): void {
    if (this.stopped || (info[LEVEL] ?? info.level) !== 'error') return;
    try {
      const line = lineText(info);
      const stale =
        this.now() - this.settingsReadAt > (this.options.settingsMaxAgeMs ?? DEFAULT_SETTINGS_MAX_AGE_MS);
      if (this.reloading || stale) {
        this.waiting.count += 1;
        if (this.waiting.lines.length < MAX_HELD_LINES) this.waiting.lines.push(line);
        void this.reloadSettings();
      } else {
        this.accept(line);
      }
    } catch (err) {
      this.options.logger.warn('error event not handled', { error: describeError(err) });
    }
  }

  /** Errors that waited for the settings, in order, as if they had just arrived; the uncounted-for as a count. */
  private handleWaiting(): void {
    const waiting = this.waiting;
    this.waiting = { count: 0, lines: [] };
    if (this.stopped) return;
    for (const line of waiting.lines) this.accept(line);
    this.accept(null, waiting.count - waiting.lines.length);
  }

  /**
   * Hold `count` errors (with `line`'s text when there is one), then mail what is held if the quiet interval
   * allows, else make sure the digest is due.
   */
  private accept(line: string | null, count = 1): void {
    if (!this.settings.enabled || count <= 0) return;
    this.held.count += count;
    if (line !== null && this.held.lines.length < MAX_HELD_LINES) this.held.lines.push(line);
    this.flushIfDue();
  }

  private flushIfDue(): void {
    if (this.stopped || this.held.count === 0) return;
    if (!this.settings.enabled) return this.dropHeld();
    if (!this.limiter.tryAcquire(LIMITER_KEY)) return this.scheduleDigest();
    const batch = this.held;
    this.held = { count: 0, lines: [] };
    const sending = this.deliver(batch, this.settings).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private scheduleDigest(): void {
    if (this.cancelTimer) return;
    const delay = Math.max(0, this.limiter.nextAllowedAt(LIMITER_KEY) - this.now());
    this.cancelTimer = this.startTimer(() => {
      this.cancelTimer = null;
      this.flushIfDue();
    }, delay);
  }

  private cancelDigest(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private dropHeld(): void {
    this.held = { count: 0, lines: [] };
    this.cancelDigest();
  }

  /** Mail one batch to every recipient; any failure is a warning, never a rejection. */
  private async deliver(batch: HeldErrors, settings: ErrorEventSettings): Promise<void> {
    try {
      const smtp = await this.options.settings.smtp();
      if (!smtp) {
        this.options.logger.warn('error-event mail not sent: no SMTP server is configured', {
          errors: batch.count,
        });
        return;
      }
      const mailer = new Mailer(smtp);
      try {
        const mail = errorEventMail(batch, settings.intervalMinutes, this.serverName);
        const outcomes = await mailer.sendMany(
          settings.recipients.map((to): MailMessage => ({ to, ...mail })),
        );
        const failed = outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome]));
        if (failed.length > 0) {
          this.options.logger.warn('error-event mail not sent', {
            errors: batch.count,
            recipients: failed.map((outcome) => outcome.to),
            reason: failed[0].error.message,
          });
        }
      } finally {
        await mailer.close();
      }
    } catch (err) {
      this.options.logger.warn('error-event mail not sent', {
        errors: batch.count,
        error: describeError(err),
      });
    }
  }
}

/**
 * The mail for a batch: the subject says how many errors, the body quotes the held lines (the first
 * {@link MAX_HELD_LINES}) and says how many more there were and when the next mail may come.
 */
export function errorEventMail(
  batch: HeldErrors,
  intervalMinutes: number,
  serverName: string,
): Omit<MailMessage, 'to'> {
  const noun = batch.count === 1 ? '1 error' : `${batch.count} errors`;
  const intro =
    batch.count === 1
      ? `Quire central on ${serverName} logged an error:`
      : `Quire central on ${serverName} logged ${noun} since the last notification:`;
  const more = batch.count - batch.lines.length;
  const rest = more > 0 ? [`... and ${more} more, not shown here; see the log.`] : [];
  const pace =
    intervalMinutes > 0
      ? `Errors are mailed at most every ${intervalMinutes} minutes; later ones are collected into one mail.`
      : 'Every error is mailed as it happens.';
  return {
    subject: `Quire central on ${serverName}: ${noun} logged`,
    text: [intro, '', ...batch.lines, ...rest, '', pace, ''].join('\n'),
  };
}
