/**
 * The event types and what each one's parameters may be, as zod schemas shared by the REST API, the service and
 * the evaluator. A definition's parameters are checked against its type on every write, and again when the
 * evaluator reads them, so a row edited by hand into nonsense is skipped rather than misjudged.
 */
import { z } from 'zod';
import { checkInput } from '@quire/common';

/** Every event type a definition may have. */
export const EVENT_TYPES = [
  'toner-low',
  'toner-empty',
  'out-of-paper',
  'paper-jam',
  'cover-open',
  'service-requested',
  'offline',
  'counter-milestone',
  'snmp-alert',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Which toners a toner event watches: one colour, any toner, or any colour toner (not black). */
export const TONER_SCOPES = ['black', 'cyan', 'magenta', 'yellow', 'any', 'color'] as const;
export type TonerScope = (typeof TONER_SCOPES)[number];

/** The page counters a milestone can follow. */
export const MILESTONE_COUNTERS = ['total', 'mono', 'color'] as const;
export type MilestoneCounter = (typeof MILESTONE_COUNTERS)[number];

const tonerLowParams = z.strictObject({
  thresholdPercent: z.number().int().min(1).max(99).default(20),
  colorant: z.enum(TONER_SCOPES).default('any'),
});

const milestoneParams = z.strictObject({
  counter: z.enum(MILESTONE_COUNTERS).default('total'),
  everyPages: z.number().int().min(1).max(1_000_000_000),
});

/**
 * prtAlertTable filters; every filter given must match an alert row. With no filter at all the event never
 * opens, as in MyQ, so an empty SNMP-alert event cannot flood the history with every alert a device raises.
 */
const snmpAlertParams = z
  .strictObject({
    codeFrom: z.number().int().min(0).optional(),
    codeTo: z.number().int().min(0).optional(),
    severity: z.string().trim().min(1).max(32).optional(),
    trainingLevel: z.number().int().min(0).optional(),
    group: z.number().int().min(0).optional(),
    groupIndex: z.number().int().min(-1).optional(),
    model: z.string().trim().min(1).max(255).optional(),
  })
  .refine((p) => p.codeFrom === undefined || p.codeTo === undefined || p.codeFrom <= p.codeTo, {
    message: 'codeFrom must not be above codeTo',
    path: ['codeTo'],
  });

const noParams = z.strictObject({});

/** A definition's type with its parameters, defaults applied. */
export const definitionSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('toner-low'), params: tonerLowParams.prefault({}) }),
  z.strictObject({ type: z.literal('counter-milestone'), params: milestoneParams }),
  z.strictObject({ type: z.literal('snmp-alert'), params: snmpAlertParams.prefault({}) }),
  z.strictObject({
    type: z.enum(['toner-empty', 'out-of-paper', 'paper-jam', 'cover-open', 'service-requested', 'offline']),
    params: noParams.prefault({}),
  }),
]);
export type DefinitionSpec = z.output<typeof definitionSpecSchema>;
export type TonerLowParams = z.output<typeof tonerLowParams>;
export type MilestoneParams = z.output<typeof milestoneParams>;
export type SnmpAlertParams = z.output<typeof snmpAlertParams>;

const nameSchema = z.string().trim().min(1).max(127);

/** A new definition as the API takes it. */
export const newDefinitionSchema = z.strictObject({
  name: nameSchema,
  type: z.enum(EVENT_TYPES),
  enabled: z.boolean().default(true),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type NewDefinition = z.input<typeof newDefinitionSchema>;

/** A change to a definition; the type cannot change, since open episodes were judged by it. */
export const definitionPatchSchema = z.strictObject({
  name: nameSchema.optional(),
  enabled: z.boolean().optional(),
  params: z.record(z.string(), z.unknown()).optional(),
});
export type DefinitionPatch = z.input<typeof definitionPatchSchema>;

/** Check a type and its parameters; VALIDATION_FAILED names each bad parameter. */
export function checkDefinitionSpec(type: string, params: unknown): DefinitionSpec {
  return checkInput(definitionSpecSchema, { type, params }, 'Event definition is invalid', '(definition)');
}

/** The spec of a stored definition, or null when the row no longer makes sense (a hand edit). */
export function storedDefinitionSpec(type: string, params: unknown): DefinitionSpec | null {
  const parsed = definitionSpecSchema.safeParse({ type, params });
  return parsed.success ? parsed.data : null;
}
