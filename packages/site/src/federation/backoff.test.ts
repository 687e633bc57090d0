/**
 * Unit tests of the reconnect delay: it grows exponentially, stays within its jitter band and never leaves
 * [minMs, maxMs], whatever the attempt number.
 */
import { expect } from 'chai';
import { reconnectDelay } from './backoff';

describe('reconnectDelay', () => {
  it('starts between minMs and 2 * minMs and doubles the band per attempt', () => {
    expect(reconnectDelay(0, 100, 10000, () => 0)).to.equal(100);
    expect(reconnectDelay(0, 100, 10000, () => 0.999999)).to.equal(200);
    expect(reconnectDelay(1, 100, 10000, () => 0)).to.equal(200);
    expect(reconnectDelay(3, 100, 10000, () => 0.5)).to.equal(1200);
  });

  it('is capped at maxMs with jitter below the cap, even for huge attempt numbers', () => {
    expect(reconnectDelay(7, 100, 10000, () => 0.999999)).to.equal(10000);
    expect(reconnectDelay(5000, 100, 10000, () => 0.999999)).to.equal(10000);
    expect(reconnectDelay(5000, 100, 10000, () => 0)).to.equal(5000);
  });

  it('never goes below minMs, even when maxMs is close to it', () => {
    expect(reconnectDelay(4, 100, 150, () => 0)).to.equal(100);
    expect(reconnectDelay(0, 100, 50, () => 0.999999)).to.equal(100);
  });

  it('stays within its band with the real random source', () => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const ceiling = Math.min(30000, 2 * 250 * 2 ** attempt);
      const delay = reconnectDelay(attempt, 250, 30000);
      expect(delay).to.be.within(Math.max(250, ceiling / 2), ceiling);
    }
  });

  it('treats negative or non-finite attempts as the first retry', () => {
    expect(reconnectDelay(-3, 100, 1000, () => 0)).to.equal(100);
    expect(reconnectDelay(Number.NaN, 100, 1000, () => 0)).to.equal(100);
  });
});
