/**
 * Mocha reporter: the usual spec output, then one closing line `mocha: N passed, M failed` (with
 * `, K skipped` only when tests were skipped). CI judges a run by that line, so it is printed last, after the
 * global teardown, and counts a failed teardown as a failure.
 *
 * Load it by path: `mocha --reporter <abs>/dist/src/reporter.js`. Mocha requires the file and uses its
 * `default` export.
 */
import { reporters } from 'mocha';

/** The closing summary line for the given counts. */
export function summaryLine(passed: number, failed: number, skipped: number): string {
  return `mocha: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

/**
 * Spec reporter plus the closing summary line. Mocha calls `done` after the run and the global teardown
 * with the final failure count, which includes a failed teardown; that is why the line is printed there.
 */
export default class SummaryReporter extends reporters.Spec {
  override done(failures: number, fn?: (failures: number) => void): void {
    const { passes, pending } = this.stats;
    process.stdout.write(`\n${summaryLine(passes, Math.max(failures, this.stats.failures), pending)}\n`);
    fn?.(failures);
  }
}
