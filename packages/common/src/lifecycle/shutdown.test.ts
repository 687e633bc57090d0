/**
 * installShutdownHandlers against a fake process: one stop per run, exit codes for success, failure, timeout
 * and a second signal, and the log lines an operator sees.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createLogger } from '../logging/logger';
import { installShutdownHandlers, type SignalSource } from './shutdown';

class FakeProcess extends EventEmitter implements SignalSource {
  exitCodes: number[] = [];
  exit(code: number): void {
    this.exitCodes.push(code);
  }
}

function capturingLogger() {
  const lines: { level: string; message: string }[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
  });
  return { logger: createLogger({ level: 'info', stream }), lines };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('installShutdownHandlers', () => {
  it('runs stop once on SIGTERM, logs start and end, and exits 0', async () => {
    const proc = new FakeProcess();
    const { logger, lines } = capturingLogger();
    let stops = 0;
    const handle = installShutdownHandlers(logger, async () => void stops++, {
      process: proc,
      hardTimeoutMs: 1000,
    });
    proc.emit('SIGTERM', 'SIGTERM');
    expect(await handle.done).to.equal(0);
    await tick();
    expect(stops).to.equal(1);
    expect(proc.exitCodes).to.deep.equal([0]);
    expect(lines.map((l) => l.message)).to.deep.equal(['shutting down', 'shutdown complete']);
    expect(proc.listenerCount('SIGTERM') + proc.listenerCount('SIGINT')).to.equal(0);
  });

  it('exits 1 at once on a second signal while stop is still running', async () => {
    const proc = new FakeProcess();
    const { logger } = capturingLogger();
    let stops = 0;
    const stop = () => {
      stops++;
      return new Promise<void>(() => undefined);
    };
    const handle = installShutdownHandlers(logger, stop, { process: proc, hardTimeoutMs: 60_000 });
    proc.emit('SIGINT', 'SIGINT');
    proc.emit('SIGINT', 'SIGINT');
    expect(await handle.done).to.equal(1);
    expect(stops).to.equal(1);
    expect(proc.exitCodes).to.deep.equal([1]);
  });

  it('exits 1 when stop throws', async () => {
    const proc = new FakeProcess();
    const { logger, lines } = capturingLogger();
    const handle = installShutdownHandlers(logger, () => Promise.reject(new Error('pool stuck')), {
      process: proc,
      hardTimeoutMs: 1000,
    });
    proc.emit('SIGTERM', 'SIGTERM');
    expect(await handle.done).to.equal(1);
    await tick();
    expect(lines.at(-1)).to.include({ level: 'error', message: 'shutdown failed', error: 'pool stuck' });
  });

  it('exits 1 when stop outlives the hard timeout', async () => {
    const proc = new FakeProcess();
    const { logger } = capturingLogger();
    const started = Date.now();
    const handle = installShutdownHandlers(logger, () => new Promise<void>(() => undefined), {
      process: proc,
      hardTimeoutMs: 100,
    });
    proc.emit('SIGTERM', 'SIGTERM');
    expect(await handle.done).to.equal(1);
    expect(Date.now() - started).to.be.within(90, 1000);
    expect(proc.exitCodes).to.deep.equal([1]);
  });

  it('stops listening after uninstall', () => {
    const proc = new FakeProcess();
    const handle = installShutdownHandlers(capturingLogger().logger, async () => undefined, {
      process: proc,
    });
    expect(proc.listenerCount('SIGTERM')).to.equal(1);
    handle.uninstall();
    expect(proc.listenerCount('SIGTERM')).to.equal(0);
    expect(proc.listenerCount('SIGINT')).to.equal(0);
  });
});
