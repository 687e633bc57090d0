/**
 * The messages between the benchmark and its simulator process (sim-child.ts) over Node's IPC channel. The
 * simulator lives in a process of its own because snmpsim writes a log line for every variable it serves and
 * the testkit drains that output through the Node process that started it: in the benchmark's own process that
 * work (and the snmpget confirmations of every counter change) would be billed to Quire's CPU figure.
 */
import { type SnmpFixtureName } from '@quire/testkit';

/** What the simulator serves: `printers` communities p0001…pNNNN on 127.0.0.1, cycling through the fixtures. */
export interface SimConfig {
  printers: number;
}

/** The simulator's first message: where it listens, and snmpsimd's PID (for its CPU time and a last-resort kill). */
export interface SimReady {
  ready: { port: number; snmpsimPid: number };
}

/** One counter change: the community's prtMarkerLifeCount becomes `total`. */
export interface CounterChange {
  community: string;
  total: number;
}

/** A request to the simulator. */
export type SimRequest =
  { id: number; command: 'set-counters'; changes: CounterChange[] } | { id: number; command: 'stop' };

/** The simulator's answer to one request (id 0: it failed to start). */
export type SimReply = { id: number; ok: true } | { id: number; ok: false; error: string };

/** The address every simulated printer answers on (loopback only). */
export const SIM_ADDRESS = '127.0.0.1';

/** The community of printer `index` (1-based): p0001, p0002, … */
export function communityOf(index: number): string {
  return `p${String(index).padStart(4, '0')}`;
}

const FIXTURES: readonly SnmpFixtureName[] = [
  'hp-laserjet-m507',
  'hp-color-laserjet-m555',
  'kyocera-taskalfa-3253ci',
];

/** The model printer `index` (1-based) simulates: the three fixtures in turn, mono and colour mixed. */
export function fixtureOf(index: number): SnmpFixtureName {
  return FIXTURES[(index - 1) % FIXTURES.length];
}
