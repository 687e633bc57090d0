/**
 * The spool's memory bound: streaming a 2 GiB job into the spool must not raise the process's RSS by more than
 * 100 MB. The job is generated (1 MiB chunks of one repeated buffer, so the source itself holds nothing), written
 * to a scratch directory on the real disk, and deleted afterwards.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { newId } from '@quire/common';
import { SpoolStore } from '../src/spool';

const MIB = 1024 * 1024;
const JOB_MIB = 2048;
const RSS_BUDGET_BYTES = 100 * 1000 * 1000;

/** `chunks` chunks of the same 1 MiB buffer, produced only as fast as they are consumed. */
function generatedJob(chunks: number, chunk: Buffer): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: MIB,
    read() {
      this.push(sent++ < chunks ? chunk : null);
    },
  });
}

describe('spool memory bound', function () {
  this.timeout(600_000);
  let base: string;

  before(() => {
    base = mkdtempSync(path.join(tmpdir(), 'quire-spool-memory-'));
  });

  after(() => rmSync(base, { recursive: true, force: true }));

  it('streams a 2 GiB job with less than 100 MB of RSS growth', async () => {
    const store = new SpoolStore(path.join(base, 'spool'));
    await store.prepare();
    const chunk = Buffer.alloc(MIB);
    for (let i = 0; i < chunk.length; i += 4096) chunk.writeUInt32BE(i, i);
    // Warm up the code paths (and their allocations) once, so the baseline is the steady state.
    const warm = await store.write(newId(), generatedJob(8, chunk), {
      receivedAt: new Date(),
      maxSizeMb: 4096,
    });
    await store.remove(warm.relativePath);

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    let spooled;
    try {
      spooled = await store.write(newId(), generatedJob(JOB_MIB, chunk), {
        receivedAt: new Date(),
        maxSizeMb: 4096,
      });
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, process.memoryUsage().rss);

    const expected = createHash('sha256');
    for (let i = 0; i < JOB_MIB; i++) expected.update(chunk);
    expect(spooled.sizeBytes).to.equal(JOB_MIB * MIB);
    expect(statSync(store.absolutePath(spooled.relativePath)).size).to.equal(JOB_MIB * MIB);
    expect(spooled.sha256).to.equal(expected.digest('hex'));
    const growthMb = (peak - baseline) / 1e6;
    expect(peak - baseline, `RSS grew by ${growthMb.toFixed(1)} MB`).to.be.lessThan(RSS_BUDGET_BYTES);
    await store.remove(spooled.relativePath);
  });
});
