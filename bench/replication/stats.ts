/**
 * Small figures helpers of `bench/replication`: lag percentiles, and the formatting the tables share.
 */

/** p50, p99 and max of a set of samples (ms), and how many there were. */
export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles of `samples` (sorted here; the caller's array is reordered). */
export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { count: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1] };
}

/** Seconds since `since` (a process.hrtime.bigint()). */
export function secondsSince(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** A whole number with thousands separators. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** `quire / anchor` with two decimals, or `n/a`. */
export function ratio(quire: number, anchor: number): string {
  return anchor > 0 && Number.isFinite(quire) ? `${(quire / anchor).toFixed(2)}` : 'n/a';
}

/** Write one line to standard output (the benchmark's report). */
export function say(text: string): void {
  process.stdout.write(`${text}\n`);
}
