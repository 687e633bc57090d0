/**
 * Unit tests of the PIN / ID-code generator: the length floor, trivial codes, uniqueness over a large batch,
 * the "space too full" refusal, and reproducible output with a seeded random source.
 */
import { expect } from 'chai';
import { ErrorCode, isQuireError } from '@quire/common';
import {
  codeSpaceSize,
  generateCodes,
  generateUniqueCode,
  isTrivialCode,
  minimumCodeLength,
  type RandomInt,
} from './code-generator';

/** mulberry32: a tiny seeded PRNG, so a test can replay the same draws. */
function seededRandom(seed: number): RandomInt {
  let state = seed >>> 0;
  return (maxExclusive) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return Math.floor(unit * maxExclusive);
  };
}

/** A random source that replays fixed digits, then fails the test if asked for more. */
function scriptedDigits(digits: string): RandomInt {
  let index = 0;
  return () => {
    if (index >= digits.length) throw new Error('scripted digits exhausted');
    return Number(digits[index++]);
  };
}

async function expectQuireError(promise: Promise<unknown>, code: ErrorCode): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect(isQuireError(err, code), String(err)).to.equal(true);
    return err as Error;
  }
  throw new Error(`expected a ${code} error`);
}

describe('minimumCodeLength', () => {
  it('follows the user-count floors: 4 below 1,000, 5 below 10,000, 6 below 100,000, then one per decade', () => {
    expect(minimumCodeLength(0, 4)).to.equal(4);
    expect(minimumCodeLength(999, 4)).to.equal(4);
    expect(minimumCodeLength(1_000, 4)).to.equal(5);
    expect(minimumCodeLength(9_999, 4)).to.equal(5);
    expect(minimumCodeLength(10_000, 4)).to.equal(6);
    expect(minimumCodeLength(99_999, 4)).to.equal(6);
    expect(minimumCodeLength(100_000, 4)).to.equal(7);
    expect(minimumCodeLength(2_500_000, 4)).to.equal(8);
  });

  it('never goes below the configured minimum and clamps to 4..16', () => {
    expect(minimumCodeLength(10, 8)).to.equal(8);
    expect(minimumCodeLength(50_000, 5)).to.equal(6);
    expect(minimumCodeLength(10, 2)).to.equal(4);
    expect(minimumCodeLength(10, 40)).to.equal(16);
    expect(minimumCodeLength(Number.MAX_SAFE_INTEGER, 4)).to.equal(16);
  });

  it('refuses a negative or fractional user count', () => {
    expect(() => minimumCodeLength(-1, 4)).to.throw(/userCount/);
    expect(() => minimumCodeLength(1.5, 4)).to.throw(/userCount/);
    expect(() => minimumCodeLength(10, Number.NaN)).to.throw(/minimum code length/);
  });
});

describe('isTrivialCode', () => {
  it('refuses one repeated digit', () => {
    for (const code of ['0000', '1111', '22222', '9999999999999999'])
      expect(isTrivialCode(code), code).to.equal(true);
  });

  it('refuses whole-code rising and falling runs, with 9 and 0 adjacent', () => {
    for (const code of ['1234', '4321', '0123', '56789', '7890', '0987', '9012', '1234567890123']) {
      expect(isTrivialCode(code), code).to.equal(true);
    }
  });

  it('accepts ordinary codes, including ones with a short run inside', () => {
    for (const code of ['1235', '51234', '1212', '1357', '0001', '4820', '98766']) {
      expect(isTrivialCode(code), code).to.equal(false);
    }
  });

  it('treats anything that is not a string of digits as trivial', () => {
    for (const code of ['', '7', '12a4', ' 1234', '١٢٣٤']) expect(isTrivialCode(code), code).to.equal(true);
  });
});

describe('generateUniqueCode', () => {
  it('skips trivial and taken codes and returns the first free one', async () => {
    const taken = new Set(['4820']);
    const code = await generateUniqueCode(
      4,
      (c) => taken.has(c),
      scriptedDigits('1111' + '1234' + '4820' + '5071'),
    );
    expect(code).to.equal('5071');
  });

  it('awaits an asynchronous isTaken', async () => {
    const asked: string[] = [];
    const code = await generateUniqueCode(
      5,
      async (c) => {
        asked.push(c);
        return asked.length === 1;
      },
      scriptedDigits('3141559265'),
    );
    expect(asked).to.deep.equal(['31415', '59265']);
    expect(code).to.equal('59265');
  });

  it('gives up with CONFLICT, telling the admin to raise the length, when every draw is taken', async () => {
    let asked = 0;
    const err = await expectQuireError(
      generateUniqueCode(4, () => {
        asked++;
        return true;
      }),
      ErrorCode.Conflict,
    );
    expect(err.message).to.match(/4-digit code space is too full/);
    expect(err.message).to.match(/Raise the code length/);
    expect(asked).to.be.within(1, 64);
  });

  it('refuses a length outside 4..16 with VALIDATION_FAILED', async () => {
    await expectQuireError(
      generateUniqueCode(3, () => false),
      ErrorCode.ValidationFailed,
    );
    await expectQuireError(
      generateUniqueCode(17, () => false),
      ErrorCode.ValidationFailed,
    );
    await expectQuireError(
      generateUniqueCode(4.5, () => false),
      ErrorCode.ValidationFailed,
    );
  });

  it('reports a random source that returns something other than a digit', async () => {
    await expectQuireError(
      generateUniqueCode(
        4,
        () => false,
        () => 10,
      ),
      ErrorCode.Internal,
    );
  });

  it('makes codes of every length up to 16', async () => {
    for (let length = 4; length <= 16; length++) {
      const code = await generateUniqueCode(length, () => false);
      expect(code).to.match(new RegExp(`^[0-9]{${length}}$`));
      expect(isTrivialCode(code)).to.equal(false);
    }
  });
});

describe('generateCodes', () => {
  it('makes 10,000 distinct, non-trivial 6-digit codes that avoid the ones already taken', async () => {
    const existing = new Set(await generateCodes(2_000, 6, () => false));
    const codes = await generateCodes(10_000, 6, (c) => existing.has(c), { usedCount: existing.size });
    expect(codes).to.have.length(10_000);
    expect(new Set(codes).size).to.equal(10_000);
    for (const code of codes) {
      expect(code).to.match(/^[0-9]{6}$/);
      expect(isTrivialCode(code), code).to.equal(false);
      expect(existing.has(code), code).to.equal(false);
    }
  });

  it('fills a small space up to half without duplicates within the batch', async () => {
    const half = Math.floor(codeSpaceSize(4) / 2);
    const codes = await generateCodes(half, 4, () => false);
    expect(new Set(codes).size).to.equal(half);
  });

  it('refuses up front a batch that would fill more than half the space', async () => {
    let asked = 0;
    const isTaken = () => {
      asked++;
      return false;
    };
    const err = await expectQuireError(
      generateCodes(4_000, 4, isTaken, { usedCount: 1_000 }),
      ErrorCode.Conflict,
    );
    expect(err.message).to.match(/more than half of its 9970 codes/);
    expect(asked).to.equal(0);
    await expectQuireError(generateCodes(5_000, 4, isTaken), ErrorCode.Conflict);
  });

  it('fails with CONFLICT when the space turns out to be nearly full', async () => {
    const free = new Set(['5071', '6283']);
    const err = await expectQuireError(
      generateCodes(3, 4, (c) => !free.has(c)),
      ErrorCode.Conflict,
    );
    expect(err.message).to.match(/Raise the code length/);
  });

  it('is reproducible with a seeded random source', async () => {
    const first = await generateCodes(200, 8, () => false, { random: seededRandom(42) });
    const second = await generateCodes(200, 8, () => false, { random: seededRandom(42) });
    const other = await generateCodes(200, 8, () => false, { random: seededRandom(43) });
    expect(second).to.deep.equal(first);
    expect(other).to.not.deep.equal(first);
  });

  it('returns nothing for a count of 0 and refuses a negative count', async () => {
    expect(await generateCodes(0, 4, () => true)).to.deep.equal([]);
    await expectQuireError(
      generateCodes(-1, 4, () => false),
      ErrorCode.ValidationFailed,
    );
  });
});
