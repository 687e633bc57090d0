/**
 * Reading REST query parameters with the same errors everywhere: each bad parameter is VALIDATION_FAILED naming
 * the parameter and what it must be, so a console or script can show the caller what to fix.
 */
import { type Request } from 'express';
import { ErrorCode, QuireError } from '../errors';

/** VALIDATION_FAILED for query parameter `parameter`. */
export function invalidQuery(parameter: string, problem: string): QuireError {
  return new QuireError(ErrorCode.ValidationFailed, `Query parameter ${parameter} ${problem}`, {
    details: { fields: [{ field: parameter, problem }] },
  });
}

/** The `:id` of a route's path. */
export function idParam(req: Request): string {
  return String(req.params.id);
}

/** A query parameter given at most once, as a string; undefined when absent. */
export function queryValue(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidQuery(name, 'must be given once, as plain text');
  return value;
}

/** A whole-number query parameter within [min, max]; `fallback` when absent. */
export function integerQuery(req: Request, name: string, min: number, max: number, fallback: number): number {
  const raw = queryValue(req, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw invalidQuery(name, `must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A comma-separated list whose every item is one of `allowed`; undefined when absent. */
export function choiceListQuery<T extends string>(
  req: Request,
  name: string,
  allowed: readonly T[],
): T[] | undefined {
  const raw = queryValue(req, name);
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((item) => item.trim());
  const unknown = items.find((item) => !allowed.includes(item as T));
  if (unknown !== undefined) {
    throw invalidQuery(name, `has an unknown value "${unknown}"; use one or more of ${allowed.join(', ')}`);
  }
  return items as T[];
}

/** An ISO 8601 date or date-time query parameter; undefined when absent. */
export function dateQuery(req: Request, name: string): Date | undefined {
  const raw = queryValue(req, name);
  if (raw === undefined) return undefined;
  const at = new Date(raw);
  if (Number.isNaN(at.getTime())) {
    throw invalidQuery(name, 'must be an ISO 8601 date or date-time, e.g. 2025-01-31T12:00:00Z');
  }
  return at;
}
