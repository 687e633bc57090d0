/**
 * The prolog cache's store: where two jobs part, where a snapshot is taken, that a key matches only the exact
 * bytes in the same context, and that it keeps a bounded number of snapshots, least recently used out first.
 */
import { expect } from 'chai';
import {
  checkpointWithin,
  commonPrefixLength,
  MAX_PROLOG_BYTES,
  MIN_PROLOG_BYTES,
  PrologCache,
} from './postscript-prolog-cache';

/** A program of `lines` lines of definitions with a DSC comment line every tenth line, then `tail`. */
function program(lines: number, tail = '', head = ''): Buffer {
  const text: string[] = [head];
  for (let i = 0; i < lines; i += 1)
    text.push(i % 10 === 9 ? `%%BeginResource: r${i}` : `/p${i} { ${i} pop } def`);
  return Buffer.from(`${text.join('\n')}\n${tail}`, 'latin1');
}

describe('PostScript prolog cache', () => {
  it('finds where two byte strings part, across and inside compare blocks', () => {
    const a = Buffer.alloc(10_000, 0x41);
    for (const at of [0, 1, 4095, 4096, 4097, 9999]) {
      const b = Buffer.from(a);
      b[at] = 0x42;
      expect(commonPrefixLength(a, b)).to.equal(at);
    }
    expect(commonPrefixLength(a, a.subarray(0, 5000))).to.equal(5000);
    expect(commonPrefixLength(a, Buffer.alloc(0))).to.equal(0);
  });

  it('takes the checkpoint at the last comment line whose %% lies inside the shared part', () => {
    const bytes = program(2000);
    const shared = bytes.length - 100;
    const checkpoint = checkpointWithin(bytes, shared);
    expect(checkpoint).to.be.at.least(MIN_PROLOG_BYTES);
    expect(bytes.toString('latin1', checkpoint - 1, checkpoint + 2)).to.equal('\n%%');
    expect(checkpoint + 2).to.be.at.most(shared);
    expect(bytes.indexOf('\n%%', checkpoint, 'latin1')).to.be.above(shared - 3);
    // The %% must be shared: cut between the two per cent signs, the checkpoint is the line before.
    expect(checkpointWithin(bytes, checkpoint + 1)).to.be.below(checkpoint);
    expect(checkpointWithin(bytes, MIN_PROLOG_BYTES - 1)).to.equal(-1);
    expect(checkpointWithin(Buffer.alloc(MIN_PROLOG_BYTES * 2, 0x20), MIN_PROLOG_BYTES * 2)).to.equal(-1);
  });

  it('plans a snapshot only for a second job sharing a long head with a recent one in its context', () => {
    const cache = new PrologCache<string>();
    const first = program(2000, 'first job');
    const second = program(2000, 'second job');
    expect(cache.plan('plain:1', first)).to.equal(-1);
    expect(cache.plan('ps2write:1', second)).to.equal(-1);
    const checkpoint = cache.plan('plain:1', second);
    expect(checkpoint).to.equal(checkpointWithin(second, commonPrefixLength(first, second)));
    expect(checkpoint).to.be.above(MIN_PROLOG_BYTES);
    expect(cache.plan('plain:1', program(100, 'short'))).to.equal(-1);
  });

  it('restores only for the exact key bytes in the same context', () => {
    const cache = new PrologCache<string>();
    const bytes = program(2000, 'tail');
    const checkpoint = checkpointWithin(bytes, bytes.length - 10);
    cache.store('plain:1', bytes, checkpoint, 'snapshot');
    expect(cache.lookup('plain:1', bytes)?.snapshot).to.equal('snapshot');
    expect(
      cache.lookup('plain:1', Buffer.concat([bytes.subarray(0, checkpoint + 2), Buffer.from(' x')])),
    ).to.have.property('checkpoint', checkpoint);
    expect(cache.lookup('ps2write:1', bytes)).to.equal(null);
    expect(cache.lookup('plain:2', bytes)).to.equal(null);
    for (const at of [0, 1, checkpoint >> 1, checkpoint - 1, checkpoint, checkpoint + 1]) {
      const changed = Buffer.from(bytes);
      changed[at] ^= 0x01;
      expect(cache.lookup('plain:1', changed), `byte ${at} changed`).to.equal(null);
    }
    expect(cache.lookup('plain:1', bytes.subarray(0, checkpoint + 1))).to.equal(null);
  });

  it('keeps a few snapshots, dropping the least recently used, and bounds what it keeps of a head', () => {
    const cache = new PrologCache<number>();
    const jobs = [0, 1, 2, 3, 4].map((n) => program(2000, 'tail', `/job${n}`));
    const checkpoints = jobs.map((bytes) => checkpointWithin(bytes, bytes.length - 20));
    for (let n = 0; n < 4; n += 1) cache.store('plain:1', jobs[n], checkpoints[n], n);
    expect(cache.lookup('plain:1', jobs[0])?.snapshot).to.equal(0);
    cache.store('plain:1', jobs[4], checkpoints[4], 4);
    expect(cache.lookup('plain:1', jobs[1])).to.equal(null);
    for (const n of [0, 2, 3, 4]) expect(cache.lookup('plain:1', jobs[n])?.snapshot).to.equal(n);
    const huge = Buffer.concat([program(60_000), Buffer.from('end')]);
    expect(huge.length).to.be.above(MAX_PROLOG_BYTES);
    cache.plan('plain:1', huge);
    expect(cache.plan('plain:1', huge)).to.be.at.most(MAX_PROLOG_BYTES);
  });
});
