/**
 * The message of anything thrown, for warnings. Worker-side code uses this instead of @quire/common's
 * `describeError` so that a worker thread does not load the whole common package (about 0.4 s and tens of MB
 * per worker) just for one function.
 */

/** The message of an Error, or the thrown value as text. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
