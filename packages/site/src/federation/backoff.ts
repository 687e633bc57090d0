/**
 * Reconnect delays for the link to central. Exponential growth keeps a site from hammering a central that is
 * down; jitter spreads the reconnects of many sites after a central restart, so they do not all arrive at once.
 */

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry), with "equal jitter": a random value in
 * [ceiling/2, ceiling], where ceiling = min(maxMs, 2 * minMs * 2^attempt). The first delay is therefore between
 * minMs and 2 * minMs, each failure doubles the band, and the result never exceeds maxMs nor falls below minMs.
 * Half of the ceiling is kept so the delay still grows; the other half is random. `random` returns a number in
 * [0, 1) and is injectable for tests.
 */
export function reconnectDelay(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const safeAttempt = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  const floor = Math.max(0, minMs);
  const cap = Math.max(floor, maxMs);
  // 2^attempt overflows to Infinity for large attempts, which Math.min then caps.
  const ceiling = Math.min(cap, 2 * floor * 2 ** safeAttempt);
  const half = ceiling / 2;
  return Math.max(floor, Math.round(half + random() * half));
}
