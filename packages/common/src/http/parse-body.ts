/**
 * Request body validation with zod. Route handlers call `parseBody` first, so the rest of the handler works on a
 * typed value, and a bad request gets one VALIDATION_FAILED error that lists every bad field and what it expects.
 */
import type { z } from 'zod';
import { ErrorCode, QuireError } from '../errors';

/** One field that failed validation, as listed in the error's `details.fields`. */
export interface FieldProblem {
  field: string;
  problem: string;
}

function describeIssue(issue: z.core.$ZodIssue, root: string): FieldProblem {
  const field = issue.path.length === 0 ? root : issue.path.map(String).join('.');
  const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
  const problem = missing ? `is required (expected ${issue.expected})` : issue.message;
  return { field, problem };
}

/**
 * Validate `input` against `schema`: the value, or VALIDATION_FAILED whose message is `heading` followed by each
 * bad field and what it expects (`root` names the input as a whole), with the same list in `details.fields`.
 * Services check every caller with it (queue, printer and user settings, directory sources), not only REST bodies.
 */
export function checkInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  heading: string,
  root: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => describeIssue(issue, root));
  const message = `${heading}: ${fields.map((f) => `${f.field}: ${f.problem}`).join('; ')}`;
  throw new QuireError(ErrorCode.ValidationFailed, message, { details: { fields } });
}

/** Validate `body` against `schema`; throws VALIDATION_FAILED naming each bad field when it does not match. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined) {
    throw new QuireError(
      ErrorCode.ValidationFailed,
      'Request body is missing: send a JSON object with Content-Type: application/json',
    );
  }
  return checkInput(schema, body, 'Request body is invalid', '(body)');
}
