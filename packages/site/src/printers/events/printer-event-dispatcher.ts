/**
 * The event action dispatcher: once episodes have committed, it finds the enabled actions that want them (the
 * event, the printer's group, open or also close), applies each action's rate limit, and delivers by email or
 * webhook. It runs after the commit and in the background: a poll never waits for an SMTP server or a webhook,
 * and a rolled-back observation notifies nobody. A failed delivery is logged with its reason and recorded on the
 * action (`lastError`, `lastErrorAt`); it never throws into the monitor.
 *
 * The rate limit counts per action, printer, event, subject and transition ("not more often than every N
 * minutes"), so a toner that flaps around its threshold mails once per interval, while a second toner going low
 * on the same printer is still news. Milestones are limited per event without the subject, since each milestone
 * is a new subject.
 */
import {
  describeError,
  ErrorCode,
  Mailer,
  QuireError,
  newId,
  RateLimiter,
  type Logger,
  type SmtpSettings,
} from '@quire/common';
import { type SupplyReading } from '../monitoring/printer-reading';
import { PrinterEntity } from '../printer.entity';
import { type NotifyOn } from './event-action-input';
import { sendEventMail, sendWebhook, type DeliveryReport, type Notification } from './event-delivery';
import { type PrinterEventActionEntity } from './printer-event-action.entity';
import { type PrinterEventActionService } from './printer-event-action.service';
import { PrinterEventEntity } from './printer-event.entity';
import { type EpisodeChange } from './printer-event-evaluator';

/** Where the dispatcher reads the site's SMTP settings (SiteSettings). */
export interface SmtpSettingsSource {
  smtp(): Promise<SmtpSettings | null>;
}

/** Construction options of PrinterEventDispatcher. */
export interface PrinterEventDispatcherOptions {
  actions: Pick<PrinterEventActionService, 'listEnabled' | 'get' | 'recordOutcome'>;
  smtp: SmtpSettingsSource;
  /** `printers.webhookTimeoutSeconds`; default 10. */
  webhookTimeoutSeconds?: number;
  logger?: Logger;
  now?: () => Date;
}

/** A printer for test notifications when none is named. */
const SAMPLE_PRINTER = Object.assign(new PrinterEntity(), {
  id: '00000000-0000-7000-8000-000000000000',
  name: 'Sample-Printer',
  uri: 'socket://192.0.2.10:9100',
  location: 'Sample location',
  group: null,
  snmpHost: null,
  model: 'Sample model',
  serial: 'SAMPLE-SERIAL',
  mac: null,
  assetNumber: 'SAMPLE-ASSET',
  contact: '',
});

const SAMPLE_SUPPLIES: SupplyReading[] = [
  {
    index: '1.1',
    description: 'Black Toner',
    type: 'toner',
    colorant: 'black',
    level: 7,
    max: 100,
    levelPercent: 7,
  },
  {
    index: '1.2',
    description: 'Cyan Toner',
    type: 'toner',
    colorant: 'cyan',
    level: 54,
    max: 100,
    levelPercent: 54,
  },
];

function wants(notifyOn: string, transition: 'open' | 'close'): boolean {
  return transition === 'open' || (notifyOn as NotifyOn) === 'open-and-close';
}

/** Delivers event actions after commit; see the file comment. */
export class PrinterEventDispatcher {
  private readonly now: () => Date;
  private readonly limiters = new Map<string, { minutes: number; limiter: RateLimiter }>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: PrinterEventDispatcherOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Deliver what `changes` call for, in the background (the evaluator's `onEpisodes`). */
  readonly dispatch = (changes: readonly EpisodeChange[]): void => {
    if (this.closed || changes.length === 0) return;
    const run = this.deliverChanges(changes).catch((err: unknown) => {
      this.options.logger?.error('Event actions could not run', { error: describeError(err) });
    });
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  };

  /** Resolves once every delivery started so far has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Take no more changes and wait for the deliveries under way. */
  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  /**
   * Send a sample notification for an action now (ignoring its switch and rate limit), on `printer` or a sample
   * printer; resolves with what it reached or throws the delivery's QuireError. The outcome is recorded.
   */
  async sendTest(actionId: string, printer?: PrinterEntity): Promise<DeliveryReport> {
    const action = await this.options.actions.get(actionId);
    const at = this.now();
    const episode = Object.assign(new PrinterEventEntity(), {
      id: newId(),
      definitionId: action.definitionIds[0] ?? '',
      eventName: 'Test event',
      printerId: printer?.id ?? SAMPLE_PRINTER.id,
      printerName: printer?.name ?? SAMPLE_PRINTER.name,
      type: 'toner-low',
      subject: '1.1',
      openedAt: at,
      closedAt: null,
      message: 'Test: Black Toner at 7% (below 20%)',
      details: {
        supplyIndex: '1.1',
        supply: 'Black Toner',
        colorant: 'black',
        levelPercent: 7,
        thresholdPercent: 20,
      },
      openKey: null,
      milestoneKey: null,
    });
    const sample = printer ?? SAMPLE_PRINTER;
    const notification: Notification = {
      action,
      transition: 'open',
      episode,
      printer: sample,
      supplies: SAMPLE_SUPPLIES,
      test: true,
    };
    const mailer = action.kind === 'email' ? await this.mailer() : null;
    try {
      return await this.deliver(notification, mailer);
    } finally {
      await mailer?.close();
    }
  }

  private async deliverChanges(changes: readonly EpisodeChange[]): Promise<void> {
    const actions = await this.options.actions.listEnabled();
    const notifications: Notification[] = [];
    for (const change of changes) {
      const transition = change.transition === 'close' ? 'close' : 'open';
      for (const action of actions) {
        if (!this.applies(action, change, transition)) continue;
        if (!this.allowed(action, change, transition)) {
          this.options.logger?.debug('Event action held back by its rate limit', {
            action: action.name,
            printer: change.printer.name,
            event: change.episode.eventName,
          });
          continue;
        }
        const supplies = change.observation.reading?.supplies ?? [];
        notifications.push({
          action,
          transition,
          episode: change.episode,
          printer: change.printer,
          supplies,
        });
      }
    }
    if (notifications.length === 0) return;
    const needsMail = notifications.some((n) => n.action.kind === 'email');
    const mailer = needsMail ? await this.mailer() : null;
    try {
      await Promise.all(notifications.map((n) => this.deliver(n, mailer).catch(() => undefined)));
    } finally {
      await mailer?.close();
    }
  }

  private applies(
    action: PrinterEventActionEntity,
    change: EpisodeChange,
    transition: 'open' | 'close',
  ): boolean {
    if (!action.definitionIds.includes(change.episode.definitionId)) return false;
    if (!wants(action.notifyOn, transition)) return false;
    return action.printerGroups.length === 0 || action.printerGroups.includes(change.printer.group ?? '');
  }

  private allowed(action: PrinterEventActionEntity, change: EpisodeChange, transition: string): boolean {
    let entry = this.limiters.get(action.id);
    if (!entry || entry.minutes !== action.minIntervalMinutes) {
      const limiter = new RateLimiter({
        intervalMinutes: action.minIntervalMinutes,
        now: () => this.now().getTime(),
      });
      entry = { minutes: action.minIntervalMinutes, limiter };
      this.limiters.set(action.id, entry);
    }
    const { episode } = change;
    const subject = episode.type === 'counter-milestone' ? '' : episode.subject;
    return entry.limiter.tryAcquire(`${change.printer.id}|${episode.definitionId}|${subject}|${transition}`);
  }

  /** The mailer for this batch, or null when no SMTP server is set (each email delivery then fails saying so). */
  private async mailer(): Promise<Mailer | null> {
    const settings = await this.options.smtp.smtp();
    return settings ? new Mailer(settings, { logger: this.options.logger }) : null;
  }

  /** Deliver one notification and record the outcome; rethrows the failure after logging it. */
  private async deliver(notification: Notification, mailer: Mailer | null): Promise<DeliveryReport> {
    const { action } = notification;
    const at = this.now();
    try {
      const report = await this.send(notification, mailer);
      const error = report.failures.length > 0 ? report.failures.join('; ') : null;
      if (error) this.logFailure(notification, error);
      await this.record(action, { at, sent: true, error });
      return report;
    } catch (err) {
      const error = describeError(err);
      this.logFailure(notification, error);
      await this.record(action, { at, sent: false, error });
      throw err;
    }
  }

  private send(notification: Notification, mailer: Mailer | null): Promise<DeliveryReport> {
    if (notification.action.kind === 'webhook') {
      return sendWebhook(notification, (this.options.webhookTimeoutSeconds ?? 10) * 1000, this.now());
    }
    if (!mailer) {
      throw new QuireError(
        ErrorCode.MailDeliveryFailed,
        'Event mail not sent: no SMTP server is set (PUT /api/v1/notifications/smtp)',
      );
    }
    return sendEventMail(notification, mailer);
  }

  private logFailure(notification: Notification, reason: string): void {
    this.options.logger?.warn('Event action failed', {
      action: notification.action.name,
      actionId: notification.action.id,
      kind: notification.action.kind,
      printer: notification.printer.name,
      event: notification.episode.eventName,
      reason,
    });
  }

  private async record(
    action: PrinterEventActionEntity,
    outcome: { at: Date; sent: boolean; error: string | null },
  ) {
    try {
      await this.options.actions.recordOutcome(action.id, outcome);
    } catch (err) {
      this.options.logger?.warn('Could not record an event action outcome', {
        actionId: action.id,
        error: describeError(err),
      });
    }
  }
}
