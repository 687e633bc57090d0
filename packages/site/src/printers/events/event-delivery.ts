/**
 * Delivering one event notification: an email rendered from the action's templates, or a webhook, a JSON POST
 * of `{event, printer, episode}` signed with HMAC-SHA256 of the body under the action's secret
 * (`X-Quire-Signature: sha256=<hex>`). Any host is allowed, loopback included: administrators choose the URLs,
 * and a receiver on the site's own machine is a normal setup. Every failure becomes a QuireError whose message
 * says what went wrong in the administrator's terms; URLs in messages lose their credentials and query.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { describeError, ErrorCode, newId, QuireError, type Mailer } from '@quire/common';
import { type SupplyReading } from '../monitoring/printer-reading';
import { type PrinterEntity } from '../printer.entity';
import { CONTACT_RECIPIENT } from './event-action-input';
import { renderSubject, renderTemplate, printerAddress, templateValues } from './event-templates';
import { type PrinterEventActionEntity } from './printer-event-action.entity';
import { type PrinterEventEntity } from './printer-event.entity';

/** One notification to deliver: an action, the episode that triggered it and how. */
export interface Notification {
  action: PrinterEventActionEntity;
  transition: 'open' | 'close';
  episode: PrinterEventEntity;
  printer: PrinterEntity;
  supplies: readonly SupplyReading[];
  /** A sample sent by "test" (the webhook body says so). */
  test?: boolean;
}

/** What a successful delivery reached. */
export interface DeliveryReport {
  /** Email: the addresses the server accepted; webhook: the URL (without credentials). */
  reached: string[];
  /** Email: the recipients it could not reach, with why (the delivery still counts as sent for the others). */
  failures: string[];
  /** Webhook: the HTTP status of the answer. */
  status?: number;
}

const emailSchema = z.email();
const EMAIL_IN_TEXT = /[^\s<>,;:"()[\]]+@[^\s<>,;:"()[\]]+/;

/** The URL as messages may show it: scheme, host and path, no user, password or query. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** `sha256=<hex>` of `body` under `secret`, the value of X-Quire-Signature. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The webhook body: the event, the printer and the episode. */
export function webhookPayload(notification: Notification, sentAt: Date) {
  const { episode, printer } = notification;
  return {
    event: {
      definitionId: episode.definitionId,
      name: episode.eventName,
      type: episode.type,
      transition: notification.transition,
      test: notification.test === true,
    },
    printer: {
      id: printer.id,
      name: printer.name,
      address: printerAddress(printer),
      model: printer.model,
      serial: printer.serial,
      mac: printer.mac,
      location: printer.location,
      assetNumber: printer.assetNumber,
      contact: printer.contact,
      group: printer.group,
    },
    episode: {
      id: episode.id,
      subject: episode.subject,
      message: episode.message,
      openedAt: episode.openedAt.toISOString(),
      closedAt: episode.closedAt?.toISOString() ?? null,
      details: episode.details,
    },
    sentAt: sentAt.toISOString(),
  };
}

function webhookFailure(url: string, problem: string, details: Record<string, unknown> = {}): QuireError {
  return new QuireError(ErrorCode.WebhookDeliveryFailed, `Webhook ${describeUrl(url)} ${problem}`, {
    details: { url: describeUrl(url), ...details },
  });
}

/** Why a request failed, in the administrator's terms. */
function requestProblem(err: unknown, timeoutMs: number): string {
  const error = err as { name?: string; code?: string; message?: string };
  if (error.name === 'AbortError' || error.name === 'TimeoutError') {
    return `did not answer within ${timeoutMs / 1000} s`;
  }
  if (error.code === 'ECONNREFUSED') return 'refused the connection: check the host and port';
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
    return 'could not be found: check the host name';
  if (error.code === 'ECONNRESET') return 'closed the connection before answering';
  return `could not be reached: ${describeError(err)}`;
}

/**
 * POST `body` and resolve with the answer's status once its headers arrive (the body is read and dropped). The
 * whole exchange is bounded by `timeoutMs`. node:http rather than fetch, because fetch refuses the "bad ports"
 * of browsers (6000, 6667, ...), and a webhook receiver may listen on any port.
 */
function postJson(url: URL, headers: Record<string, string>, body: string, timeoutMs: number) {
  return new Promise<{ status: number; statusText: string }>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        response.on('error', () => undefined);
        response.resume();
        resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '' });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** POST the notification to the action's URL; resolves with the answer's status, or throws WEBHOOK_DELIVERY_FAILED. */
export async function sendWebhook(
  notification: Notification,
  timeoutMs: number,
  now: Date = new Date(),
): Promise<DeliveryReport> {
  const { action } = notification;
  const url = action.url ?? '';
  const body = JSON.stringify(webhookPayload(notification, now));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Quire-Site/1',
    'x-quire-event': notification.episode.type,
    'x-quire-delivery': newId(),
  };
  if (action.secret) headers['x-quire-signature'] = webhookSignature(action.secret, body);
  let answer: { status: number; statusText: string };
  try {
    answer = await postJson(new URL(url), headers, body, timeoutMs);
  } catch (err) {
    throw webhookFailure(url, requestProblem(err, timeoutMs));
  }
  if (answer.status < 200 || answer.status > 299) {
    throw webhookFailure(url, `answered ${`${answer.status} ${answer.statusText}`.trim()}`, {
      status: answer.status,
    });
  }
  return { reached: [describeUrl(url)], failures: [], status: answer.status };
}

/** The email address in a printer's contact field (`Jane Doe <jane@example.com>`), or null. */
export function contactAddress(contact: string): string | null {
  const match = EMAIL_IN_TEXT.exec(contact);
  return match && emailSchema.safeParse(match[0]).success ? match[0] : null;
}

/** The addresses to mail, with `%PRN.CONTACT%` resolved, and the entries that resolve to none. */
export function resolveRecipients(
  recipients: readonly string[],
  printer: Pick<PrinterEntity, 'contact'>,
): { addresses: string[]; problems: string[] } {
  const addresses = new Set<string>();
  const problems: string[] = [];
  for (const recipient of recipients) {
    if (recipient.toUpperCase() !== CONTACT_RECIPIENT) {
      addresses.add(recipient);
      continue;
    }
    const address = contactAddress(printer.contact);
    if (address) addresses.add(address);
    else problems.push(`the printer's contact "${printer.contact}" holds no email address`);
  }
  return { addresses: [...addresses], problems };
}

/**
 * Mail the rendered notification to every recipient. Resolves when at least one recipient was reached (the
 * others listed in `failures`); throws a QuireError saying why when none was.
 */
export async function sendEventMail(notification: Notification, mailer: Mailer): Promise<DeliveryReport> {
  const { action, printer, episode, supplies } = notification;
  const values = templateValues({ printer, episode, supplies });
  const subject = renderSubject(action.subject, values);
  const text = renderTemplate(action.body, values);
  const { addresses, problems } = resolveRecipients(action.recipients, printer);
  const outcomes = await mailer.sendMany(addresses.map((to) => ({ to, subject, text })));
  const reached = outcomes.filter((o) => o.ok).map((o) => o.to);
  const failures = [...problems, ...outcomes.flatMap((o) => (o.ok ? [] : [o.error.message]))];
  if (reached.length === 0) {
    const reason = failures.length > 0 ? failures.join('; ') : 'it has no recipients';
    throw new QuireError(ErrorCode.MailDeliveryFailed, `Event mail not sent: ${reason}`, {
      details: { failures },
    });
  }
  return { reached, failures };
}
