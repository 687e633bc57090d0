/**
 * Tests for the summary reporter and the teardown hooks, by running a real mocha child process on small
 * fixture suites, exactly the way scripts/run-tests.js loads them (by absolute path).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { summaryLine } from './reporter';

const MOCHA_BIN = path.join(path.dirname(require.resolve('mocha/package.json')), 'bin', 'mocha.js');
const REPORTER = path.join(__dirname, 'reporter.js');
const HOOKS = path.join(__dirname, 'mocha-hooks.js');
const TESTKIT = path.join(__dirname, 'index.js');

let fixtureDir: string;

function runMocha(fixture: string, extraArgs: string[] = []): { status: number | null; lines: string[] } {
  const file = path.join(fixtureDir, `fixture-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(file, fixture);
  const result = spawnSync(process.execPath, [MOCHA_BIN, '--reporter', REPORTER, ...extraArgs, file], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, lines: result.stdout.split('\n').filter((line) => line.trim() !== '') };
}

/** True while `pid` runs; a killed child whose parent already exited lingers as a zombie, which counts as dead. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('summary reporter', () => {
  before(() => {
    fixtureDir = mkdtempSync(path.join(os.tmpdir(), 'quire-reporter-'));
  });
  after(() => rmSync(fixtureDir, { recursive: true, force: true }));

  it('formats the closing line, mentioning skipped tests only when there are some', () => {
    expect(summaryLine(3, 0, 0)).to.equal('mocha: 3 passed, 0 failed');
    expect(summaryLine(3, 1, 2)).to.equal('mocha: 3 passed, 1 failed, 2 skipped');
  });

  it('ends a passing run with the summary line alone', () => {
    const run = runMocha("describe('s', () => { it('a', () => {}); it('b', () => {}); });");
    expect(run.status).to.equal(0);
    expect(run.lines.at(-1)).to.equal('mocha: 2 passed, 0 failed');
    expect(run.lines.filter((line) => line.includes('passed,'))).to.have.length(1);
  });

  it('counts failures and pending tests', () => {
    const run = runMocha(
      "describe('s', () => { it('a', () => {}); it('b', () => { throw new Error('boom'); }); it('pending'); });",
    );
    expect(run.status).to.equal(1);
    expect(run.lines.at(-1)).to.equal('mocha: 1 passed, 1 failed, 1 skipped');
  });
});

describe('mocha hooks', () => {
  before(() => {
    fixtureDir = mkdtempSync(path.join(os.tmpdir(), 'quire-hooks-'));
  });
  after(() => rmSync(fixtureDir, { recursive: true, force: true }));

  const leakyFixture = `
    const { startProcess } = require(${JSON.stringify(TESTKIT)});
    describe('leaky', () => {
      it('starts a process and forgets it', () => {
        const proc = startProcess({ name: 'forgotten', command: 'sleep', args: ['300'] });
        console.log('PID=' + proc.pid);
      });
    });`;

  function pidOf(lines: string[]): number {
    const line = lines.find((candidate) => candidate.includes('PID='));
    return Number(line?.split('PID=')[1]);
  }

  it('stops processes a test forgot, in the global teardown', () => {
    const run = runMocha(leakyFixture, ['--require', HOOKS]);
    expect(run.status).to.equal(0);
    expect(run.lines.at(-1)).to.equal('mocha: 1 passed, 0 failed');
    expect(isAlive(pidOf(run.lines))).to.equal(false);
  });

  it('kills them on exit even without the teardown hook', () => {
    const run = runMocha(leakyFixture, ['--exit']);
    expect(run.status).to.equal(0);
    expect(isAlive(pidOf(run.lines))).to.equal(false);
  });
});
