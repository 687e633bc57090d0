/**
 * The mails that carry a new code to its user: "new PIN", "new ID code" and "PIN reset code", each an editable
 * subject and body with `%name%` placeholders (PaperCut's `%id_number%`, MyQ's `%pin%`, `%username%`,
 * `%fullname%` and its `%realname%` spelling, and our `%reset_code%`).
 *
 * A stored template set holds only what the administrator changed: a template that is missing means the default,
 * so "restore defaults" is deleting it, and improved default texts reach every installation that kept them.
 *
 * Rendering is one pass over the template, so a value that itself looks like a placeholder (a full name of
 * "%pin%") is copied as it is and never expanded. The subject goes into a mail header, so line breaks are
 * removed from it after rendering: no value can add a header.
 */
import { z } from 'zod';

/** The mails Quire sends when it makes a code for a user. */
export const MAIL_TEMPLATE_KINDS = ['newPin', 'newIdCode', 'pinResetCode'] as const;
export type MailTemplateKind = (typeof MAIL_TEMPLATE_KINDS)[number];

/** One editable mail: a subject line and a plain-text body. */
export interface MailTemplate {
  subject: string;
  body: string;
}

/**
 * The values a template may use. `%realname%` is MyQ's name for `%fullname%` and takes its value. A variable
 * that is not given is left in the text as written, like an unknown one, so a mistake shows rather than
 * vanishing.
 */
export interface TemplateVariables {
  id_number?: string;
  pin?: string;
  reset_code?: string;
  username?: string;
  fullname?: string;
}

/** A mail ready for the mailer, rendered from a template. */
export interface RenderedMail {
  subject: string;
  text: string;
}

const SIGNATURE = '\n\nThis message was sent automatically by the print system. Do not reply to it.\n';

/**
 * The default texts. Each code mail names the code once, asks the user to keep it to themselves, and says
 * what to do if they did not expect it; the "new ID code" subject is the one from PaperCut's procedure.
 */
export const DEFAULT_MAIL_TEMPLATES: Readonly<Record<MailTemplateKind, Readonly<MailTemplate>>> = {
  newPin: {
    subject: 'Your new print PIN',
    body:
      'Hello %fullname%,\n\n' +
      'Your new PIN for printing and copying is: %pin%\n\n' +
      'Use it to log in at the printers. Keep it confidential: nobody from IT will ever ask you for it. ' +
      'Your previous PIN, if you had one, no longer works.' +
      SIGNATURE,
  },
  newIdCode: {
    subject: 'New ID code print server',
    body:
      'Hello %fullname%,\n\n' +
      'Your new ID code to print/copy is %id_number%. Keep it confidential.\n\n' +
      'Enter it at the printers instead of your user name and password.' +
      SIGNATURE,
  },
  pinResetCode: {
    subject: 'Your PIN reset code',
    body:
      'Hello %fullname%,\n\n' +
      'Someone asked to reset the print PIN of the account %username%. To choose a new PIN, enter this ' +
      'reset code on the reset page: %reset_code%\n\n' +
      'The code works only once and only for a short time. If you did not ask for it, ignore this message: ' +
      'your current PIN stays as it is.' +
      SIGNATURE,
  },
};

/** The placeholder each kind of mail must contain, or the user would never get the code it exists to carry. */
export const REQUIRED_VARIABLE: Readonly<Record<MailTemplateKind, keyof TemplateVariables>> = {
  newPin: 'pin',
  newIdCode: 'id_number',
  pinResetCode: 'reset_code',
};

const PLACEHOLDER = /%([A-Za-z_]+)%/g;

/** The longest subject accepted; mail clients cut long ones anyway, and a header must stay one line. */
const MAX_SUBJECT_LENGTH = 200;
const MAX_BODY_LENGTH = 20_000;

const mailTemplateSchema = z.strictObject({
  subject: z.string().trim().min(1).max(MAX_SUBJECT_LENGTH),
  body: z.string().min(1).max(MAX_BODY_LENGTH),
});

function templateOf(kind: MailTemplateKind) {
  const required = `%${REQUIRED_VARIABLE[kind]}%`;
  return mailTemplateSchema.refine((template) => template.body.toLowerCase().includes(required), {
    message: `the body must contain ${required}, or the mail would not carry the code`,
    path: ['body'],
  });
}

/**
 * The stored, editable template set, as the settings API accepts it: every kind is optional, and a missing
 * one means the default. Unknown kinds are refused, so a misspelt key is an error rather than a silent no-op.
 */
export const mailTemplateSetSchema = z.strictObject({
  newPin: templateOf('newPin').optional(),
  newIdCode: templateOf('newIdCode').optional(),
  pinResetCode: templateOf('pinResetCode').optional(),
});

/** What an installation stored: only the templates the administrator changed. */
export type MailTemplateSet = z.infer<typeof mailTemplateSetSchema>;

/** The template in force for `kind`: the stored one, or the default when there is none. */
export function templateFor(set: MailTemplateSet, kind: MailTemplateKind): MailTemplate {
  return set[kind] ?? { ...DEFAULT_MAIL_TEMPLATES[kind] };
}

/**
 * "Restore defaults" for one kind, or for all when `kind` is omitted: a copy of `set` without the stored
 * template, so the default applies from then on, including later improvements to it.
 */
export function restoreDefaults(set: MailTemplateSet, kind?: MailTemplateKind): MailTemplateSet {
  if (kind === undefined) return {};
  const copy = { ...set };
  delete copy[kind];
  return copy;
}

const VARIABLE_NAMES: ReadonlySet<string> = new Set<keyof TemplateVariables>([
  'id_number',
  'pin',
  'reset_code',
  'username',
  'fullname',
]);

function valueOf(name: string, vars: TemplateVariables): string | undefined {
  const key = name.toLowerCase();
  if (key === 'realname') return vars.fullname;
  return VARIABLE_NAMES.has(key) ? vars[key as keyof TemplateVariables] : undefined;
}

/**
 * Replace each `%name%` in `template` (names are matched without regard to case) by its value in `vars`, in
 * one pass: unknown or missing names stay as written, and inserted values are never scanned again.
 */
export function renderTemplate(template: string, vars: TemplateVariables): string {
  return template.replace(PLACEHOLDER, (placeholder, name: string) => valueOf(name, vars) ?? placeholder);
}

/**
 * Render a text for a single header line: line breaks and other control characters (from the template or a
 * value) become spaces, so nothing can end the header and start another.
 */
export function renderHeaderLine(template: string, vars: TemplateVariables): string {
  return (
    renderTemplate(template, vars)
      // eslint-disable-next-line no-control-regex -- matching control characters is the point: they must go.
      .replace(/[\x00-\x1f\x7f\u2028\u2029]+/g, ' ')
      .trim()
  );
}

/** Render a whole mail: the subject as one header line, the body as plain text. */
export function renderMail(template: MailTemplate, vars: TemplateVariables): RenderedMail {
  return { subject: renderHeaderLine(template.subject, vars), text: renderTemplate(template.body, vars) };
}
