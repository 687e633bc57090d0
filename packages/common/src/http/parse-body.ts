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

function describeIssue(issue: z.core.$ZodIssue): FieldProblem {
  const field = issue.path.length === 0 ? '(body)' : issue.path.map(String).join('.');
  const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
  const problem = missing ? `is required (expected ${issue.expected})` : issue.message;
  return { field, problem };
}

/** Validate `body` against `schema`; throws VALIDATION_FAILED naming each bad field when it does not match. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined) {
    throw new QuireError(
      ErrorCode.ValidationFailed,
      'Request body is missing: send a JSON object with Content-Type: application/json',
    );
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const fields = result.error.issues.map(describeIssue);
  const message = `Request body is invalid: ${fields.map((f) => `${f.field}: ${f.problem}`).join('; ')}`;
  throw new QuireError(ErrorCode.ValidationFailed, message, { details: { fields } });
}
