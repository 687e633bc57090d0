/**
 * The values of PostScript words read from bytes: every word's number read from its bytes equals the number its
 * text denotes (decimal, real, exponent, radix, and the words that only look like numbers), and interned names
 * are the right strings, however often they repeat, and still right once the bounded table is full.
 */
import { randomInt } from 'node:crypto';
import { expect } from 'chai';
import { nameOf, NOT_A_NUMBER, parseNumber, parseNumberBytes } from './postscript-words';

function fromBytes(word: string): number | null {
  const bytes = Buffer.from(`(${word})`, 'latin1');
  const value = parseNumberBytes(bytes, 1, bytes.length - 1);
  return value === NOT_A_NUMBER ? null : value;
}

describe('PostScript words', () => {
  it('reads numbers from bytes exactly as from their text', () => {
    const words = [
      '0',
      '-0',
      '+7',
      '42',
      '007',
      '-12.5',
      '.5',
      '-.5',
      '5.',
      '0.1',
      '3.14159',
      '123456789012345',
      '1234567890123456789',
      '0.000000000000000000001',
      '1e3',
      '1E-2',
      '-2.5e+4',
      '.5e1',
      '16#FF',
      '8#777',
      '2#1010',
      '36#zz',
      '16#05b8',
      '16#FFFFFFFFFFFFFFFF',
      '16#ffZZ',
      '1#1',
      '37#1',
      '16#',
      '+16#FF',
      '123#1',
      '.',
      '+',
      '-',
      '1.2.3',
      '5e',
      'e5',
      '.notdef',
      '-.',
      '1-2',
      '16#F.F',
      'showpage',
      '',
    ];
    for (const word of words) expect(fromBytes(word), word).to.equal(parseNumber(word));
    expect(fromBytes('16#05b8')).to.equal(0x05b8);
    expect(fromBytes('-12.5')).to.equal(-12.5);
    expect(Object.is(fromBytes('-0'), -0)).to.equal(true);
    expect(fromBytes('.notdef')).to.equal(null);
  });

  it('agrees with the text form on random words made of number characters', () => {
    const alphabet = '0123456789+-.eE#abcfFzZ';
    for (let round = 0; round < 20_000; round += 1) {
      let word = '';
      for (let i = randomInt(1, 12); i > 0; i -= 1) word += alphabet[randomInt(alphabet.length)];
      expect(fromBytes(word), word).to.equal(parseNumber(word));
    }
  });

  it('reads names, repeated, accented, empty and too long to intern', () => {
    const bytes = Buffer.from(' setrgbcolor setrgbcolor Helvetica-Bold /\xe9t\xe9 ', 'latin1');
    const first = nameOf(bytes, 1, 12);
    const second = nameOf(bytes, 13, 24);
    expect(first).to.equal('setrgbcolor');
    expect(second).to.equal(first);
    expect(nameOf(bytes, 25, 39)).to.equal('Helvetica-Bold');
    expect(nameOf(bytes, 41, 44)).to.equal('\xe9t\xe9');
    expect(nameOf(bytes, 3, 3)).to.equal('');
    const long = Buffer.from('x'.repeat(300), 'latin1');
    expect(nameOf(long, 0, 300)).to.equal('x'.repeat(300));
  });

  it('keeps giving the right names once the table is full', () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `name${i}`);
    for (const name of names) {
      const bytes = Buffer.from(name, 'latin1');
      expect(nameOf(bytes, 0, bytes.length)).to.equal(name);
    }
    for (const name of [names[0], names[9999], names[19_999], 'setrgbcolor']) {
      const bytes = Buffer.from(`[${name}]`, 'latin1');
      expect(nameOf(bytes, 1, bytes.length - 1)).to.equal(name);
    }
  });
});
