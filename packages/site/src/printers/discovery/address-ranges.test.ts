/** Unit tests of discovery address ranges: each syntax, exclusions, overlaps, the cap and the errors. */
import { expect } from 'chai';
import { ErrorCode, isQuireError } from '@quire/common';
import { MAX_DISCOVERY_ADDRESSES, parseAddressRange, parseAddressSet } from './address-ranges';

function rangeError(fn: () => unknown): { message: string; details?: Record<string, unknown> } {
  try {
    fn();
  } catch (err) {
    expect(isQuireError(err, ErrorCode.DiscoveryRangeInvalid), String(err)).to.equal(true);
    return err as { message: string; details?: Record<string, unknown> };
  }
  throw new Error('expected DISCOVERY_RANGE_INVALID');
}

describe('discovery address ranges', () => {
  it('takes a single address', () => {
    expect([...parseAddressSet(['127.0.0.9'])]).to.deep.equal(['127.0.0.9']);
  });

  it('takes a span, in full and with the last-octet shorthand', () => {
    const full = [...parseAddressSet(['127.0.0.2-127.0.0.40'])];
    expect(full).to.have.length(39);
    expect(full[0]).to.equal('127.0.0.2');
    expect(full[38]).to.equal('127.0.0.40');
    expect([...parseAddressSet(['127.0.0.2-40'])]).to.deep.equal(full);
    expect([...parseAddressSet(['127.0.0.254 - 1.1'])]).to.deep.equal([
      '127.0.0.254',
      '127.0.0.255',
      '127.0.1.0',
      '127.0.1.1',
    ]);
  });

  it('takes CIDR without network and broadcast below /31, with both at /31 and /32', () => {
    const block = [...parseAddressSet(['127.0.1.0/28'])];
    expect(block).to.have.length(14);
    expect(block[0]).to.equal('127.0.1.1');
    expect(block[13]).to.equal('127.0.1.14');
    expect([...parseAddressSet(['127.0.1.6/31'])]).to.deep.equal(['127.0.1.6', '127.0.1.7']);
    expect([...parseAddressSet(['127.0.1.6/32'])]).to.deep.equal(['127.0.1.6']);
    expect([...parseAddressSet(['127.0.1.9/30'])]).to.deep.equal(['127.0.1.9', '127.0.1.10']);
  });

  it('merges overlapping ranges and removes exclusions in any syntax, an excluded block whole', () => {
    const set = parseAddressSet(
      ['127.0.0.2-20', '127.0.0.10-127.0.0.30'],
      ['127.0.0.5', '127.0.0.16/30', '127.0.0.25-29'],
    );
    const addresses = [...set];
    expect(set.size).to.equal(addresses.length);
    expect(addresses).to.have.length(29 - 1 - 4 - 5);
    for (const gone of ['127.0.0.5', '127.0.0.16', '127.0.0.19', '127.0.0.27'])
      expect(addresses).to.not.include(gone);
    expect(addresses).to.include.members(['127.0.0.15', '127.0.0.20', '127.0.0.30']);
    expect(set.has('127.0.0.30')).to.equal(true);
    expect(set.has('127.0.0.27')).to.equal(false);
    expect([...parseAddressSet(['127.0.0.2'], ['127.0.0.0/24'])]).to.deep.equal([]);
  });

  it('expands lazily, so the largest allowed range costs nothing until iterated', () => {
    const set = parseAddressSet(['10.1.0.0-10.1.255.255']);
    expect(set.size).to.equal(MAX_DISCOVERY_ADDRESSES);
    const iterator = set[Symbol.iterator]();
    expect(iterator.next().value).to.equal('10.1.0.0');
    expect(iterator.next().value).to.equal('10.1.0.1');
  });

  it('refuses more than the cap, saying how many addresses there are', () => {
    const err = rangeError(() => parseAddressSet(['10.0.0.0/15']));
    expect(err.message).to.contain('131070 addresses').and.contain(String(MAX_DISCOVERY_ADDRESSES));
    expect(parseAddressSet(['10.0.0.0/15'], ['10.1.0.0/16']).size).to.equal(65_535);
  });

  it('names the bad entry and what is accepted', () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.300', 'not an IPv4 address'],
      ['printer.example', 'not an IPv4 address'],
      ['fe80::1', 'IPv6 is not supported'],
      ['2001:db8::/64', 'IPv6 is not supported'],
      ['127.0.0.0/33', 'prefix length'],
      ['127.0.0.40-127.0.0.2', 'ends (127.0.0.2) before it starts'],
      ['127.0.0.1-2-3', 'more than one'],
      ['', 'empty'],
      ['0.0.0.0/0', 'multicast'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'multicast'],
    ];
    for (const [entry, problem] of cases) {
      const err = rangeError(() => parseAddressRange(entry));
      expect(err.message, entry).to.contain(`"${entry}"`).and.contain(problem).and.contain('CIDR');
      expect(err.details).to.deep.equal({ range: entry });
    }
    expect(rangeError(() => parseAddressSet(['127.0.0.2'], ['nonsense'])).message).to.contain('"nonsense"');
    expect(rangeError(() => parseAddressSet([])).message).to.contain('No address range');
  });
});
