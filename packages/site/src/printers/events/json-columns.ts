/**
 * JSON text columns of the event tables (definition parameters, episode details), read defensively: a row edited
 * by hand into something that is not a JSON object reads as an empty object rather than failing every read.
 */
import { type ValueTransformer } from 'typeorm';

/** A JSON object stored as text; anything else reads as `{}`. */
export const jsonObjectColumn: ValueTransformer = {
  to: (value: Record<string, unknown> | undefined) =>
    value === undefined ? undefined : JSON.stringify(value),
  from: (text: string | null): Record<string, unknown> => {
    try {
      const parsed: unknown = JSON.parse(text ?? '{}');
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : {};
    } catch {
      return {};
    }
  },
};
