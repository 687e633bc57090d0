/**
 * What each kind of configuration template may hold, as zod schemas: central checks every template before it is
 * stored, so a site never receives settings that are wrong on their face. Sites check again with their own rules
 * (a queue template's printers must exist there, a raw port must be free there), because only they know.
 *
 * - `queue`: the settings a site queue takes (packages/site/src/queues/queue-input.ts), with the same names;
 *   the template's name is the queue's name. `printers` lists printers by name (or by a site's printer id), as
 *   central cannot know the ids each site gave its printers.
 * - `policy`: a print-job policy (MyQ's "print-job policies"), small on purpose: keep jobs for reprint, a copies
 *   ceiling, forced mono, duplex and toner saving, and whether users may change their jobs at a terminal. A
 *   setting left out means "no change".
 * - `printer-profile`: what a model of printer can do and how to watch it (MyQ's configuration profiles).
 * - `price-list`: prices per page and per sheet, in one currency (MyQ's price lists).
 *
 * The site keeps its own copy of the queue schema; the two must move together (see the report of issue 7).
 */
import { z } from 'zod';

/** What a configuration template configures. */
export const TEMPLATE_TYPES = ['queue', 'policy', 'printer-profile', 'price-list'] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];

/** Longest template name (a queue name's limit, as CUPS's). */
export const MAX_TEMPLATE_NAME_LENGTH = 127;

const regexField = z
  .string()
  .min(1)
  .max(512)
  .superRefine((pattern, ctx) => {
    try {
      new RegExp(pattern);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `is not a valid regular expression (${(err as Error).message})`,
      });
    }
  });

const pjlVariable = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, 'must be printable ASCII, single spaces between words')
  .refine((v) => !/[="]/.test(v), 'must not contain "=" or a double quote');

const sourceRule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('sender'), pattern: regexField.optional() }),
  z.strictObject({ kind: z.literal('pjl'), variable: pjlVariable, pattern: regexField.optional() }),
  z.strictObject({ kind: z.literal('job-name'), pattern: regexField }),
]);

const detectionRule = z.union([
  sourceRule,
  z.strictObject({
    kind: z.literal('sender-if'),
    sender: z.string().trim().min(1).max(127),
    then: sourceRule,
  }),
]);

/** A control character: a line break, tab or escape would end or corrupt the PJL line it sits in. */
function isControl(ch: string): boolean {
  const code = ch.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

const customPjlLine = z
  .string()
  .max(255)
  .refine((line) => ![...line].some(isControl), 'must not contain control characters')
  .refine((line) => /^@PJL(\s|$)/i.test(line.trim()), 'must start with "@PJL"');

/** Queue names: printable ASCII without space and without `/ \ ? # ' "` (they end up in IPP URLs). */
export const queueNameSchema = z
  .string()
  .min(1)
  .max(MAX_TEMPLATE_NAME_LENGTH)
  .regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces (it becomes the queue name)')
  .refine((name) => !/[/\\?#'"]/.test(name), 'must not contain / \\ ? # \' or "');

const forceDuplex = z.enum(['keep', 'simplex', 'long-edge', 'short-edge']);
const forceTonerSave = z.enum(['keep', 'on', 'off']);

/** A queue template's settings: a site queue's, without its name. `type` is required. */
export const queueSettingsSchema = z.strictObject({
  type: z.enum(['direct', 'tandem', 'pull', 'delegated']),
  description: z.string().max(255).optional(),
  online: z.boolean().optional(),
  rawPort: z.number().int().min(1).max(65535).nullable().optional(),
  unknownOwnerPolicy: z.enum(['reject', 'unauthenticated']).optional(),
  userDetection: z.array(detectionRule).max(20).optional(),
  detectionCaseSensitive: z.boolean().optional(),
  printers: z.array(z.string().min(1).max(127)).max(500).optional(),
  printerGroups: z.array(z.string().min(1).max(64)).max(100).optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  keepForReprint: z.boolean().optional(),
  forceColor: z.enum(['keep', 'mono']).optional(),
  forceDuplex: forceDuplex.optional(),
  forceTonerSave: forceTonerSave.optional(),
  customPjl: z.array(customPjlLine).max(50).optional(),
});

/** A print-job policy template's settings; each one left out changes nothing. */
export const policySettingsSchema = z.strictObject({
  /** Keep printed jobs so their owner can print them again (MyQ's "Keep jobs for reprint"). */
  keepForReprint: z.boolean().optional(),
  /** Most copies one job may print; more are refused at release. */
  maxCopies: z.number().int().min(1).max(9999).optional(),
  /** Print every job in black and white. */
  forceMono: z.boolean().optional(),
  forceDuplex: forceDuplex.optional(),
  forceTonerSave: forceTonerSave.optional(),
  /** Whether users may change colour, duplex and copies of their jobs at a terminal. */
  allowTerminalChanges: z.boolean().optional(),
});

/** PWG 5101.1 self-describing media names, e.g. `iso_a4_210x297mm`, `na_letter_8.5x11in`. */
export const pwgMediaName = z
  .string()
  .max(64)
  .regex(
    /^[a-z0-9]+_[a-z0-9.-]+_\d+(\.\d+)?x\d+(\.\d+)?(mm|in)$/,
    'must be a PWG self-describing media name such as iso_a4_210x297mm',
  );

/** A printer profile template's settings. */
export const printerProfileSettingsSchema = z.strictObject({
  model: z.string().min(1).max(127).optional(),
  /** SNMP v1/v2c community the site reads the printer's status with; never shown in audit rows. */
  snmpCommunity: z.string().min(1).max(64).optional(),
  colour: z.boolean(),
  duplex: z.boolean(),
  media: z.array(pwgMediaName).min(1).max(50),
  /** Name of the price-list template the profile's printers charge by. */
  priceList: z.string().min(1).max(MAX_TEMPLATE_NAME_LENGTH).optional(),
});

const price = z.number().min(0).max(1_000_000);

/** A price list template's settings: prices per printed page, and a price per sheet of some media on top. */
export const priceListSettingsSchema = z.strictObject({
  /** ISO 4217 code. */
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
  mono: price,
  colour: price,
  /** Extra price per sheet, by PWG media name. */
  perSheet: z.record(pwgMediaName, price).optional(),
});

/** The settings schema of each template type. */
export const SETTINGS_SCHEMAS = {
  queue: queueSettingsSchema,
  policy: policySettingsSchema,
  'printer-profile': printerProfileSettingsSchema,
  'price-list': priceListSettingsSchema,
} as const;

/** Names of the settings a template of `type` may hold (and so may mark overridable). */
export function settingNames(type: TemplateType): string[] {
  return Object.keys(SETTINGS_SCHEMAS[type].shape);
}

/** The name rule of a template of `type`: queue names become queue names on every site. */
export function nameSchema(type: TemplateType) {
  return type === 'queue' ? queueNameSchema : z.string().trim().min(1).max(MAX_TEMPLATE_NAME_LENGTH);
}

/** The overridable list of a template of `type`: known setting names, each once. */
export function overridableSchema(type: TemplateType) {
  const names = settingNames(type) as [string, ...string[]];
  return z
    .array(z.enum(names))
    .max(names.length)
    .refine((list) => new Set(list).size === list.length, 'must not name a setting twice');
}

/** Settings whose values audit rows leave out. */
const SECRET_SETTINGS = new Set(['snmpCommunity']);

/** `settings` with secret values masked, for audit rows and logs. */
export function redactSettings(settings: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(settings).map(([key, value]) => [key, SECRET_SETTINGS.has(key) ? '***' : value]),
  );
}

function templateBody<T extends TemplateType>(type: T) {
  return z.strictObject({
    type: z.literal(type),
    name: nameSchema(type),
    settings: SETTINGS_SCHEMAS[type],
    overridable: overridableSchema(type).optional(),
  });
}

/** A new template: `POST /api/v1/templates` and TemplateStore.create. */
export const newTemplateSchema = z.discriminatedUnion('type', [
  templateBody('queue'),
  templateBody('policy'),
  templateBody('printer-profile'),
  templateBody('price-list'),
]);

/** A new template as callers give it. */
export interface NewTemplate {
  type: TemplateType;
  name: string;
  settings: Record<string, unknown>;
  overridable?: string[];
}

/** A change to a template: each field given replaces the stored one whole (settings are not merged). */
export interface TemplateChanges {
  name?: string;
  settings?: Record<string, unknown>;
  overridable?: string[];
}

/** The shape of a change before its type is known (`PUT /api/v1/templates/{id}`); the store checks the rest. */
export const templateChangesShape = z.strictObject({
  name: z.string().optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  overridable: z.array(z.string()).optional(),
});

/** The full check of a change to a template of `type`. */
export function templateChangesSchema(type: TemplateType) {
  return z.strictObject({
    name: nameSchema(type).optional(),
    settings: SETTINGS_SCHEMAS[type].optional(),
    overridable: overridableSchema(type).optional(),
  });
}
