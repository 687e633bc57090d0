/**
 * Entry point of the benchmark's simulator process (forked by sim-handle.ts with its SimConfig as the one
 * argument): one snmpsim process on 127.0.0.1 serving every printer under its own community, and counter
 * changes on request. It exits when the parent goes away; testkit's exit hook then kills snmpsimd by its PID,
 * so nothing outlives the benchmark.
 */
import { SNMP_FIXTURES, startSnmpsim, stopAllTracked, type Snmpsim } from '@quire/testkit';
import {
  communityOf,
  fixtureOf,
  SIM_ADDRESS,
  type CounterChange,
  type SimConfig,
  type SimReady,
  type SimReply,
  type SimRequest,
} from './sim-protocol';

/** Counter changes applied at once: each is a file rewrite and an snmpget confirming it. */
const CHANGE_CONCURRENCY = 8;

const LIFE_COUNT_OID = SNMP_FIXTURES['hp-laserjet-m507'].oids.lifeCount;

function send(message: SimReply | SimReady): void {
  process.send?.(message);
}

async function setCounters(sim: Snmpsim, changes: CounterChange[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < changes.length) {
      const { community, total } = changes[next++];
      await sim.setValue(SIM_ADDRESS, community, LIFE_COUNT_OID, 'counter', total);
    }
  };
  await Promise.all(Array.from({ length: CHANGE_CONCURRENCY }, worker));
}

function serve(sim: Snmpsim): void {
  process.on('message', (request: SimRequest) => {
    if (request.command === 'stop') {
      sim.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          process.stderr.write(`snmp simulator: could not stop snmpsim cleanly: ${String(err)}\n`);
          process.exit(1);
        },
      );
      return;
    }
    setCounters(sim, request.changes).then(
      () => send({ id: request.id, ok: true }),
      (err: unknown) =>
        send({ id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as SimConfig;
  process.on('disconnect', () => process.exit(2));
  const agents = Array.from({ length: config.printers }, (_, i) => ({
    address: SIM_ADDRESS,
    fixture: fixtureOf(i + 1),
    community: communityOf(i + 1),
  }));
  const sim = await startSnmpsim({ agents });
  serve(sim);
  send({ ready: { port: sim.port, snmpsimPid: sim.pids[0] } });
}

main().catch(async (err: unknown) => {
  await stopAllTracked();
  const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.send?.({ id: 0, ok: false, error } satisfies SimReply, () => process.exit(1));
});
