/**
 * Analysis threads run at a lower CPU priority than the thread that accepts jobs (Linux: per-thread nice).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { ANALYSIS_NICE } from './worker-host';

/** Field 19 of /proc/…/stat is the nice value; the command name before it may hold spaces, so split after it. */
function niceOf(statFile: string): number {
  return Number(readFileSync(statFile, 'utf8').split(') ')[1].split(' ')[16]);
}

describe('analysis worker priority', () => {
  it('lowers the analysis thread to nice 10 and leaves the main thread alone', async () => {
    const mainNice = niceOf('/proc/thread-self/stat');
    const host = path.join(__dirname, 'worker-host.js');
    const worker = new Worker(
      `const { readFileSync } = require('node:fs');
       const { lowerThreadPriority } = require(${JSON.stringify(host)});
       const lowered = lowerThreadPriority();
       const nice = Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[16]);
       require('node:worker_threads').parentPort.postMessage({ lowered, nice });`,
      { eval: true },
    );
    const answer = await new Promise<{ lowered: boolean; nice: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(answer).to.deep.equal({ lowered: true, nice: ANALYSIS_NICE });
    expect(niceOf('/proc/thread-self/stat')).to.equal(mainNice);
  });
});
