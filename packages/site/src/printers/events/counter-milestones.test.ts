/** Unit tests of counter milestone arithmetic. */
import { expect } from 'chai';
import { counterValue, crossedMilestones, MAX_MILESTONES_PER_READING } from './counter-milestones';

describe('counter milestones', () => {
  it('fires each multiple passed between two readings', () => {
    expect(crossedMilestones(990, 1010, 1000, null)).to.deep.equal([1000]);
    expect(crossedMilestones(999, 1000, 1000, null)).to.deep.equal([1000]);
    expect(crossedMilestones(1000, 1999, 1000, null)).to.deep.equal([]);
    expect(crossedMilestones(450, 1250, 250, null)).to.deep.equal([500, 750, 1000, 1250]);
  });

  it('fires nothing without a previous counter, when it went backwards, or without a current one', () => {
    expect(crossedMilestones(null, 5000, 1000, null)).to.deep.equal([]);
    expect(crossedMilestones(5000, 20, 10, null)).to.deep.equal([]);
    expect(crossedMilestones(10, null, 10, null)).to.deep.equal([]);
  });

  it('falls back to the last milestone fired when the previous reading is missing', () => {
    expect(crossedMilestones(null, 3100, 1000, 2000)).to.deep.equal([3000]);
    expect(crossedMilestones(2500, 3100, 1000, 2000)).to.deep.equal([3000]);
  });

  it('fires only the highest few of a huge jump', () => {
    const fired = crossedMilestones(0, 1_000_000, 1, null);
    expect(fired).to.have.length(MAX_MILESTONES_PER_READING);
    expect(fired[fired.length - 1]).to.equal(1_000_000);
  });

  it('reads the chosen counter, refusing missing or nonsense values', () => {
    expect(counterValue({ total: 5, mono: null, color: 2 }, 'color')).to.equal(2);
    expect(counterValue({ total: 5, mono: null, color: 2 }, 'mono')).to.equal(null);
    expect(counterValue({ total: -1, mono: null, color: null }, 'total')).to.equal(null);
    expect(counterValue(undefined, 'total')).to.equal(null);
  });
});
