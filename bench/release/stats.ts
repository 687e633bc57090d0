/**
 * The few statistics the release benchmark prints: nearest-rank percentiles (so a p99 of 10 samples is their
 * maximum, never an interpolation below it), median, best, and their one-line rendering.
 */

/** The nearest-rank `q` quantile (0 < q ≤ 1) of `values`; NaN for none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The median (the nearest-rank 0.5 quantile, an observed value). */
export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** Latencies in ms as `p50 X, p99 Y, max Z`; whole ms, since the sink stamps bytes with Date.now(). */
export function latencySummary(values: readonly number[]): string {
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
  return `p50 ${fmt(percentile(values, 0.5))}, p99 ${fmt(percentile(values, 0.99))}, max ${fmt(Math.max(...values))}`;
}

/** Rates in MB/s as `median X (best Y, worst Z)`. */
export function rateSummary(values: readonly number[]): string {
  return `median ${median(values).toFixed(0)} MB/s (best ${Math.max(...values).toFixed(0)}, worst ${Math.min(...values).toFixed(0)})`;
}
