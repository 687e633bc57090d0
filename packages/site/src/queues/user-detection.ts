/**
 * Per-queue user detection: who owns an incoming job, found by trying the queue's rules in order against what
 * the protocol said (the sender, the job name) and what the job's PJL header set. Pure functions, so the job
 * core can call them on its hot path and tests can cover every rule without a server.
 *
 * The first rule that yields a non-empty owner wins; its regex's first capture group (or the whole match when
 * the pattern has no group) is the owner, trimmed. When no rule matches, the queue's policy decides: accept the
 * job as `*unauthenticated`, or refuse it with a reason that lists what was tried, so an admin reading the log
 * can see which rule to fix (rules are numbered from 0, as in the queue's `userDetection` JSON array). Reasons
 * never quote the sender, job name or PJL values: they are client data.
 */
import {
  normalisePjlVariable,
  type DetectionRule,
  type SourceRule,
  type UnknownOwnerPolicy,
} from './detection-rules';

/** The owner of a job accepted with no known user (policy `unauthenticated`). */
export const UNAUTHENTICATED_OWNER = '*unauthenticated';
/** Only this many leading characters of a value are matched, so a long job name cannot make matching slow. */
export const MAX_DETECTION_INPUT = 1024;
/** A detected owner longer than this does not match: no directory user name is that long. */
export const MAX_OWNER_LENGTH = 128;

/** What intake knows about a job when it detects the owner. */
export interface OwnerDetectionInput {
  /** IPP authenticated user or requesting-user-name, LPD `P`; null for raw socket jobs. */
  senderUser: string | null;
  jobName: string | null;
  /** Variables of the job's PJL header, as `readPjlHeader` names them (upper case). */
  pjl: Record<string, string>;
}

/** How the owner was found. */
export type DetectionMethod = 'sender' | 'pjl' | 'job-name' | 'unauthenticated';

/** The detected owner, or why the job must be refused (the core reports it as JOB_OWNER_UNKNOWN). */
export type OwnerDetectionResult =
  { ok: true; owner: string; method: DetectionMethod } | { ok: false; reason: string };

/** The queue settings detection reads; a QueueEntity has them all. */
export interface DetectionSettings {
  name: string;
  userDetection: DetectionRule[];
  detectionCaseSensitive: boolean;
  unknownOwnerPolicy: UnknownOwnerPolicy;
}

type Attempt = { owner: string } | { miss: string };

function accept(text: string): Attempt {
  const owner = text.trim();
  if (owner.length === 0) return { miss: 'empty' };
  if (owner.length > MAX_OWNER_LENGTH) return { miss: `longer than ${MAX_OWNER_LENGTH} characters` };
  return { owner };
}

function applyPattern(value: string, pattern: string | undefined, caseSensitive: boolean): Attempt {
  const subject = value.slice(0, MAX_DETECTION_INPUT);
  if (pattern === undefined) return accept(subject);
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, caseSensitive ? '' : 'i');
  } catch {
    // Rules are checked when saved; this only happens if the stored rules were edited by hand.
    return { miss: 'invalid pattern' };
  }
  const match = regex.exec(subject);
  if (!match) return { miss: 'no match' };
  return accept((match.length > 1 ? match[1] : match[0]) ?? '');
}

function trySource(rule: SourceRule, input: OwnerDetectionInput, caseSensitive: boolean): Attempt {
  switch (rule.kind) {
    case 'sender':
      return input.senderUser === null
        ? { miss: 'no sender' }
        : applyPattern(input.senderUser, rule.pattern, caseSensitive);
    case 'pjl': {
      const value = input.pjl[normalisePjlVariable(rule.variable)];
      return value === undefined ? { miss: 'not set' } : applyPattern(value, rule.pattern, caseSensitive);
    }
    case 'job-name':
      return input.jobName === null
        ? { miss: 'no job name' }
        : applyPattern(input.jobName, rule.pattern, caseSensitive);
  }
}

function sameSender(sender: string, expected: string, caseSensitive: boolean): boolean {
  return caseSensitive ? sender === expected : sender.toLowerCase() === expected.toLowerCase();
}

function tryRule(rule: DetectionRule, input: OwnerDetectionInput, caseSensitive: boolean): Attempt {
  if (rule.kind !== 'sender-if') return trySource(rule, input, caseSensitive);
  const sender = input.senderUser?.trim() ?? '';
  if (!sameSender(sender, rule.sender.trim(), caseSensitive))
    return { miss: `sender is not "${rule.sender}"` };
  return trySource(rule.then, input, caseSensitive);
}

function describeSource(rule: SourceRule): string {
  const pattern = rule.pattern === undefined ? '' : ` /${rule.pattern}/`;
  return rule.kind === 'pjl'
    ? `PJL ${normalisePjlVariable(rule.variable)}${pattern}`
    : `${rule.kind}${pattern}`;
}

/** A rule as the refusal reason names it, e.g. `PJL USERNAME` or `when sender is "SYSTEM": job-name /^(\w+)_/`. */
export function describeRule(rule: DetectionRule): string {
  return rule.kind === 'sender-if'
    ? `when sender is "${rule.sender}": ${describeSource(rule.then)}`
    : describeSource(rule);
}

function methodOf(rule: DetectionRule): DetectionMethod {
  return rule.kind === 'sender-if' ? rule.then.kind : rule.kind;
}

/**
 * Find the owner of a job on a queue: the first of the queue's rules that yields an owner, else the queue's
 * unknown-owner policy (`*unauthenticated`, or a refusal whose reason names every rule tried). Never throws.
 */
export function detectOwner(queue: DetectionSettings, input: OwnerDetectionInput): OwnerDetectionResult {
  const misses: string[] = [];
  for (const [index, rule] of queue.userDetection.entries()) {
    const attempt = tryRule(rule, input, queue.detectionCaseSensitive);
    if ('owner' in attempt) return { ok: true, owner: attempt.owner, method: methodOf(rule) };
    misses.push(`[${index}] ${describeRule(rule)}: ${attempt.miss}`);
  }
  if (queue.unknownOwnerPolicy === 'unauthenticated') {
    return { ok: true, owner: UNAUTHENTICATED_OWNER, method: 'unauthenticated' };
  }
  const tried = misses.length > 0 ? `tried ${misses.join('; ')}` : 'the queue has no user detection rules';
  return {
    ok: false,
    reason: `No owner found for the job on queue "${queue.name}" (${tried}), and the queue rejects jobs whose owner is unknown`,
  };
}
