/**
 * Bounded memory for large LPD data files: 256 MiB sent control-first (streamed into the core) and data-first
 * (spooled ahead to a temporary file, then streamed) must not raise this process's RSS by more than 100 MB, and
 * must arrive with the right sha256. The core double keeps only the hash.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { expect } from 'chai';
import { type LpdHarness, startLpdHarness } from './lpd-harness';
import {
  controlFile,
  controlFileHeader,
  dataFileHeader,
  patternBytes,
  TestConnection,
} from './lpd-test-client';

const MIB = 1024 * 1024;
const SIZE_MIB = 256;
const RSS_BUDGET_BYTES = 100 * 1000 * 1000;

/** Samples RSS until stopped and reports the peak. */
function watchRss(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

/** Stream SIZE_MIB of a repeated 1 MiB block, honouring back-pressure; returns the sha256 sent. */
async function streamData(connection: TestConnection): Promise<string> {
  const block = patternBytes(MIB, 5);
  const hash = createHash('sha256');
  for (let index = 0; index < SIZE_MIB; index++) {
    hash.update(block);
    if (!connection.socket.write(block)) await once(connection.socket, 'drain');
  }
  return hash.digest('hex');
}

describe('LPD large data files', function () {
  this.timeout(120_000);
  let harness: LpdHarness;

  beforeEach(async () => {
    harness = await startLpdHarness({ maxDataFileBytes: 1024 * MIB });
    harness.intake.keepBytes = false;
  });

  afterEach(async () => {
    await harness.stop();
  });

  for (const order of ['control-first', 'data-first'] as const) {
    it(`receives ${SIZE_MIB} MiB ${order} within the memory budget`, async () => {
      const control = controlFile({ user: 'alice', jobName: 'big', prints: [{ dataFile: 'dfA001big' }] });
      const connection = await TestConnection.connect(harness.port);
      expect(await connection.request('\x02Default\n')).to.equal(0);
      const sendControl = async (): Promise<void> => {
        expect(await connection.request(controlFileHeader(control, 'cfA001big'))).to.equal(0);
        expect(await connection.request(`${control}\x00`)).to.equal(0);
      };
      const baseline = process.memoryUsage().rss;
      const rss = watchRss();
      if (order === 'control-first') await sendControl();
      expect(await connection.request(dataFileHeader(SIZE_MIB * MIB, 'dfA001big'))).to.equal(0);
      const sha256 = await streamData(connection);
      expect(await connection.request(Buffer.from([0]))).to.equal(0);
      if (order === 'data-first') await sendControl();
      connection.end();
      await connection.closed;
      const peak = rss.stop();

      expect(harness.intake.records).to.have.length(1);
      expect(harness.intake.records[0].sizeBytes).to.equal(SIZE_MIB * MIB);
      expect(harness.intake.records[0].sha256).to.equal(sha256);
      expect(peak - baseline, `RSS grew by ${Math.round((peak - baseline) / MIB)} MiB`).to.be.below(
        RSS_BUDGET_BYTES,
      );
      expect(await harness.leftoverFiles()).to.deep.equal([]);
    });
  }
});
