/**
 * The small figures helpers of `bench/snmp`: medians, elapsed time, CPU time of this process and of another one
 * (from /proc), the load average, and the report's output.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

/** The nearest-rank median of `values` (an observed value); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1];
}

/** Seconds since `since` (a process.hrtime.bigint()). */
export function secondsSince(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** CPU seconds (user + system) this process has used since `since` (a process.cpuUsage()). */
export function cpuSecondsSince(since: NodeJS.CpuUsage): { user: number; system: number; total: number } {
  const used = process.cpuUsage(since);
  return { user: used.user / 1e6, system: used.system / 1e6, total: (used.user + used.system) / 1e6 };
}

let clockTicks: number | undefined;

/** The kernel's clock ticks per second (USER_HZ), in which /proc reports CPU time. */
function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return clockTicks;
}

/** CPU seconds (user + system) process `pid` has used so far, from /proc/PID/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, hence the last ')'): utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/** The 1-minute load average: other work on this shared machine moves every figure. */
export function load(): string {
  return loadavg()[0].toFixed(2);
}

/** `a / b` with two decimals, or `n/a`. */
export function ratio(a: number, b: number): string {
  return b > 0 && Number.isFinite(a) ? (a / b).toFixed(2) : 'n/a';
}

/** Write one line to standard output (the benchmark's report). */
export function say(text: string): void {
  process.stdout.write(`${text}\n`);
}
