/**
 * Fuzzing the IPP decoder: 10,000 seeded mutations (bit flips, truncations, tampered lengths, splices,
 * duplicated and deleted spans) of real ipptool requests and of a message using every tag. Each input must
 * decode or throw IppParseError, the streaming reader must agree with the buffer decoder, and the heap must
 * not grow with the number of inputs.
 */
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { decodeIppMessage, encodeIppMessage, IppParseError, readIppMessage } from '../src';
import {
  capturedGetPrinterAttributes,
  capturedPrintJob,
  everyTagMessage,
  mutate,
  seededRandom,
} from './ipp-fixtures';

const ITERATIONS = 10_000;
const SEED = 0x1bb5eed;

function corpus(): Buffer[] {
  return [capturedGetPrinterAttributes, capturedPrintJob, encodeIppMessage(everyTagMessage())];
}

type Outcome = 'decoded' | 'parse-error';

function decodeOutcome(input: Buffer): Outcome {
  try {
    decodeIppMessage(input);
    return 'decoded';
  } catch (err) {
    if (err instanceof IppParseError) return 'parse-error';
    throw new Error(`decoder threw ${String(err)} for input ${input.toString('hex')}`, { cause: err });
  }
}

async function streamOutcome(input: Buffer, chunkSize: number): Promise<Outcome> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunkSize) chunks.push(input.subarray(i, i + chunkSize));
  try {
    const { document } = await readIppMessage(Readable.from(chunks));
    document.resume();
    return 'decoded';
  } catch (err) {
    if (err instanceof IppParseError) return 'parse-error';
    throw new Error(`stream reader threw ${String(err)} for input ${input.toString('hex')}`, { cause: err });
  }
}

describe('IPP decoder fuzz', function () {
  this.timeout(120_000);

  it(`survives ${ITERATIONS} mutated requests with bounded heap`, () => {
    const random = seededRandom(SEED);
    const inputs = corpus();
    const counts = { decoded: 0, 'parse-error': 0 };
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < ITERATIONS; i++) {
      const base = inputs[i % inputs.length];
      const donor = inputs[(i + 1) % inputs.length];
      let input = mutate(base, donor, random);
      if (i % 3 === 0) input = mutate(input, donor, random);
      counts[decodeOutcome(input)]++;
    }
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(counts.decoded + counts['parse-error']).to.equal(ITERATIONS);
    // Both outcomes must be common, or the mutations are not exercising the decoder.
    expect(counts.decoded).to.be.greaterThan(ITERATIONS / 20);
    expect(counts['parse-error']).to.be.greaterThan(ITERATIONS / 4);
    expect(heapGrowth).to.be.lessThan(64 * 1024 * 1024);
  });

  it('gives the same verdict through the streaming reader, whatever the chunking', async () => {
    const random = seededRandom(SEED + 1);
    const inputs = corpus();
    for (let i = 0; i < 1000; i++) {
      const input = mutate(inputs[i % inputs.length], inputs[(i + 2) % inputs.length], random);
      const whole = decodeOutcome(input);
      const streamed = await streamOutcome(input, 1 + Math.floor(random() * 40));
      // The buffer decoder sees document bytes as part of its input only when end-of-attributes is missing,
      // so both must agree exactly.
      expect(streamed, input.toString('hex')).to.equal(whole);
    }
  });
});
