/**
 * The benchmark's handle on its simulator process (sim-child.ts): forked, registered with testkit's tracker so
 * that stopAllTracked ends it (and, as a last resort, snmpsimd too, both by PID), and asked to change counters.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { track } from '@quire/testkit';
import { type CounterChange, type SimConfig, type SimReady, type SimReply } from './sim-protocol';

const START_TIMEOUT_MS = 180_000;
const STOP_WAIT_MS = 30_000;

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The running simulator; see the file comment. */
export class SimHandle {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private readonly exited: Promise<void>;
  private readonly untrack: () => void;

  private constructor(
    private readonly child: ChildProcess,
    /** The UDP port every simulated printer answers on. */
    readonly port: number,
    /** snmpsimd's PID, whose CPU time the benchmark reports as the simulator's. */
    readonly snmpsimPid: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (reply: SimReply) => this.settle(reply));
    void this.exited.then(() => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('the simulator process exited'));
      this.pending.clear();
    });
    this.untrack = track({
      description: `bench snmp simulator (pid ${child.pid}, snmpsimd pid ${snmpsimPid})`,
      stop: () => this.stop(),
      killNow: () => this.kill(),
    });
  }

  /** Fork the simulator; resolves once snmpsim answers for every printer's community. */
  static start(config: SimConfig): Promise<SimHandle> {
    const child = fork(path.join(__dirname, 'sim-child.js'), [JSON.stringify(config)], {
      execArgv: ['--enable-source-maps'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        killPid(child.pid as number);
        reject(new Error(`the simulator did not start within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`the simulator exited with ${code} before it was ready`));
      };
      child.once('exit', onExit);
      child.once('message', (message: SimReady | SimReply) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        if ('ready' in message) resolve(new SimHandle(child, message.ready.port, message.ready.snmpsimPid));
        else {
          killPid(child.pid as number);
          reject(new Error(`the simulator did not start: ${'error' in message ? message.error : ''}`));
        }
      });
    });
  }

  /** Set each community's prtMarkerLifeCount; resolves once snmpsim serves every new value. */
  setCounters(changes: CounterChange[]): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, command: 'set-counters', changes });
    });
  }

  /** Ask the simulator to stop snmpsim and exit; SIGKILL both by PID if it has not within 30 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.send({ id: 0, command: 'stop' });
      const timer = setTimeout(() => this.kill(), STOP_WAIT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    this.untrack();
  }

  private kill(): void {
    killPid(this.snmpsimPid);
    if (this.child.exitCode === null && this.child.signalCode === null) killPid(this.child.pid as number);
  }

  private settle(reply: SimReply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiter.resolve();
    else waiter.reject(new Error(reply.error));
  }
}
