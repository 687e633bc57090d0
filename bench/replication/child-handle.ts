/**
 * The parent's handle on the benchmark's central process (central-child.ts): forked with its ChildConfig,
 * registered with testkit's tracker so nothing outlives the run, asked things over the IPC protocol of
 * child-protocol.ts, and stopped by its PID.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { track } from '@quire/testkit';
import { type ChildConfig, type ChildRequest, type Envelope, type Ready, type Reply } from './child-protocol';

const STOP_WAIT_MS = 30_000;

/** The parent's handle on a running child; see the file comment. */
export class ChildHandle {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  private readonly exited: Promise<void>;
  private readonly untrack: () => void;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (reply: Reply) => this.settle(reply));
    void this.exited.then(() => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('the central child exited'));
      this.pending.clear();
    });
    this.untrack = track({
      description: `bench central child (pid ${child.pid})`,
      stop: () => this.stop(),
      killNow: () => this.kill(),
    });
  }

  /**
   * Node flags for every child (`--cpu-prof-dir DIR` of the benchmark sets a CPU profile); NODE_OPTIONS may not
   * carry them.
   */
  static nodeFlags: string[] = [];

  /** Fork the child with `config`; resolves once it listens. */
  static start(config: ChildConfig): Promise<ChildHandle> {
    const child = fork(path.join(__dirname, 'central-child.js'), [JSON.stringify(config)], {
      execArgv: ['--enable-source-maps', ...ChildHandle.nodeFlags],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the central child exited with ${code}`));
      child.once('exit', onExit);
      child.once('message', (message: Ready | Reply) => {
        child.off('exit', onExit);
        if ('ready' in message) resolve(new ChildHandle(child, message.ready));
        else reject(new Error(`the central child did not start: ${'error' in message ? message.error : ''}`));
      });
    });
  }

  /** The child's PID. */
  get pid(): number {
    return this.child.pid as number;
  }

  /** Send `request`; resolves with the child's answer, rejects with its error. */
  request<T>(request: ChildRequest): Promise<T> {
    const id = this.nextId++;
    const envelope: Envelope = { id, ...request };
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send(envelope);
    });
  }

  /** Ask the child to close everything and exit; SIGKILL by PID if it has not within 30 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.request({ command: 'stop' }).catch(() => undefined);
      const timer = setTimeout(() => this.kill(), STOP_WAIT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    this.untrack();
  }

  /** End the child at once (SIGKILL by PID), as a crash would. */
  kill(): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  private settle(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new Error(reply.error));
  }
}
