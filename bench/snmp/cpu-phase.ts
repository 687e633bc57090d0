/**
 * Phase `cpu` of `bench/snmp`: the share of one core Quire's monitor takes to poll every printer on its real
 * schedule. PrinterMonitor.start() runs with the real interval; the first interval (a started site's first
 * cycle: reading the stored rows, writing what changed) is warm-up, then `cycles` whole intervals are measured:
 * this process's CPU time (user + system, process.cpuUsage) over the wall time, the polls done (by outcome, from
 * the monitor's own metrics), the turns skipped, and the event-loop delay (monitorEventLoopDelay). The delay is
 * sampled every 50 ms: its timer's wake-ups are billed to this process, and on this machine sampling every 10 ms
 * alone took ~1% of a core, every 50 ms ~0.2%, which the figure includes.
 *
 * So that the measured polls write as well as read, at the start of each measured interval 10% of the printers
 * (every tenth) print 25 pages: the simulator process raises their prtMarkerLifeCount, and each such poll
 * rewrites that printer's status row. The simulator runs in its own process (sim-protocol.ts says why), so none
 * of that is billed here. snmpsimd's own CPU over the same window is reported apart, as the simulator's.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SNMP_FIXTURES } from '@quire/testkit';
import { type Registry } from '@quire/common';
import { type SimHandle } from './sim-handle';
import { type BenchSite } from './site';
import { communityOf, fixtureOf, type CounterChange } from './sim-protocol';
import { cpuSecondsSince, processCpuSeconds, say, secondsSince } from './stats';

const LOOP_SAMPLING_MS = 50;
const PAGES_PER_INTERVAL = 25;
/** One printer in this many prints during each measured interval. */
const PRINTING_EVERY = 10;

/** What the cpu phase measured. */
export interface CpuPhaseResult {
  printers: number;
  intervalSeconds: number;
  cycles: number;
  concurrency: number;
  wallSeconds: number;
  cpu: { user: number; system: number; total: number };
  /** Polls completed in the window, by outcome (answered, offline, not_monitored, failed). */
  polls: Map<string, number>;
  skipped: number;
  countersChanged: number;
  /** Event-loop delay beyond the sampling timer, ms. */
  loopDelay: { p50: number; p99: number; max: number };
  simulatorCpuSeconds: number;
  rssMb: number;
}

/** The counter's values by label `outcome` (or the one unlabelled value under ''). */
async function counterValues(metrics: Registry, name: string): Promise<Map<string, number>> {
  const metric = metrics.getSingleMetric(name);
  if (!metric) throw new Error(`the monitor registered no metric ${name}`);
  const values = new Map<string, number>();
  for (const { labels, value } of (await metric.get()).values) {
    values.set(String(labels.outcome ?? ''), value);
  }
  return values;
}

function difference(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([key, value]) => [key, value - (before.get(key) ?? 0)]));
}

/** The changes of measured interval `round` (1-based): every tenth printer has printed `round` × 25 pages. */
function printingChanges(printers: number, round: number): CounterChange[] {
  const changes: CounterChange[] = [];
  for (let index = 1; index <= printers; index += PRINTING_EVERY) {
    const start = SNMP_FIXTURES[fixtureOf(index)].counters.total;
    changes.push({ community: communityOf(index), total: start + round * PAGES_PER_INTERVAL });
  }
  return changes;
}

/** Sleep until `atMs` (Date.now() scale). */
function until(atMs: number): Promise<void> {
  return sleep(Math.max(0, atMs - Date.now()));
}

/** Run the cpu phase on `site`, its printers served by `sim`. */
export async function cpuPhase(
  site: BenchSite,
  sim: SimHandle,
  options: { printers: number; intervalSeconds: number; cycles: number; concurrency: number },
): Promise<CpuPhaseResult> {
  const intervalMs = options.intervalSeconds * 1000;
  const { monitor, metrics } = site.monitor(options);
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLING_MS });
  const startedAt = Date.now();
  monitor.start();
  try {
    say(`  warm-up interval (${options.intervalSeconds} s)…`);
    await until(startedAt + intervalMs);
    const polls = await counterValues(metrics, 'quire_printer_polls_total');
    const skipped = await counterValues(metrics, 'quire_printer_polls_skipped_total');
    const simulatorCpu = processCpuSeconds(sim.snmpsimPid);
    const cpu = process.cpuUsage();
    const wall = process.hrtime.bigint();
    loop.enable();
    let countersChanged = 0;
    for (let round = 1; round <= options.cycles; round++) {
      const changes = printingChanges(options.printers, round);
      await sim.setCounters(changes);
      countersChanged += changes.length;
      await until(startedAt + (round + 1) * intervalMs);
      say(`  measured interval ${round}/${options.cycles} done`);
    }
    loop.disable();
    const cpuUsed = cpuSecondsSince(cpu);
    const wallSeconds = secondsSince(wall);
    const simulatorCpuSeconds = processCpuSeconds(sim.snmpsimPid) - simulatorCpu;
    const lag = (nanoseconds: number) => Math.max(0, nanoseconds / 1e6 - LOOP_SAMPLING_MS);
    return {
      ...options,
      wallSeconds,
      cpu: cpuUsed,
      polls: difference(await counterValues(metrics, 'quire_printer_polls_total'), polls),
      skipped:
        difference(await counterValues(metrics, 'quire_printer_polls_skipped_total'), skipped).get('') ?? 0,
      countersChanged,
      loopDelay: { p50: lag(loop.percentile(50)), p99: lag(loop.percentile(99)), max: lag(loop.max) },
      simulatorCpuSeconds,
      rssMb: process.memoryUsage().rss / 1e6,
    };
  } finally {
    loop.disable();
    await monitor.stop();
  }
}
