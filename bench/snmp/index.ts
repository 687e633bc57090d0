/**
 * `npm run bench -- snmp`: Quire's printer monitoring of a fleet of simulated printers, against Net-SNMP's
 * snmpbulkwalk over the same agents, in one run on this machine.
 *
 * The fleet: `--printers` agents in one snmpsim process on 127.0.0.1 (its own child process, see
 * sim-protocol.ts), one community each (p0001…), cycling through testkit's three printer fixtures (HP LaserJet
 * M507 mono, HP Color LaserJet M555, Kyocera TASKalfa 3253ci). A site database on SQLite holds one printer per
 * agent, each with its own SNMP and configuration profile, made through the real services (site.ts); every poll
 * takes the production path: profile resolution, readPrinter over net-snmp, deriveStatus, the recorder's writes.
 *
 * 1. sweep (sweep-phase.ts): the time of one full PrinterMonitor.sweep() at `--concurrency`, median of
 *    `--repeat`, against one sequential pass of `snmpbulkwalk` over every agent (anchor.ts says why it walks the
 *    whole agent), median of as many passes, alternating with the sweeps.
 * 2. cpu (cpu-phase.ts): PrinterMonitor.start() on the real `--interval` schedule; after one warm-up interval,
 *    this process's CPU over `--cycles` intervals as a share of one core, the polls done, the turns skipped and
 *    the event-loop delay; snmpsimd's CPU over the same window is shown apart, as the simulator's.
 *
 * Options: --printers N (600), --interval S (60, printers.pollIntervalSeconds), --cycles N (2), --concurrency N
 * (16, printers.pollConcurrency), --repeat N (3), --phases LIST (sweep,cpu). Goals (issue 8): under 10% of one
 * core, and a full sweep faster than the sequential walk. Profile Quire's side with
 * `node --cpu-prof bench/dist/snmp/index.js` (the simulator is another process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stopAllTracked, testRunDir } from '@quire/testkit';
import { cpuPhase, type CpuPhaseResult } from './cpu-phase';
import { SimHandle } from './sim-handle';
import { openBenchSite, PRINTER_DEFAULTS } from './site';
import { load, median, ratio, say, secondsSince } from './stats';
import { sweepPhase, type SweepPhaseResult } from './sweep-phase';

const PHASES = ['sweep', 'cpu'] as const;
type Phase = (typeof PHASES)[number];
const GOAL_CPU_PERCENT = 10;

function options() {
  const { values } = parseArgs({
    options: {
      printers: { type: 'string', default: '600' },
      interval: { type: 'string', default: String(PRINTER_DEFAULTS.intervalSeconds) },
      cycles: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: String(PRINTER_DEFAULTS.concurrency) },
      repeat: { type: 'string', default: '3' },
      phases: { type: 'string', default: PHASES.join(',') },
    },
  });
  const whole = (name: string, value: string | undefined, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be a whole number from ${min} to ${max}, not "${value}"`);
    return n;
  };
  const phases = (values.phases ?? '').split(',').map((p) => p.trim());
  const unknown = phases.filter((p) => !(PHASES as readonly string[]).includes(p));
  if (unknown.length > 0 || phases.length === 0)
    throw new Error(`unknown phase "${unknown.join(', ')}"; phases: ${PHASES.join(', ')}`);
  return {
    // Communities are p0001…p9999.
    printers: whole('printers', values.printers, 1, 9999),
    intervalSeconds: whole('interval', values.interval, 1, 3600),
    cycles: whole('cycles', values.cycles, 1, 60),
    concurrency: whole('concurrency', values.concurrency, 1, 256),
    repeat: whole('repeat', values.repeat, 1, 20),
    phases: new Set(phases as Phase[]),
  };
}

function verdict(met: boolean): string {
  return met ? 'met' : 'NOT MET';
}

/** Printers that did not answer in some timed sweep (such a sweep is not a full one). */
function unanswered(result: SweepPhaseResult): number {
  return Math.max(...result.sweeps.map(({ result: sweep }) => sweep.printers - sweep.answered));
}

function sweepReport(result: SweepPhaseResult, goals: string[]): { row: string; notes: string[] } {
  const sweepSeconds = result.sweeps.map(({ result: sweep }) => sweep.durationMs / 1000);
  const walkSeconds = result.walks.map((walk) => walk.seconds);
  const quire = median(sweepSeconds);
  const anchor = median(walkSeconds);
  const missing = unanswered(result);
  const met = missing === 0 && quire < anchor;
  const spread = (values: number[]) =>
    `${median(values).toFixed(2)} s (best ${Math.min(...values).toFixed(2)}, worst ${Math.max(...values).toFixed(2)})`;
  goals.push(
    `goal: a full sweep faster than the sequential walk: ${quire.toFixed(2)} s against ${anchor.toFixed(2)} s: ${verdict(met)}${missing > 0 ? ` (${missing} printers did not answer in a sweep)` : ''}`,
  );
  const cpuPerPoll = median(result.sweeps.map(({ cpuSeconds }) => cpuSeconds)) / result.printers;
  const valuesPerWalk = median(result.walks.map((walk) => walk.values)) / result.printers;
  const simulatorBusy = median(
    result.sweeps.map(
      ({ result: sweep, simulatorCpuSeconds }) => (100 * simulatorCpuSeconds) / (sweep.durationMs / 1000),
    ),
  );
  return {
    row: `| one full sweep of ${result.printers} printers, median of ${result.sweeps.length} | ${spread(sweepSeconds)}, concurrency ${result.concurrency} | ${spread(walkSeconds)}, one agent after another | ${ratio(quire, anchor)}× the time | ${verdict(met)}: faster than the walk |`,
    notes: [
      `sweep: warm-up sweep (first status rows written) ${result.warmupSeconds.toFixed(2)} s; Quire CPU per poll ${(cpuPerPoll * 1000).toFixed(2)} ms (median sweep); snmpsimd busy ${simulatorBusy.toFixed(0)}% of one core during a sweep (median); the walks fetched ${valuesPerWalk.toFixed(0)} values per agent`,
    ],
  };
}

function cpuReport(result: CpuPhaseResult, goals: string[]): { row: string; notes: string[] } {
  const percent = (seconds: number) => (100 * seconds) / result.wallSeconds;
  const quire = percent(result.cpu.total);
  const polls = [...result.polls.values()].reduce((sum, n) => sum + n, 0);
  const expected = result.printers * result.cycles;
  const answered = result.polls.get('answered') ?? 0;
  const complete = answered >= 0.98 * expected;
  const met = complete && quire < GOAL_CPU_PERCENT;
  goals.push(
    `goal: under ${GOAL_CPU_PERCENT}% of one core: ${quire.toFixed(2)}%: ${verdict(met)}${complete ? '' : ` (only ${answered} of ${expected} polls answered)`}`,
  );
  const outcomes = [...result.polls].map(([outcome, n]) => `${outcome} ${n}`).join(', ');
  const { p50, p99, max } = result.loopDelay;
  return {
    row: `| CPU polling every ${result.intervalSeconds} s, ${result.cycles} intervals (${result.wallSeconds.toFixed(0)} s) | ${quire.toFixed(2)}% of one core (user ${percent(result.cpu.user).toFixed(2)}%, system ${percent(result.cpu.system).toFixed(2)}%) | (no CPU figure: the walk is a one-off) | | ${verdict(met)}: < ${GOAL_CPU_PERCENT}% |`,
    notes: [
      `cpu: ${polls} polls in the window (${outcomes}; ${expected} due), ${(polls / result.wallSeconds).toFixed(2)} polls/s, ${result.skipped} turns skipped; ${result.countersChanged} counter changes (each rewrites a status row); event-loop delay p50 ${p50.toFixed(1)} / p99 ${p99.toFixed(1)} / max ${max.toFixed(1)} ms; RSS ${result.rssMb.toFixed(0)} MB`,
      `simulator (not Quire): snmpsimd used ${percent(result.simulatorCpuSeconds).toFixed(2)}% of one core over the same window`,
    ],
  };
}

async function main(): Promise<void> {
  const opts = options();
  const scratch = mkdtempSync(path.join(testRunDir(), 'snmp-bench-'));
  const rows: string[] = [];
  const notes: string[] = [];
  const goals: string[] = [];
  say(`snmp benchmark: ${opts.printers} printers, load average ${load()}, scratch ${scratch}`);
  const started = process.hrtime.bigint();
  let finished = false;
  try {
    let step = process.hrtime.bigint();
    const sim = await SimHandle.start({ printers: opts.printers });
    say(
      `snmpsim with ${opts.printers} communities on 127.0.0.1:${sim.port}: ${secondsSince(step).toFixed(1)} s`,
    );
    step = process.hrtime.bigint();
    const site = await openBenchSite(scratch, opts.printers, sim.port);
    say(
      `site database with ${opts.printers} printers and their profiles: ${secondsSince(step).toFixed(1)} s`,
    );
    try {
      if (opts.phases.has('sweep')) {
        say(`\n1. full sweeps against sequential snmpbulkwalk, ${opts.repeat} rounds…`);
        const report = sweepReport(await sweepPhase(site, sim, opts), goals);
        rows.push(report.row);
        notes.push(...report.notes);
      }
      if (opts.phases.has('cpu')) {
        say(
          `\n2. polling on the ${opts.intervalSeconds} s schedule: 1 warm-up + ${opts.cycles} measured intervals…`,
        );
        const report = cpuReport(await cpuPhase(site, sim, opts), goals);
        rows.push(report.row);
        notes.push(...report.notes);
      }
    } finally {
      await site.close();
    }
    await sim.stop();
    say(
      `\nsnmp, ${opts.printers} printers on one snmpsim, concurrency ${opts.concurrency}, ${(secondsSince(started) / 60).toFixed(1)} min in all, load average now ${load()}:\n`,
    );
    say('| measure | Quire | anchor: snmpbulkwalk | ratio | goal |');
    say('|---|---|---|---|---|');
    for (const row of rows) say(row);
    say('');
    for (const note of notes) say(note);
    say('');
    for (const goal of goals) say(goal);
    finished = true;
  } finally {
    await stopAllTracked();
    // A failed run keeps its scratch dir: site.log says what the monitor saw.
    if (finished) rmSync(scratch, { recursive: true, force: true });
    else say(`scratch kept for its log: ${scratch}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`snmp benchmark failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
