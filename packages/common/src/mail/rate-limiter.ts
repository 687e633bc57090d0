/**
 * "Not more often than every N minutes": the limiter behind rate-limited notifications (error events, low toner,
 * licence problems), per key, on an injectable clock so tests need not wait.
 */
import { ErrorCode, QuireError } from '../errors';

/** Options for {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** The least time between two notifications for the same key; 0 lets every one through. */
  intervalMinutes: number;
  /** The clock, in ms since the epoch; tests inject their own. */
  now?: () => number;
}

/**
 * "Not more often than every N minutes", per key (a notification kind, or kind and recipient): `tryAcquire`
 * lets the first call for a key through and refuses the others until the interval has passed. Keys whose
 * interval is over are forgotten as the map grows, so memory follows the keys active in one interval.
 */
export class RateLimiter {
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly lastAllowed = new Map<string, number>();
  private pruneAtSize = 1024;

  constructor(options: RateLimiterOptions) {
    if (!Number.isFinite(options.intervalMinutes) || options.intervalMinutes < 0) {
      throw new QuireError(
        ErrorCode.ValidationFailed,
        'The notification interval must be 0 or more minutes',
        {
          details: { field: 'intervalMinutes' },
        },
      );
    }
    this.intervalMs = options.intervalMinutes * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** True, and the interval for `key` starts again, when a notification for `key` may go out now. */
  tryAcquire(key: string): boolean {
    const now = this.now();
    if (now < this.nextAllowedAt(key, now)) return false;
    this.lastAllowed.set(key, now);
    if (this.lastAllowed.size >= this.pruneAtSize) this.prune(now);
    return true;
  }

  /** When the next notification for `key` may go out, in ms since the epoch (now or earlier when it may). */
  nextAllowedAt(key: string, now = this.now()): number {
    const last = this.lastAllowed.get(key);
    return last === undefined ? now : last + this.intervalMs;
  }

  /** How many keys are remembered (active ones, and expired ones not yet pruned). */
  get size(): number {
    return this.lastAllowed.size;
  }

  private prune(now: number): void {
    for (const [key, last] of this.lastAllowed) {
      if (now >= last + this.intervalMs) this.lastAllowed.delete(key);
    }
    this.pruneAtSize = Math.max(1024, this.lastAllowed.size * 2);
  }
}
