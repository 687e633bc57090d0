/**
 * Phase `sweep` of `bench/snmp`: the time of one full sweep of every printer by Quire (PrinterMonitor.sweep at
 * the configured concurrency: list, read each printer through its profile, derive, record) against the anchor,
 * snmpbulkwalk over the same agents one after another (anchor.ts).
 *
 * One untimed sweep first stores every printer's first status row (a fresh site's first minute); the timed
 * sweeps then find the agents unchanged, as most polls of a fleet do. Sweeps and walks alternate, `repeat` times,
 * so machine noise falls on both, and the medians count. Quire's CPU time per sweep is kept too: divided by the
 * printers, it is the CPU a poll costs. So is snmpsimd's: one single-threaded Python process answering for the
 * whole fleet, it can be what bounds the sweep's time rather than Quire.
 */
import { type SweepResult } from '@quire/site/dist/src/printers/monitoring';
import { sequentialWalk, type WalkPass } from './anchor';
import { type BenchSite } from './site';
import { type SimHandle } from './sim-handle';
import { cpuSecondsSince, processCpuSeconds, say } from './stats';

/** What the sweep phase measured. */
export interface SweepPhaseResult {
  printers: number;
  concurrency: number;
  warmupSeconds: number;
  /** Each timed sweep, with the CPU seconds this process and snmpsimd used during it. */
  sweeps: Array<{ result: SweepResult; cpuSeconds: number; simulatorCpuSeconds: number }>;
  walks: WalkPass[];
}

function describe(result: SweepResult): string {
  const others = result.printers - result.answered;
  return `${(result.durationMs / 1000).toFixed(2)} s, ${result.answered}/${result.printers} answered${
    others > 0
      ? ` (${result.offline} offline, ${result.failed} failed, ${result.notMonitored} not monitored)`
      : ''
  }`;
}

/** Run the sweep phase on `site` against the simulator on `port`. */
export async function sweepPhase(
  site: BenchSite,
  sim: SimHandle,
  options: { printers: number; concurrency: number; repeat: number },
): Promise<SweepPhaseResult> {
  const { monitor } = site.monitor({ intervalSeconds: 60, concurrency: options.concurrency });
  const warmup = await monitor.sweep();
  say(`  warm-up sweep (stores every status row): ${describe(warmup)}`);
  const sweeps: SweepPhaseResult['sweeps'] = [];
  const walks: WalkPass[] = [];
  for (let round = 1; round <= options.repeat; round++) {
    const cpu = process.cpuUsage();
    const simulatorCpu = processCpuSeconds(sim.snmpsimPid);
    const result = await monitor.sweep();
    const cpuSeconds = cpuSecondsSince(cpu).total;
    const simulatorCpuSeconds = processCpuSeconds(sim.snmpsimPid) - simulatorCpu;
    sweeps.push({ result, cpuSeconds, simulatorCpuSeconds });
    say(
      `  round ${round}: Quire sweep ${describe(result)}, ${cpuSeconds.toFixed(2)} s CPU (snmpsimd ${simulatorCpuSeconds.toFixed(2)} s)`,
    );
    const walk = await sequentialWalk(sim.port, options.printers);
    walks.push(walk);
    say(`  round ${round}: sequential snmpbulkwalk ${walk.seconds.toFixed(2)} s, ${walk.values} values`);
  }
  await monitor.stop();
  return {
    printers: options.printers,
    concurrency: options.concurrency,
    warmupSeconds: warmup.durationMs / 1000,
    sweeps,
    walks,
  };
}
