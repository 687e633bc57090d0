/**
 * What a discovery may be run or saved with, as zod schemas shared by the REST API, the CLI and the services.
 * Unknown fields are refused, so a misspelt option is an error rather than a silent no-op. Ranges are checked
 * here only for length; their syntax is checked by address-ranges.ts, whose errors say what is accepted.
 */
import cron from 'node-cron';
import { z } from 'zod';
import { checkedInput } from '../../queues/queue-input';
import { discoveryActionsSchema, discoveryRuleSchema } from './discovery-rules';
import { checkNameTemplate } from './name-template';

/** Address ranges and exclusions: a few hundred entries at most, each a short IPv4 expression. */
const rangeListSchema = z.array(z.string().min(1).max(64)).max(256);

/** A name template; unknown placeholders are refused. */
const nameTemplateSchema = z
  .string()
  .min(1)
  .max(255)
  .superRefine((template, ctx) => {
    try {
      checkNameTemplate(template);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

/** How a discovery probes and what it does with what it finds: shared by runs and saved discoveries. */
const discoveryOptionsShape = {
  ranges: rangeListSchema.min(1),
  exclude: rangeListSchema.optional(),
  /** The SNMP profile to probe with; absent or null for the default profile. */
  snmpProfileId: z.string().min(1).max(36).nullable().optional(),
  /** How long to wait for each device, instead of the profile's timeout (MyQ's "SNMP timeout in ms"). */
  timeoutMs: z.number().int().min(100).max(30_000).nullable().optional(),
  nameTemplate: nameTemplateSchema.optional(),
  /** Rename known printers by the template too (by default they keep their name). */
  renameExisting: z.boolean().optional(),
  /** Actions for every device found, before the rules'. */
  actions: discoveryActionsSchema.optional(),
  rules: z.array(discoveryRuleSchema).max(50).optional(),
};

/** A discovery to run now: its options, and `dryRun` to find without adding or changing anything. */
export const discoveryRunSchema = z.strictObject({
  ...discoveryOptionsShape,
  dryRun: z.boolean().optional(),
});

/** A cron expression (node-cron syntax), or null for a discovery run only on demand. */
const scheduleSchema = z
  .string()
  .max(100)
  .refine((expression) => cron.validate(expression), {
    message: 'must be a cron expression, e.g. "0 2 * * *" (daily at 02:00) or "*/30 * * * *"',
  })
  .nullable();

/** A saved discovery, as MyQ keeps several (one per subnet, say), run by schedule when enabled. */
export const savedDiscoverySchema = z.strictObject({
  name: z.string().min(1).max(127),
  /** Included in scheduled runs; a disabled discovery still runs on demand. */
  enabled: z.boolean().optional(),
  schedule: scheduleSchema.optional(),
  ...discoveryOptionsShape,
});

/** A change to a saved discovery. */
export const savedDiscoveryPatchSchema = savedDiscoverySchema.partial();

/** A discovery run request. */
export type DiscoveryRequest = z.infer<typeof discoveryRunSchema>;
/** A new saved discovery. */
export type NewSavedDiscovery = z.infer<typeof savedDiscoverySchema>;
/** A change to a saved discovery. */
export type SavedDiscoveryPatch = z.infer<typeof savedDiscoveryPatchSchema>;

/** Check a run request; VALIDATION_FAILED names each bad field. */
export function checkDiscoveryRequest(input: DiscoveryRequest): DiscoveryRequest {
  return checkedInput(discoveryRunSchema, input, 'Discovery');
}

/** Check a new saved discovery; VALIDATION_FAILED names each bad field. */
export function checkNewSavedDiscovery(input: NewSavedDiscovery): NewSavedDiscovery {
  return checkedInput(savedDiscoverySchema, input, 'Discovery');
}

/** Check a change to a saved discovery; VALIDATION_FAILED names each bad field. */
export function checkSavedDiscoveryPatch(input: SavedDiscoveryPatch): SavedDiscoveryPatch {
  return checkedInput(savedDiscoveryPatchSchema, input, 'Discovery');
}
