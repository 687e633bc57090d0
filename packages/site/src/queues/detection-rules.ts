/**
 * The per-queue user detection rules: their shape, the defaults of a new queue, and the checks a rule list passes
 * before it is saved. Saving is where a bad rule must be caught, because at intake time a broken rule can only
 * fail jobs; the same zod schema serves the REST API (which reports the failing field) and the service (which
 * guards every other caller).
 */
import { z } from 'zod';

/** Longest regular expression a rule may hold; together with MAX_DETECTION_INPUT it bounds matching work. */
export const MAX_PATTERN_LENGTH = 512;
/** Most rules one queue may have. */
export const MAX_DETECTION_RULES = 20;

/** Owner from the job sender (IPP requesting-user-name or authenticated user, LPD `P`), optionally via a regex. */
export interface SenderRule {
  kind: 'sender';
  /** Optional regex; the first capture group (or the whole match) becomes the owner, e.g. `^([^@]+)`. */
  pattern?: string;
}

/** Owner from a PJL variable (`@PJL SET USERNAME=...`, a JOBATTR key, `JOB NAME`), optionally via a regex. */
export interface PjlRule {
  kind: 'pjl';
  /** Variable name as the PJL reader names it; case-insensitive, and a leading `SET ` is ignored. */
  variable: string;
  pattern?: string;
}

/** Owner from the job name through a regex, e.g. `^(\w+)_` or `(?<=user:)\w+`. */
export interface JobNameRule {
  kind: 'job-name';
  pattern: string;
}

/** The rules that read one source of the owner. */
export type SourceRule = SenderRule | PjlRule | JobNameRule;

/** Apply `then` only when the sender is exactly `sender`: a technical sender such as SAP's `SYSTEM`. */
export interface SenderIfRule {
  kind: 'sender-if';
  sender: string;
  then: SourceRule;
}

/** One user detection rule; a queue tries its rules in order and the first that yields an owner wins. */
export type DetectionRule = SourceRule | SenderIfRule;

/** What happens to a job whose owner no rule finds: refused, or accepted as `*unauthenticated`. */
export type UnknownOwnerPolicy = 'reject' | 'unauthenticated';

/**
 * The rules of a new queue: PJL USERNAME first, then the sender. A Windows print server sends every job as its
 * own service account, while the driver writes the real user into `@PJL SET USERNAME`; trying PJL first gets the
 * person, and jobs without PJL (IPP from CUPS, LPD) still fall through to their sender.
 */
export function defaultDetectionRules(): DetectionRule[] {
  return [{ kind: 'pjl', variable: 'USERNAME' }, { kind: 'sender' }];
}

/** A PJL variable name as the reader stores it: upper case, without a MyQ-style `SET ` prefix. */
export function normalisePjlVariable(variable: string): string {
  return variable
    .trim()
    .toUpperCase()
    .replace(/^(@PJL\s+)?SET\s+/, '');
}

/**
 * True when a quantified group itself contains an unbounded quantifier (`(a+)+`, `(\w*)*`, `(x+){2,}`): the
 * nesting that makes a backtracking engine take exponential time. This is the star-height test of safe-regex; it
 * also refuses some harmless patterns, which is the right side to err on for a rule anyone with admin rights
 * can save and every job then runs.
 */
export function hasNestedQuantifier(pattern: string): boolean {
  const groupHasUnbounded: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern[i];
    if (ch === '\\') {
      i += 1;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      continue;
    }
    if (ch === '[') inClass = true;
    else if (ch === '(') groupHasUnbounded.push(false);
    else if (ch === ')') {
      const inner = groupHasUnbounded.pop() ?? false;
      const after = pattern.slice(i + 1, i + 24);
      if (inner && isRepetition(after)) return true;
      if (groupHasUnbounded.length > 0 && (inner || isUnboundedQuantifier(after)))
        groupHasUnbounded[groupHasUnbounded.length - 1] = true;
    } else if (groupHasUnbounded.length > 0 && isUnboundedQuantifier(pattern.slice(i, i + 24))) {
      groupHasUnbounded[groupHasUnbounded.length - 1] = true;
    }
  }
  return false;
}

/** `*`, `+` or `{n,}` at the start of `text`. */
function isUnboundedQuantifier(text: string): boolean {
  return text.startsWith('*') || text.startsWith('+') || /^\{\d+,\}/.test(text);
}

/** A quantifier that may repeat its operand: `*`, `+`, `{n,}`, `{n,m}`, or `{n}` with n of 2 or more. */
function isRepetition(text: string): boolean {
  return isUnboundedQuantifier(text) || /^\{\d+,\d+\}/.test(text) || /^\{([2-9]|\d{2,})\}/.test(text);
}

/** What is wrong with a detection regex, or null when it may be saved. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length === 0) return 'must not be empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(pattern);
  } catch (err) {
    return `is not a valid regular expression (${err instanceof Error ? err.message : String(err)})`;
  }
  if (hasNestedQuantifier(pattern)) {
    return 'nests a repeated group inside a repetition (like (a+)+), which can take exponential time; simplify it';
  }
  return null;
}

const regexField = z.string().superRefine((pattern, ctx) => {
  const problem = patternProblem(pattern);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const pjlVariableField = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, 'must be printable ASCII, single spaces between words')
  .refine((v) => !/[="]/.test(v), 'must not contain "=" or a double quote');

const senderRuleSchema = z.strictObject({ kind: z.literal('sender'), pattern: regexField.optional() });
const pjlRuleSchema = z.strictObject({
  kind: z.literal('pjl'),
  variable: pjlVariableField,
  pattern: regexField.optional(),
});
const jobNameRuleSchema = z.strictObject({ kind: z.literal('job-name'), pattern: regexField });
const sourceRuleSchema = z.discriminatedUnion('kind', [senderRuleSchema, pjlRuleSchema, jobNameRuleSchema]);
const senderIfRuleSchema = z.strictObject({
  kind: z.literal('sender-if'),
  sender: z.string().trim().min(1).max(127),
  then: sourceRuleSchema,
});

/** The zod schema of a queue's rule list, for request bodies and for the service's own check. */
export const detectionRulesSchema = z
  .array(
    z.discriminatedUnion('kind', [senderRuleSchema, pjlRuleSchema, jobNameRuleSchema, senderIfRuleSchema]),
  )
  .max(MAX_DETECTION_RULES);

/** The zod schema of the unknown-owner policy. */
export const unknownOwnerPolicySchema = z.enum(['reject', 'unauthenticated']);
