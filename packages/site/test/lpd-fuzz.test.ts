/**
 * Fuzzing the LPD listener: 10,000 mutated RFC 1179 byte streams (seeded, so a failure can be replayed) sent
 * over real loopback connections with bounded concurrency. Mutations: random command bytes, flipped, inserted
 * and deleted bytes, truncation, garbled counts, duplicated pieces; deliveries: random splits across writes,
 * then a clean half-close, an abrupt disconnect, or a stall that only the idle timeout ends.
 *
 * Every connection must be answered and closed by the server (a negative ack or just the close), unmutated
 * jobs must still arrive intact, and afterwards the listener must still serve, hold no job in flight, have left
 * no temporary file, and the heap must be back near where it started.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { expect } from 'chai';
import { seededRandom } from '@quire/testkit';
import { sha256Of } from './lpd-intake-double';
import { eventually, type LpdHarness, startLpdHarness } from './lpd-harness';
import { controlFile, controlFileHeader, dataFileHeader, TestConnection } from './lpd-test-client';

const CASES = 10_000;
const CONCURRENCY = 32;
const SEED = 0x5eed1179;
const CLOSE_DEADLINE_MS = 10_000;
const HEAP_BUDGET_BYTES = 64 * 1024 * 1024;

type Rng = () => number;

const integer = (rng: Rng, below: number): number => Math.floor(rng() * below);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[integer(rng, items.length)];
const randomBytes = (rng: Rng, size: number): Buffer =>
  Buffer.from(Array.from({ length: size }, () => integer(rng, 256)));

/** A well-formed stream, and the sha256 of the job it must produce when delivered unmutated and intact. */
interface Template {
  bytes: Buffer;
  expectedSha256: string | null;
}

function receiveJobTemplate(rng: Rng): Template {
  const data = randomBytes(rng, integer(rng, 2000) + 1);
  const control = Buffer.from(
    controlFile({
      host: 'fuzz',
      user: pick(rng, ['alice', 'bob', 'root']),
      jobName: 'fz',
      prints: [{ dataFile: 'dfA1f' }],
    }),
  );
  const controlPart = Buffer.concat([controlFileHeader(control, 'cfA1f'), control, Buffer.from([0])]);
  const style = integer(rng, 3);
  const dataPart =
    style === 2
      ? Buffer.concat([dataFileHeader(0, 'dfA1f'), data])
      : Buffer.concat([dataFileHeader(data.length, 'dfA1f'), data, Buffer.from([0])]);
  const parts = style === 1 ? [dataPart, controlPart] : [controlPart, dataPart];
  const queue = pick(rng, ['Default', 'Default', 'Default', 'Offline', 'Web']);
  return {
    bytes: Buffer.concat([Buffer.from(`\x02${queue}\n`), ...parts]),
    expectedSha256: queue === 'Offline' ? null : sha256Of(data),
  };
}

function otherCommandTemplate(rng: Rng): Template {
  const commands = [
    '\x01Default\n',
    '\x03Default\n',
    '\x04Default alice 3\n',
    '\x05Default alice 1 2\n',
    '\x05Default root bob\n',
    '\x02Default\n\x01\n',
  ];
  return { bytes: Buffer.from(pick(rng, commands), 'latin1'), expectedSha256: null };
}

function garbleCount(rng: Rng, text: string): string {
  const replacement = pick(rng, [
    '0',
    '999999999999999999',
    '-5',
    String(integer(rng, 100000)),
    '',
    '1e9',
    ' ',
  ]);
  return text.replace(/\d+/, replacement);
}

/** Apply one to three random mutations. */
function mutate(rng: Rng, original: Buffer): Buffer {
  let bytes = Buffer.from(original);
  const rounds = 1 + integer(rng, 3);
  for (let round = 0; round < rounds && bytes.length > 0; round++) {
    const at = integer(rng, bytes.length);
    switch (integer(rng, 7)) {
      case 0:
        bytes[at] = integer(rng, 256);
        break;
      case 1:
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          randomBytes(rng, 1 + integer(rng, 64)),
          bytes.subarray(at),
        ]);
        break;
      case 2:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + integer(rng, 64))]);
        break;
      case 3:
        bytes = bytes.subarray(0, at);
        break;
      case 4:
        bytes[0] = integer(rng, 256);
        break;
      case 5:
        bytes = Buffer.from(garbleCount(rng, bytes.toString('latin1')), 'latin1');
        break;
      default:
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          bytes.subarray(integer(rng, at + 1)),
          bytes.subarray(at),
        ]);
    }
  }
  return bytes;
}

interface FuzzCase {
  bytes: Buffer;
  expectedSha256: string | null;
  ending: 'end' | 'destroy' | 'stall';
}

function buildCase(index: number): FuzzCase {
  const rng = seededRandom(SEED + index);
  const template = rng() < 0.75 ? receiveJobTemplate(rng) : otherCommandTemplate(rng);
  const intact = rng() < 0.1;
  const roll = rng();
  const ending = roll < 0.75 ? 'end' : roll < 0.98 ? 'destroy' : 'stall';
  return {
    bytes: intact ? template.bytes : mutate(rng, template.bytes),
    expectedSha256: intact && ending === 'end' ? template.expectedSha256 : null,
    ending,
  };
}

/** How the server answered one case. */
type Outcome = 'negative-ack' | 'closed' | 'never-closed' | 'client-dropped';

async function deliver(port: number, fuzzCase: FuzzCase, rng: Rng): Promise<Outcome> {
  const connection = await TestConnection.connect(port);
  let offset = 0;
  while (offset < fuzzCase.bytes.length) {
    const size = 1 + integer(rng, Math.max(1, fuzzCase.bytes.length / 2));
    connection.send(fuzzCase.bytes.subarray(offset, offset + size));
    offset += size;
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (fuzzCase.ending === 'destroy') {
    connection.destroy();
    return 'client-dropped';
  }
  if (fuzzCase.ending === 'end') connection.end();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), CLOSE_DEADLINE_MS);
  });
  const closed = await Promise.race([connection.closed.then(() => true), deadline]);
  clearTimeout(timer);
  if (!closed) {
    connection.destroy();
    return 'never-closed';
  }
  return connection.receivedBytes.includes(1) ? 'negative-ack' : 'closed';
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('LPD fuzzing', function () {
  this.timeout(300_000);
  let harness: LpdHarness;

  before(async () => {
    harness = await startLpdHarness({ timeoutSeconds: 1 });
  });

  after(async () => {
    await harness.stop();
  });

  it(`survives ${CASES} mutated streams, closing every connection, with memory bounded`, async () => {
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const notClosed: number[] = [];
    const outcomes = new Map<Outcome, number>();
    const expected: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CASES) {
          const index = next++;
          const fuzzCase = buildCase(index);
          if (fuzzCase.expectedSha256 !== null) expected.push(fuzzCase.expectedSha256);
          const outcome = await deliver(harness.port, fuzzCase, seededRandom(~(SEED + index)));
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          if (outcome === 'never-closed') notClosed.push(index);
        }
      }),
    );

    expect(notClosed, `cases the server never closed (seed ${SEED})`).to.deep.equal([]);
    const summary = JSON.stringify(Object.fromEntries(outcomes));
    expect(outcomes.get('negative-ack') ?? 0, summary).to.be.greaterThan(CASES / 10);
    expect(harness.intake.records.length, summary).to.be.greaterThan(CASES / 20);
    expect(harness.intake.failedSubmits.length, summary).to.be.greaterThan(CASES / 100);
    await eventually(() => harness.intake.inFlight === 0, 'no submit left in flight');
    const received = new Set(harness.intake.records.map((record) => record.sha256));
    expect(expected.length).to.be.greaterThan(100);
    expect(expected.filter((sha256) => !received.has(sha256))).to.deep.equal([]);
    expect(await harness.leftoverFiles()).to.deep.equal([]);

    const served = await TestConnection.connect(harness.port);
    expect(await served.request('\x01Default\n')).to.equal(0);
    await served.closed;

    harness.intake.records.length = 0;
    harness.intake.failedSubmits.length = 0;
    harness.logLines.length = 0;
    collectGarbage();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    expect(growth, `heap grew by ${Math.round(growth / 1024 / 1024)} MiB`).to.be.below(HEAP_BUDGET_BYTES);
  });
});
