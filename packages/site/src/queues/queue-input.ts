/**
 * What a queue may be created or changed with, as zod schemas shared by the REST API (which reports each bad
 * field of a request body) and QueueService (which checks every caller, including start-up and later central
 * configuration sync). Unknown fields are refused rather than ignored, so a misspelt setting is an error and not
 * a silent no-op.
 */
import { z } from 'zod';
import { checkInput } from '@quire/common';
import { type QueueType } from '../intake/intake-port';
import { customPjlLineProblem } from '../release/pjl-policy';
import {
  detectionRulesSchema,
  unknownOwnerPolicySchema,
  type DetectionRule,
  type UnknownOwnerPolicy,
} from './detection-rules';

/** Longest queue name; CUPS allows the same. */
export const MAX_QUEUE_NAME_LENGTH = 127;

/**
 * Queue names: printable ASCII without space and without `/ \ ? # ' "`. They appear in IPP URLs
 * (`/printers/NAME`) and LPD commands, where those characters would need escaping or end the name; CUPS refuses
 * the same ones. ASCII only (MyQ also forbids diacritics) also keeps the lower-cased unique key exact on both
 * databases, whose collations disagree about accented letters.
 */
export const queueNameSchema = z
  .string()
  .min(1)
  .max(MAX_QUEUE_NAME_LENGTH)
  .regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces')
  .refine((name) => !/[/\\?#'"]/.test(name), 'must not contain / \\ ? # \' or "');

/** The queue types. */
export const queueTypeSchema = z.enum(['direct', 'tandem', 'pull', 'delegated']);

/** Forced colour at release: keep the job's, or print it in black and white. */
export const forceColorSchema = z.enum(['keep', 'mono']);
/** Forced duplex at release. */
export const forceDuplexSchema = z.enum(['keep', 'simplex', 'long-edge', 'short-edge']);
/** Forced toner saving at release. */
export const forceTonerSaveSchema = z.enum(['keep', 'on', 'off']);

/** A new queue: name and type are required, everything else has a default (see QueueService.create). */
export const newQueueSchema = z.strictObject({
  name: queueNameSchema,
  type: queueTypeSchema,
  description: z.string().max(255).optional(),
  online: z.boolean().optional(),
  rawPort: z.number().int().min(1).max(65535).nullable().optional(),
  unknownOwnerPolicy: unknownOwnerPolicySchema.optional(),
  userDetection: detectionRulesSchema.optional(),
  detectionCaseSensitive: z.boolean().optional(),
  printers: z.array(z.uuid()).max(500).optional(),
  printerGroups: z.array(z.string().min(1).max(64)).max(100).optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  keepForReprint: z.boolean().optional(),
  forceColor: forceColorSchema.optional(),
  forceDuplex: forceDuplexSchema.optional(),
  forceTonerSave: forceTonerSaveSchema.optional(),
  customPjl: z
    .array(
      z
        .string()
        .max(255)
        .superRefine((line, ctx) => {
          const problem = customPjlLineProblem(line);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
    )
    .max(50)
    .optional(),
});

/** A change to a queue: any subset of its settings (still refusing unknown fields). */
export const queuePatchSchema = newQueueSchema.partial();

/** The settings of a new queue. */
export interface NewQueue {
  name: string;
  type: QueueType;
  description?: string;
  online?: boolean;
  rawPort?: number | null;
  unknownOwnerPolicy?: UnknownOwnerPolicy;
  userDetection?: DetectionRule[];
  detectionCaseSensitive?: boolean;
  /** Printers the queue's jobs may print on (ids); a direct queue has exactly one. */
  printers?: string[];
  /** Printer groups whose printers the queue's jobs may print on as well. */
  printerGroups?: string[];
  /** Jobs released together print higher priority first. */
  priority?: number;
  keepForReprint?: boolean;
  forceColor?: 'keep' | 'mono';
  forceDuplex?: 'keep' | 'simplex' | 'long-edge' | 'short-edge';
  forceTonerSave?: 'keep' | 'on' | 'off';
  /** PJL lines added at release, with %username%, %jobname% and %fullname% replaced. */
  customPjl?: string[];
}

/** A change to some settings of a queue. */
export type QueuePatch = Partial<NewQueue>;

/**
 * `input` checked against `schema`; VALIDATION_FAILED naming each bad field, with `what` ("Queue", "Printer")
 * leading the message. Services check every caller with it, not only the REST API.
 */
export function checkedInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return checkInput(schema, input, `${what} settings are invalid`, `(${what.toLowerCase()})`);
}

function checked<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  return checkedInput(schema, input, 'Queue');
}

/** Check new-queue settings; VALIDATION_FAILED names each bad field (`userDetection.2.pattern`, ...). */
export function checkNewQueue(input: NewQueue): NewQueue {
  return checked(newQueueSchema, input);
}

/** Check a queue change; VALIDATION_FAILED names each bad field. */
export function checkQueuePatch(patch: QueuePatch): QueuePatch {
  return checked(queuePatchSchema, patch);
}
