/**
 * The settings of error-event notifications, PaperCut's "error-level events (a new error in the app log)" block:
 * on or off, who gets the mails, and "not more often than every N minutes". The API takes and gives them as
 * `{ errorEvents: {...} }`; the directory settings keep the inner object.
 */
import { z } from 'zod';
import { ErrorCode, QuireError } from '@quire/common';

/** More recipients than this belong on a mailing list, which is one address. */
const MAX_RECIPIENTS = 50;
/** A week: a longer quiet interval would hide a broken server for too long to be useful. */
const MAX_INTERVAL_MINUTES = 7 * 24 * 60;

const errorEventsSchema = z
  .strictObject({
    enabled: z.boolean(),
    recipients: z
      .array(z.email())
      .max(MAX_RECIPIENTS)
      .default([])
      .transform((list) => [...new Set(list)]),
    intervalMinutes: z.number().int().min(0).max(MAX_INTERVAL_MINUTES).default(60),
  })
  .refine((settings) => !settings.enabled || settings.recipients.length > 0, {
    message: 'name at least one recipient, or the mails would go nowhere',
    path: ['recipients'],
  });

/** The API's shape: the error-event block of the notifications page. */
export const errorEventSettingsSchema = z.strictObject({ errorEvents: errorEventsSchema });

/** Error-event notification settings, with their defaults applied. */
export type ErrorEventSettings = z.output<typeof errorEventsSchema>;

/** What an installation that never set them has: off, nobody, and PaperCut's 60 minutes. */
export const DEFAULT_ERROR_EVENT_SETTINGS: Readonly<ErrorEventSettings> = Object.freeze({
  enabled: false,
  recipients: [],
  intervalMinutes: 60,
});

/**
 * Validate `{ errorEvents: {...} }` and return the inner settings with defaults applied. VALIDATION_FAILED
 * names each bad field (`errorEvents.recipients.1`, `errorEvents.intervalMinutes`) in its message and in
 * `details.fields`.
 */
export function parseErrorEventSettings(input: unknown): ErrorEventSettings {
  const result = errorEventSettingsSchema.safeParse(input);
  if (result.success) return result.data.errorEvents;
  const fields = result.error.issues.map((issue) => ({
    field: issue.path.join('.'),
    problem: issue.message,
  }));
  const list = fields.map((f) => `${f.field || '(settings)'}: ${f.problem}`).join('; ');
  throw new QuireError(ErrorCode.ValidationFailed, `Error-event notification settings are invalid: ${list}`, {
    details: { fields },
  });
}

/** Stored settings as read back: a row that no longer validates reads as the defaults, like the other keys. */
export function storedErrorEventSettings(raw: unknown): ErrorEventSettings {
  const result = errorEventSettingsSchema.safeParse({ errorEvents: raw });
  return result.success ? result.data.errorEvents : { ...DEFAULT_ERROR_EVENT_SETTINGS, recipients: [] };
}
