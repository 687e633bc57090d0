/** Unit tests of the vendor counter decoders: HP's two scalars and Kyocera's function-by-colour table. */
import { expect } from 'chai';
import { hpCounters, kyoceraCounters } from './vendor-counters';

describe('vendor page counters', () => {
  it('takes HP mono and colour from its scalars, colour null on a mono model', () => {
    expect(hpCounters(9874, 13246)).to.deep.equal({ mono: 9874, color: 13246 });
    expect(hpCounters(48213, undefined)).to.deep.equal({ mono: 48213, color: null });
    expect(hpCounters(undefined, undefined)).to.equal(null);
  });

  it('sums Kyocera black & white over functions as mono, and every other colour mode as colour', () => {
    const rows = new Map<string, number>([
      ['1.1', 24130],
      ['1.3', 14081],
      ['2.1', 15012],
      ['2.2', 100],
      ['2.3', 7892],
      ['4.1', 427],
    ]);
    expect(kyoceraCounters(rows)).to.deep.equal({ mono: 39569, color: 22073 });
    expect(kyoceraCounters(new Map())).to.equal(null);
    expect(kyoceraCounters(undefined)).to.equal(null);
  });
});
