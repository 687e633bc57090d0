/**
 * Generation of PINs and ID codes: numeric codes a user types at a terminal, so a code alone identifies its user.
 *
 * Three rules come from MyQ's PIN settings and PaperCut's ID-code procedure:
 * - the length floor grows with the directory, so that at most about a tenth of the code space is ever in use
 *   and guessing stays hard (4 digits below 1,000 users, 5 below 10,000, 6 below 100,000, and so on);
 * - trivial codes are never generated: one repeated digit (1111) and, as our own extension, a run that climbs or
 *   falls by one over the whole code (1234, 4321, 7890: the digits wrap around as on a keypad's 1234567890 row);
 * - codes are unique across every user, which the caller checks through `isTaken` (the directory compares HMAC
 *   lookup keys, so this module never sees a stored code), and unique within one batch.
 *
 * Codes are drawn one digit at a time from crypto.randomInt, so every length up to 16 is uniform; tests inject a
 * seeded source to make the output reproducible.
 */
import { randomInt } from 'node:crypto';
import { ErrorCode, QuireError } from '@quire/common';

/** The shortest and longest code a setting or a generator call may ask for. */
export const MIN_CODE_LENGTH = 4;
export const MAX_CODE_LENGTH = 16;

/**
 * A source of random integers in `[0, maxExclusive)`, with the signature of crypto.randomInt. The generator
 * calls it with 10 for each digit.
 */
export type RandomInt = (maxExclusive: number) => number;

/** Tells whether a code already belongs to some user; may ask the database. */
export type IsCodeTaken = (code: string) => boolean | Promise<boolean>;

/** Options for {@link generateCodes}. */
export interface GenerateCodesOptions {
  /** The random source; crypto.randomInt by default. */
  random?: RandomInt;
  /**
   * How many codes of this length are already in use, when the caller knows (the directory counts its PIN or
   * ID-code keys). With it the batch is refused up front when it would fill more than half the code space.
   */
  usedCount?: number;
}

/**
 * Random draws per code before giving up. Each draw fails with the probability that the space is used (or
 * trivial), so 64 failures in a row mean a space well over 90% full: at half full the chance is 5e-20.
 */
const MAX_ATTEMPTS_PER_CODE = 64;

/** The share of the code space a batch may fill; beyond it, collisions slow generation and guessing gets easy. */
const MAX_FILL_RATIO = 0.5;

const defaultRandom: RandomInt = (maxExclusive) => randomInt(maxExclusive);

function checkLength(length: number): void {
  if (!Number.isInteger(length) || length < MIN_CODE_LENGTH || length > MAX_CODE_LENGTH) {
    throw new QuireError(
      ErrorCode.ValidationFailed,
      `Code length must be a whole number from ${MIN_CODE_LENGTH} to ${MAX_CODE_LENGTH}, got ${length}`,
      { details: { field: 'length' } },
    );
  }
}

function checkCount(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new QuireError(ErrorCode.ValidationFailed, `${field} must be a whole number of at least 0`, {
      details: { field },
    });
  }
}

/**
 * The shortest code length allowed for a directory of `userCount` users: one digit more than the user count
 * has (so 999 users need 4 digits, 1,000 need 5, 10,000 need 6), never below 4 nor below the administrator's
 * `configuredMin`, and never above 16. A configured minimum outside 4..16 is clamped, like the result.
 */
export function minimumCodeLength(userCount: number, configuredMin: number): number {
  checkCount(userCount, 'userCount');
  if (!Number.isFinite(configuredMin)) {
    throw new QuireError(ErrorCode.ValidationFailed, 'The configured minimum code length must be a number', {
      details: { field: 'configuredMin' },
    });
  }
  const digitsOfUserCount = userCount === 0 ? 1 : String(userCount).length;
  const floor = Math.max(digitsOfUserCount + 1, Math.ceil(configuredMin));
  return Math.min(MAX_CODE_LENGTH, Math.max(MIN_CODE_LENGTH, floor));
}

/**
 * True for a code nobody should be given because it is the first thing an attacker tries: a single repeated
 * digit (1111, 22222) or a run whose every digit is the previous one plus one, or minus one, over the whole
 * code, with 9 and 0 adjacent (1234, 4321, 7890, 0987). Shorter runs inside a code (51234) are allowed: they
 * cost no more guesses than any other code. Anything that is not two or more decimal digits is not a code and
 * counts as trivial.
 */
export function isTrivialCode(code: string): boolean {
  if (!/^[0-9]{2,}$/.test(code)) return true;
  const steps = new Set<number>();
  for (let i = 1; i < code.length; i++) {
    steps.add((code.charCodeAt(i) - code.charCodeAt(i - 1) + 10) % 10);
    if (steps.size > 1) return false;
  }
  const [step] = steps;
  return step === 0 || step === 1 || step === 9;
}

/**
 * How many codes of `length` digits can be generated: every code but the trivial ones (ten repeated-digit
 * codes, ten rising and ten falling runs).
 */
export function codeSpaceSize(length: number): number {
  checkLength(length);
  return 10 ** length - 30;
}

function drawCode(length: number, random: RandomInt): string {
  let code = '';
  for (let i = 0; i < length; i++) {
    const digit = random(10);
    if (!Number.isInteger(digit) || digit < 0 || digit > 9) {
      throw new QuireError(
        ErrorCode.Internal,
        `The random source returned ${digit} for a digit (expected 0-9)`,
      );
    }
    code += String(digit);
  }
  return code;
}

function spaceFullError(length: number, detail: string): QuireError {
  return new QuireError(
    ErrorCode.Conflict,
    `The ${length}-digit code space is too full: ${detail}. Raise the code length so that codes stay unique ` +
      'and hard to guess.',
    { details: { length, capacity: codeSpaceSize(length) } },
  );
}

/**
 * Draw a random, non-trivial code of `length` digits that `isTaken` says is free. Gives up after a bounded
 * number of draws with CONFLICT, telling the administrator to raise the length, because a space where that many
 * draws in a row collide is nearly full. A bad length is VALIDATION_FAILED; an error from `isTaken` is passed on.
 */
export async function generateUniqueCode(
  length: number,
  isTaken: IsCodeTaken,
  random: RandomInt = defaultRandom,
): Promise<string> {
  checkLength(length);
  for (let attempt = 0; attempt < MAX_ATTEMPTS_PER_CODE; attempt++) {
    const code = drawCode(length, random);
    if (isTrivialCode(code)) continue;
    if (!(await isTaken(code))) return code;
  }
  throw spaceFullError(length, `${MAX_ATTEMPTS_PER_CODE} random codes in a row were already in use`);
}

/**
 * Generate `count` codes of `length` digits, each free according to `isTaken` and all different from one
 * another, in the order drawn. The batch is refused up front (CONFLICT) when it would fill more than half the
 * code space, counting `options.usedCount` when given; otherwise it fails like {@link generateUniqueCode} when
 * the space turns out to be nearly full.
 */
export async function generateCodes(
  count: number,
  length: number,
  isTaken: IsCodeTaken,
  options: GenerateCodesOptions = {},
): Promise<string[]> {
  checkCount(count, 'count');
  const usedCount = options.usedCount ?? 0;
  checkCount(usedCount, 'usedCount');
  const capacity = codeSpaceSize(length);
  if (usedCount + count > capacity * MAX_FILL_RATIO) {
    throw spaceFullError(
      length,
      `${count} new codes with ${usedCount} in use would fill more than half of its ${capacity} codes`,
    );
  }
  const batch = new Set<string>();
  const takenOrInBatch: IsCodeTaken = (code) => batch.has(code) || isTaken(code);
  while (batch.size < count) {
    batch.add(await generateUniqueCode(length, takenOrInBatch, options.random));
  }
  return [...batch];
}
