/**
 * LPD receive-job (RFC 1179 0x02) against a real listener on 127.0.0.1, driven by a hand-written client:
 * both file orders, several data files, "until EOF" data, streaming into the core, abort, queue refusals,
 * idle timeouts and shutdown. The job core is the in-memory double; the CUPS client is in lpd-cups-backend.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { sha256Of } from './lpd-intake-double';
import { eventually, type LpdHarness, logsMatching, startLpdHarness } from './lpd-harness';
import {
  controlFile,
  controlFileHeader,
  dataFileHeader,
  patternBytes,
  TestConnection,
} from './lpd-test-client';

const CONTROL = controlFile({
  host: 'ws17',
  user: 'alice',
  jobName: 'report',
  prints: [{ dataFile: 'dfA001ws17', sourceName: 'report.pdf' }],
});

async function sendControl(connection: TestConnection, control: string, name = 'cfA001ws17'): Promise<void> {
  expect(await connection.request(controlFileHeader(control, name))).to.equal(0);
  expect(
    await connection.request(Buffer.concat([Buffer.from(control, 'latin1'), Buffer.from([0])])),
  ).to.equal(0);
}

async function sendData(connection: TestConnection, data: Buffer, name = 'dfA001ws17'): Promise<void> {
  expect(await connection.request(dataFileHeader(data.length, name))).to.equal(0);
  expect(await connection.request(Buffer.concat([data, Buffer.from([0])]))).to.equal(0);
}

async function openJob(harness: LpdHarness, queue = 'Default'): Promise<TestConnection> {
  const connection = await TestConnection.connect(harness.port);
  expect(await connection.request(`\x02${queue}\n`)).to.equal(0);
  return connection;
}

describe('LPD receive job', function () {
  let harness: LpdHarness;

  beforeEach(async () => {
    harness = await startLpdHarness();
  });

  afterEach(async () => {
    await harness.stop();
  });

  it('takes control file then data file as one job with sender, host, name and exact bytes', async () => {
    const data = patternBytes(200_000, 7);
    const connection = await openJob(harness);
    await sendControl(connection, CONTROL);
    await sendData(connection, data);
    connection.end();
    await connection.closed;

    expect(harness.intake.records).to.have.length(1);
    const [record] = harness.intake.records;
    expect(record.job).to.deep.include({
      queueName: 'Default',
      protocol: 'lpd',
      clientAddress: '127.0.0.1',
      senderUser: 'alice',
      senderHost: 'ws17',
      jobName: 'report',
      copies: 1,
      documentFormat: null,
    });
    expect(record.job.attributes).to.deep.include({ lpdDataFile: 'dfA001ws17', lpdSourceName: 'report.pdf' });
    expect(record.sha256).to.equal(sha256Of(data));
    expect(record.bytes.equals(data)).to.equal(true);
  });

  it('spools a data file that comes first and submits it once the control file names it', async () => {
    const data = patternBytes(300_000, 8);
    const connection = await openJob(harness);
    await sendData(connection, data);
    expect(harness.intake.records).to.have.length(0);
    expect(await harness.leftoverFiles()).to.have.length(1);
    await sendControl(connection, CONTROL);
    expect(harness.intake.records).to.have.length(1);
    expect(harness.intake.records[0].sha256).to.equal(sha256Of(data));
    expect(harness.intake.records[0].job.senderUser).to.equal('alice');
    expect(await harness.leftoverFiles()).to.deep.equal([]);
    connection.end();
    await connection.closed;
  });

  it('makes one job per data file, copies from repeated print lines, and drops unnamed data files', async () => {
    const first = patternBytes(1000, 1);
    const second = patternBytes(2000, 2);
    const unnamed = patternBytes(500, 3);
    const control = controlFile({
      user: 'bob',
      jobName: 'two files',
      prints: [
        { dataFile: 'dfA002h', copies: 1, sourceName: 'a.ps', format: 'o' },
        { dataFile: 'dfB002h', copies: 3, sourceName: 'b.txt' },
      ],
    });
    const connection = await openJob(harness);
    await sendData(connection, unnamed, 'dfZ002h');
    await sendControl(connection, control, 'cfA002h');
    await sendData(connection, first, 'dfA002h');
    await sendData(connection, second, 'dfB002h');
    connection.end();
    await connection.closed;

    const jobs = harness.intake.records.map((record) => record.job);
    expect(jobs.map((job) => job.attributes?.lpdDataFile)).to.deep.equal(['dfA002h', 'dfB002h']);
    expect(jobs.map((job) => job.copies)).to.deep.equal([1, 3]);
    expect(jobs.map((job) => job.senderUser)).to.deep.equal(['bob', 'bob']);
    expect(jobs.map((job) => job.jobName)).to.deep.equal(['two files', 'two files']);
    expect(jobs[0].documentFormat).to.equal('application/postscript');
    expect(harness.intake.records[1].bytes.equals(second)).to.equal(true);
    await eventually(() => logsMatching(harness.logLines, 'no control file named them').length === 1, 'log');
    expect(await harness.leftoverFiles()).to.deep.equal([]);
  });

  it('reads a zero-length data file until EOF and still answers after the client shut down its side', async () => {
    const data = patternBytes(150_000, 9);
    const connection = await openJob(harness);
    await sendControl(connection, CONTROL);
    expect(await connection.request(dataFileHeader(0, 'dfA001ws17'))).to.equal(0);
    connection.send(data);
    connection.end();
    expect(await connection.readByte()).to.equal(0);
    await connection.closed;
    expect(harness.intake.records).to.have.length(1);
    expect(harness.intake.records[0].bytes.equals(data)).to.equal(true);
  });

  it('refuses "until EOF" data that comes before any control file', async () => {
    const connection = await openJob(harness);
    expect(await connection.request(dataFileHeader(0))).to.equal(1);
    await connection.closed;
    expect(harness.intake.records).to.have.length(0);
  });

  it('streams a data file into the core while it arrives instead of buffering it', async () => {
    const data = patternBytes(4 * 1024 * 1024, 10);
    const stream = await startLpdHarness({ maxDataFileBytes: 8 * 1024 * 1024 });
    try {
      let consumed = 0;
      stream.intake.onChunk = (_job, bytesSoFar) => {
        consumed = bytesSoFar;
      };
      const connection = await openJob(stream);
      await sendControl(connection, CONTROL);
      expect(await connection.request(dataFileHeader(data.length, 'dfA001ws17'))).to.equal(0);
      await connection.sendAndDrain(data.subarray(0, 1024 * 1024));
      await eventually(() => consumed >= 512 * 1024, 'the core to consume the first half megabyte');
      expect(stream.intake.records).to.have.length(0);
      connection.send(data.subarray(1024 * 1024));
      expect(await connection.request(Buffer.from([0]))).to.equal(0);
      connection.end();
      await connection.closed;
      expect(stream.intake.records[0].sha256).to.equal(sha256Of(data));
    } finally {
      await stream.stop();
    }
  });

  it('answers a clear negative ack for an unknown or an offline queue and logs why', async () => {
    for (const [queue, code] of [
      ['Nowhere', 'QUEUE_NOT_FOUND'],
      ['Offline', 'QUEUE_OFFLINE'],
    ]) {
      const connection = await TestConnection.connect(harness.port);
      expect(await connection.request(`\x02${queue}\n`)).to.equal(1);
      await connection.closed;
      const refusals = logsMatching(harness.logLines, 'LPD receive-job refused');
      expect(refusals.some((entry) => entry.queue === queue && entry.code === code)).to.equal(true);
    }
    expect(harness.intake.records).to.have.length(0);
  });

  it('abort drops spooled data, cancels jobs it created, and the connection can start over', async () => {
    const connection = await openJob(harness);
    await sendControl(connection, CONTROL);
    await sendData(connection, patternBytes(100, 1));
    await sendData(connection, patternBytes(100, 2), 'dfX001ws17');
    expect(await harness.leftoverFiles()).to.have.length(1);
    expect(await connection.request('\x01\n')).to.equal(0);
    expect(harness.intake.job(harness.intake.records[0].view.number).state).to.equal('deleted');
    expect(await harness.leftoverFiles()).to.deep.equal([]);

    const again = patternBytes(100, 3);
    await sendControl(connection, CONTROL, 'cfA003ws17');
    await sendData(connection, again);
    connection.end();
    await connection.closed;
    expect(harness.intake.records).to.have.length(2);
    expect(harness.intake.job(harness.intake.records[1].view.number).state).to.equal('ready');
    expect(harness.intake.records[1].bytes.equals(again)).to.equal(true);
  });

  it('answers a negative ack when the core refuses a data file while it streams', async () => {
    harness.intake.maxSizeBytes = 100_000;
    const connection = await openJob(harness);
    await sendControl(connection, CONTROL);
    expect(await connection.request(dataFileHeader(900_000, 'dfA001ws17'))).to.equal(0);
    connection.send(Buffer.concat([patternBytes(900_000, 4), Buffer.from([0])]));
    expect(await connection.readByte()).to.equal(1);
    await connection.closed;
    expect(harness.intake.records).to.have.length(0);
    expect(logsMatching(harness.logLines, 'LPD request refused')[0].code).to.equal('JOB_TOO_LARGE');
    harness.intake.maxSizeBytes = Number.POSITIVE_INFINITY;
    const next = await openJob(harness);
    await sendControl(next, CONTROL);
    await sendData(next, patternBytes(1000, 5));
    next.end();
    await next.closed;
    expect(harness.intake.records).to.have.length(1);
  });

  it('answers print-waiting-jobs with an ack and does nothing else', async () => {
    const connection = await TestConnection.connect(harness.port);
    expect(await connection.request('\x01Default\n')).to.equal(0);
    await connection.closed;
    expect(harness.intake.records).to.have.length(0);
  });

  it('counts commands and accepted jobs on the metrics registry', async () => {
    const registry = new Registry();
    const measured = await startLpdHarness({ metrics: registry });
    try {
      const connection = await openJob(measured);
      await sendControl(connection, CONTROL);
      await sendData(connection, patternBytes(10, 1));
      connection.end();
      await connection.closed;
      const text = await registry.metrics();
      expect(text).to.match(/quire_lpd_jobs_accepted_total 1/);
      expect(text).to.match(/quire_lpd_commands_total\{command="receive-job",outcome="ok"\} 1/);
    } finally {
      await measured.stop();
    }
  });
});

describe('LPD stalled and interrupted connections', function () {
  let harness: LpdHarness;

  beforeEach(async () => {
    harness = await startLpdHarness({ timeoutSeconds: 1 });
  });

  afterEach(async () => {
    await harness.stop();
  });

  it('closes a connection stalled in a data file and the core discards the partial job', async () => {
    const connection = await openJob(harness);
    await sendControl(connection, CONTROL);
    expect(await connection.request(dataFileHeader(10_000, 'dfA001ws17'))).to.equal(0);
    connection.send(patternBytes(4000, 1));
    const started = Date.now();
    await connection.closed;
    expect(Date.now() - started).to.be.within(800, 4000);
    expect(harness.intake.records).to.have.length(0);
    await eventually(() => harness.intake.failedSubmits.length === 1, 'the core to see the stream fail');
    expect(logsMatching(harness.logLines, 'the client sent nothing')).to.have.length(1);
  });

  it('removes the spool-ahead file of a data file whose sender stalls', async () => {
    const connection = await openJob(harness);
    expect(await connection.request(dataFileHeader(10_000, 'dfA001ws17'))).to.equal(0);
    connection.send(patternBytes(4000, 1));
    await connection.closed;
    await eventually(() => logsMatching(harness.logLines, 'the client sent nothing').length === 1, 'the log');
    expect(await harness.leftoverFiles()).to.deep.equal([]);
    expect(harness.intake.inFlight).to.equal(0);
  });

  it('closes a connection that never sends a command', async () => {
    const connection = await TestConnection.connect(harness.port);
    await connection.closed;
    expect(connection.isServerClosed).to.equal(true);
  });

  it('discards a data file cut short by the client closing the connection', async () => {
    const connection = await openJob(harness);
    await sendControl(connection, CONTROL);
    expect(await connection.request(dataFileHeader(10_000, 'dfA001ws17'))).to.equal(0);
    connection.send(patternBytes(5000, 1));
    connection.end();
    expect(await connection.readByte()).to.equal(1);
    await connection.closed;
    expect(harness.intake.records).to.have.length(0);
    await eventually(() => harness.intake.failedSubmits.length === 1, 'the core to see the stream fail');
  });

  it('stop() ends open connections, discards their jobs and removes spooled files', async () => {
    const connection = await openJob(harness);
    await sendData(connection, patternBytes(1000, 1), 'dfA009h');
    expect(await connection.request(dataFileHeader(10_000, 'dfB009h'))).to.equal(0);
    connection.send(patternBytes(10, 1));
    await harness.listener.stop();
    await connection.closed;
    expect(harness.intake.records).to.have.length(0);
    expect(await harness.leftoverFiles()).to.deep.equal([]);
  });

  it('start() removes spool-ahead files a crash left behind, and nothing else', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'quire-lpd-orphans-'));
    const dir = path.join(root, 'lpd-tmp');
    await mkdir(dir);
    await writeFile(path.join(dir, 'lpd-0195c2a4-dead.tmp'), 'left by a crash');
    await writeFile(path.join(dir, 'keep.txt'), 'not ours');
    const restarted = await startLpdHarness({ spoolAheadDir: dir });
    try {
      expect(await readdir(dir)).to.deep.equal(['keep.txt']);
      expect(logsMatching(restarted.logLines, 'crash left behind')[0].removed).to.equal(1);
    } finally {
      await restarted.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});
