/**
 * What an event action may be created or changed with, as zod schemas shared by the REST API and the service.
 * A change is merged into the stored action and the result checked as a whole, so an email action can never end
 * up without recipients, nor a webhook without a URL.
 */
import { z } from 'zod';
import { checkInput } from '@quire/common';

/** How an action tells people: a templated email, or a signed JSON webhook. */
export const ACTION_KINDS = ['email', 'webhook'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** Which episode changes an action reports: openings only, or closings too. */
export const NOTIFY_ON = ['open', 'open-and-close'] as const;
export type NotifyOn = (typeof NOTIFY_ON)[number];

/** The placeholder that stands for the printer's contact among the recipients. */
export const CONTACT_RECIPIENT = '%PRN.CONTACT%';

/** The default subject and body of an email action. */
export const DEFAULT_SUBJECT = '[%EVENT.STATE%] %EVENT.NAME% on %PRN.NAME%';
export const DEFAULT_BODY = [
  'Printer: %PRN.NAME% (%PRN.MODEL%, serial %PRN.SERIAL%) at %PRN.IP%, %PRN.LOCATION%',
  'Event: %EVENT.NAME%: %EVENT.MESSAGE%',
  'Opened: %EVENT.OPENED%',
  'Resolved: %EVENT.CLOSED%',
  'Toner: %SUPPLY.INFO%',
  '',
].join('\n');

const recipientSchema = z
  .string()
  .trim()
  .max(254)
  .refine(
    (value) => value.toUpperCase() === CONTACT_RECIPIENT || z.email().safeParse(value).success,
    `must be an email address or ${CONTACT_RECIPIENT}`,
  )
  .transform((value) => (value.toUpperCase() === CONTACT_RECIPIENT ? CONTACT_RECIPIENT : value));

const webhookUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2048);

/** Every setting of an action, with defaults. */
export const actionSettingsSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(127),
    enabled: z.boolean().default(true),
    definitionIds: z.array(z.uuid()).max(200).default([]),
    printerGroups: z.array(z.string().min(1).max(64)).max(200).default([]),
    kind: z.enum(ACTION_KINDS),
    recipients: z.array(recipientSchema).max(100).default([]),
    subject: z.string().max(255).default(DEFAULT_SUBJECT),
    body: z.string().max(20_000).default(DEFAULT_BODY),
    url: webhookUrlSchema.nullable().default(null),
    secret: z.string().min(1).max(255).nullable().default(null),
    notifyOn: z.enum(NOTIFY_ON).default('open'),
    minIntervalMinutes: z.number().int().min(0).max(10_080).default(60),
  })
  .superRefine((action, ctx) => {
    if (action.kind === 'email' && action.recipients.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['recipients'],
        message: 'an email action needs at least one recipient',
      });
    }
    if (action.kind === 'webhook' && action.url === null) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'a webhook action needs a URL' });
    }
  });
export type ActionSettings = z.output<typeof actionSettingsSchema>;
export type NewAction = z.input<typeof actionSettingsSchema>;

/** A change to an action: any subset of its settings; `secret: null` removes the webhook secret. */
export const actionPatchSchema = z.strictObject({
  name: z.unknown().optional(),
  enabled: z.unknown().optional(),
  definitionIds: z.unknown().optional(),
  printerGroups: z.unknown().optional(),
  kind: z.unknown().optional(),
  recipients: z.unknown().optional(),
  subject: z.unknown().optional(),
  body: z.unknown().optional(),
  url: z.unknown().optional(),
  secret: z.unknown().optional(),
  notifyOn: z.unknown().optional(),
  minIntervalMinutes: z.unknown().optional(),
});
/** A change to an action, checked by merging it into the stored settings. */
export type ActionPatch = Partial<Record<keyof ActionSettings, unknown>>;

/** Check a whole action; VALIDATION_FAILED names each bad field. */
export function checkActionSettings(input: unknown): ActionSettings {
  return checkInput(actionSettingsSchema, input, 'Event action is invalid', '(action)');
}
