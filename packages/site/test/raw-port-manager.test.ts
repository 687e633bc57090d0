/**
 * Raw socket intake against real loopback ports: a PJL-wrapped job lands in the mapped queue with its exact
 * bytes and the client address, the idle timeout ends a job, `apply` opens, retargets and closes ports, and a
 * port that cannot be bound is reported instead of stopping anything. The job core is the in-memory double.
 */
import net from 'node:net';
import { expect } from 'chai';
import { freePort } from '@quire/testkit';
import { Registry } from 'prom-client';
import { RawPortManager } from '../src/intake/raw';
import { InMemoryJobIntake, sha256Of } from './lpd-intake-double';
import { capturingLogger, eventually, logsMatching } from './lpd-harness';
import { patternBytes, TestConnection } from './lpd-test-client';

const PJL_JOB = Buffer.concat([
  Buffer.from(
    '\x1b%-12345X@PJL JOB NAME="scan"\r\n@PJL SET USERNAME="bob"\r\n@PJL ENTER LANGUAGE=PDF\r\n',
    'latin1',
  ),
  Buffer.from('%PDF-1.4\n'),
  patternBytes(250_000, 3),
  Buffer.from('\n%%EOF\n\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X', 'latin1'),
]);

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function sendJob(port: number, bytes: Buffer): Promise<void> {
  const connection = await TestConnection.connect(port);
  connection.send(bytes);
  connection.end();
  await connection.closed;
}

describe('raw socket intake', function () {
  let intake: InMemoryJobIntake;
  let logLines: string[];
  let manager: RawPortManager;
  let registry: Registry;

  beforeEach(() => {
    intake = new InMemoryJobIntake();
    logLines = [];
    registry = new Registry();
    manager = new RawPortManager({
      intake,
      logger: capturingLogger(logLines),
      host: '127.0.0.1',
      idleTimeoutSeconds: 1,
      metrics: registry,
    });
  });

  afterEach(async () => {
    await manager.stop();
  });

  it('turns a PJL-wrapped connection into one job in the mapped queue with the exact bytes', async () => {
    const port = await freePort();
    await manager.apply([{ port, queueName: 'Web' }]);
    await sendJob(port, PJL_JOB);
    await eventually(() => intake.records.length === 1, 'the job');
    const [record] = intake.records;
    expect(record.job).to.deep.include({
      queueName: 'Web',
      protocol: 'raw',
      clientAddress: '127.0.0.1',
      senderUser: null,
      jobName: null,
      copies: 1,
      documentFormat: null,
    });
    expect(record.sha256).to.equal(sha256Of(PJL_JOB));
    expect(record.view.owner).to.equal('bob');
    expect(await registry.metrics()).to.match(/quire_raw_jobs_total\{result="accepted"\} 1/);
  });

  it('ends a job after the idle timeout, submits what arrived, and closes the connection', async () => {
    const port = await freePort();
    await manager.apply([{ port, queueName: 'Default' }]);
    const connection = await TestConnection.connect(port);
    const part = PJL_JOB.subarray(0, 1000);
    connection.send(part);
    const started = Date.now();
    await connection.closed;
    expect(Date.now() - started).to.be.within(800, 4000);
    expect(intake.records).to.have.length(1);
    expect(intake.records[0].bytes.equals(part)).to.equal(true);
    expect(logsMatching(logLines, 'raw job accepted')[0].endedBy).to.equal('idle-timeout');
  });

  it('submits nothing for a connection that sends nothing', async () => {
    const port = await freePort();
    await manager.apply([{ port, queueName: 'Default' }]);
    const connection = await TestConnection.connect(port);
    connection.end();
    await connection.closed;
    expect(intake.records).to.have.length(0);
    expect(intake.failedSubmits).to.have.length(0);
  });

  it('closes the connection of an offline or unknown queue without submitting, and logs why', async () => {
    const [offline, unknown] = [await freePort(), await freePort()];
    await manager.apply([
      { port: offline, queueName: 'Offline' },
      { port: unknown, queueName: 'Gone' },
    ]);
    for (const port of [offline, unknown]) {
      const connection = await TestConnection.connect(port);
      await connection.closed;
    }
    expect(intake.records).to.have.length(0);
    const codes = logsMatching(logLines, 'raw job refused').map((entry) => entry.code);
    expect(codes).to.have.members(['QUEUE_OFFLINE', 'QUEUE_NOT_FOUND']);
  });

  it('opens, retargets and closes ports so exactly the mapped ones listen', async () => {
    const [first, second] = [await freePort(), await freePort()];
    await manager.apply([
      { port: first, queueName: 'Default' },
      { port: second, queueName: 'Web' },
    ]);
    expect(manager.status()).to.deep.equal([
      { port: first, queueName: 'Default', listening: true, error: null },
      { port: second, queueName: 'Web', listening: true, error: null },
    ]);
    await sendJob(first, Buffer.from('one'));
    await manager.apply([{ port: second, queueName: 'Default' }]);
    expect(await connectionRefused(first)).to.equal(true);
    await sendJob(second, Buffer.from('two'));
    await eventually(() => intake.records.length === 2, 'both jobs');
    expect(intake.records.map((record) => record.job.queueName)).to.deep.equal(['Default', 'Default']);
    await manager.apply([]);
    expect(await connectionRefused(second)).to.equal(true);
    expect(manager.status()).to.deep.equal([]);
  });

  it('reports a port in use and invalid mappings without failing, and retries the port later', async () => {
    const [busy, good] = [await freePort(), await freePort()];
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(busy, '127.0.0.1', resolve));
    try {
      await manager.apply([
        { port: busy, queueName: 'Default' },
        { port: good, queueName: 'Default' },
        { port: good, queueName: 'Web' },
        { port: 0, queueName: 'Default' },
      ]);
      const status = manager.status();
      expect(status.find((entry) => entry.port === busy)).to.include({ listening: false });
      expect(status.find((entry) => entry.port === busy)?.error).to.match(/EADDRINUSE/);
      expect(status.filter((entry) => entry.port === good).map((entry) => entry.listening)).to.deep.equal([
        true,
        false,
      ]);
      expect(status.find((entry) => entry.port === 0)?.error).to.equal('invalid port 0');
      await sendJob(good, Buffer.from('still printing'));
      await eventually(() => intake.records.length === 1, 'the job on the good port');
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
    await manager.apply([{ port: busy, queueName: 'Default' }]);
    expect(manager.status()).to.deep.equal([
      { port: busy, queueName: 'Default', listening: true, error: null },
    ]);
  });

  it('closes the connection when the core refuses the job while it streams', async () => {
    intake.maxSizeBytes = 10_000;
    const port = await freePort();
    await manager.apply([{ port, queueName: 'Default' }]);
    const connection = await TestConnection.connect(port);
    connection.send(patternBytes(200_000, 2));
    await connection.closed;
    expect(intake.records).to.have.length(0);
    expect(logsMatching(logLines, 'raw job not accepted')[0].code).to.equal('JOB_TOO_LARGE');
    expect(await registry.metrics()).to.match(/quire_raw_jobs_total\{result="failed"\} 1/);
  });

  it('discards a job still arriving when the manager stops', async () => {
    const port = await freePort();
    await manager.apply([{ port, queueName: 'Default' }]);
    const connection = await TestConnection.connect(port);
    connection.send(patternBytes(5000, 1));
    await eventually(() => intake.inFlight === 1, 'the submit to start');
    await manager.stop();
    await connection.closed;
    expect(intake.records).to.have.length(0);
    expect(intake.failedSubmits).to.have.length(1);
  });
});
