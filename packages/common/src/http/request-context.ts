/**
 * What the HTTP scaffold adds to every Express request: its request id, a logger that carries that id, and (once
 * `requireAuth` has run) the authenticated principal. Declared as a module augmentation so route handlers in
 * both servers get these fields typed without casts.
 */
import type { Principal } from '../auth/principal';
import type { Logger } from '../logging/logger';

/** The per-request fields the scaffold guarantees (requestId, log) or that auth fills in (principal). */
export interface RequestContext {
  /** The `x-request-id` of this request: the caller's when it was sane, else a fresh UUIDv7. */
  requestId: string;
  /** The process logger with `requestId` on every line. */
  log: Logger;
  /** The authenticated caller, set by `requireAuth`. */
  principal?: Principal;
}

declare module 'express-serve-static-core' {
  // Merging into Express's own Request interface is how Express expects per-request fields to be typed.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Request extends RequestContext {}
}
