/**
 * Tests for startProcess / ManagedProcess with real child processes: output capture, readiness by line,
 * exit reporting and stopping by PID, including the SIGKILL escalation.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { startProcess } from './process';
import { trackedCount } from './registry';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: Error) => err,
  );
}

function node(name: string, script: string) {
  return startProcess({ name, command: process.execPath, args: ['-e', script] });
}

describe('startProcess', () => {
  it('captures stdout and stderr line by line, in memory and in the log file', async () => {
    const proc = startProcess({
      name: 'capture',
      command: 'sh',
      args: ['-c', 'echo one; echo two >&2; printf "three\\nfour-no-newline"; echo "$QUIRE_PROBE"'],
      env: { QUIRE_PROBE: 'env-arrives' },
    });
    expect(proc.pid).to.be.a('number');
    expect(await proc.waitForExit(5_000)).to.deep.equal({ code: 0, signal: null });
    await proc.waitForLine(/env-arrives/, 1_000);
    expect(proc.stdout).to.equal('one\nthree\nfour-no-newlineenv-arrives');
    expect(proc.stderr).to.equal('two');
    const log = readFileSync(proc.logFile, 'utf8');
    expect(log).to.contain('out| one\n').and.to.contain('err| two\n').and.to.contain('out| three\n');
  });

  it('waits for a line printed later and returns its match groups', async () => {
    const proc = node(
      'late-line',
      "setTimeout(() => console.log('listening on 4242'), 200); setInterval(() => {}, 1000);",
    );
    const match = await proc.waitForLine(/listening on (\d+)/, 5_000);
    expect(match[1]).to.equal('4242');
    const status = await proc.stop();
    expect(status).to.deep.equal({ code: null, signal: 'SIGTERM' });
    expect(isAlive(proc.pid)).to.equal(false);
  });

  it('escalates to SIGKILL when the process ignores SIGTERM', async () => {
    const proc = node(
      'stubborn',
      "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);",
    );
    await proc.waitForLine(/^ready$/, 5_000);
    const started = Date.now();
    expect(await proc.stop(300)).to.deep.equal({ code: null, signal: 'SIGKILL' });
    expect(Date.now() - started).to.be.at.least(300);
    expect(isAlive(proc.pid)).to.equal(false);
  });

  it('reports the exit code and unregisters the process once it has exited', async () => {
    const before = trackedCount();
    const proc = startProcess({ name: 'exit-3', command: 'sh', args: ['-c', 'exit 3'] });
    expect(trackedCount()).to.equal(before + 1);
    expect(await proc.waitForExit(5_000)).to.deep.equal({ code: 3, signal: null });
    await proc.ended;
    expect(trackedCount()).to.equal(before);
    expect(proc.kill('SIGTERM')).to.equal(false);
    expect(await proc.stop()).to.deep.equal({ code: 3, signal: null });
  });

  it('fails waitForLine as soon as the process exits without the line, quoting its output', async () => {
    const proc = startProcess({
      name: 'quitter',
      command: 'sh',
      args: ['-c', 'echo bind failed >&2; exit 1'],
    });
    const error = await rejectionOf(proc.waitForLine(/listening/, 10_000));
    expect(error.message).to.contain('exited with code 1').and.to.contain('err| bind failed');
  });

  it('fails waitForLine and waitForExit on timeout, naming the process', async () => {
    const proc = node('silent', 'setInterval(() => {}, 1000);');
    try {
      const lineError = await rejectionOf(proc.waitForLine(/never/, 200));
      expect(lineError.message).to.contain(
        `silent (pid ${proc.pid}) printed no line matching /never/ within 200 ms`,
      );
      const exitError = await rejectionOf(proc.waitForExit(200));
      expect(exitError.message).to.contain('is still running after 200 ms');
    } finally {
      await proc.stop();
    }
  });

  it('throws at once when the command cannot be executed', () => {
    expect(() => startProcess({ name: 'ghost', command: '/nonexistent/quire-binary' })).to.throw(
      /cannot start ghost: \/nonexistent\/quire-binary could not be executed/,
    );
  });
});
