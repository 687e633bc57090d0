/**
 * The LPD listener driven by a real client: the CUPS lpd backend (/usr/lib/cups/backend/lpd from the Debian
 * package `cups`), run directly with a DEVICE_URI as in shared/reference/toolchain.md section 4. Covers the
 * default control-then-data order, copies as repeated print lines, the backend's own "manual copies", and
 * `order=data,control`, which exercises the spool-ahead path.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ensureDebianPackages, runCommand } from '@quire/testkit';
import { sha256Of } from './lpd-intake-double';
import { type LpdHarness, startLpdHarness } from './lpd-harness';
import { patternBytes } from './lpd-test-client';

const BACKEND = '/usr/lib/cups/backend/lpd';

describe('LPD with the CUPS lpd backend as the client', function () {
  this.timeout(60_000);
  let harness: LpdHarness;
  let workDir: string;
  let document: Buffer;
  let documentPath: string;

  before(async function () {
    this.timeout(20 * 60 * 1000);
    await ensureDebianPackages(['cups']);
    workDir = await mkdtemp(path.join(os.tmpdir(), 'quire-lpd-cups-'));
    document = Buffer.concat([
      Buffer.from('%PDF-1.4\n'),
      patternBytes(300_000, 42),
      Buffer.from('\n%%EOF\n'),
    ]);
    documentPath = path.join(workDir, 'file.pdf');
    await writeFile(documentPath, document);
  });

  after(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    harness = await startLpdHarness();
  });

  afterEach(async () => {
    await harness.stop();
  });

  async function runBackend(uriOptions: string, copies: number): Promise<void> {
    const deviceUri = `lpd://127.0.0.1:${harness.port}/Default?reserve=none&banner=off${uriOptions}`;
    const result = await runCommand(BACKEND, ['42', 'alice', 'myjob', String(copies), '', documentPath], {
      env: { DEVICE_URI: deviceUri },
      timeoutMs: 30_000,
    });
    expect(result.code, result.output).to.equal(0);
  }

  it('puts one job in Default owned by alice, named myjob, with the exact bytes', async () => {
    await runBackend('', 1);
    expect(harness.intake.records).to.have.length(1);
    const [record] = harness.intake.records;
    expect(record.job).to.deep.include({
      queueName: 'Default',
      protocol: 'lpd',
      senderUser: 'alice',
      jobName: 'myjob',
      copies: 1,
      clientAddress: '127.0.0.1',
    });
    expect(record.job.senderHost).to.be.a('string').and.not.equal('');
    expect(record.sha256).to.equal(sha256Of(document));
  });

  it('takes copies 3 from three print lines naming the same data file', async () => {
    await runBackend('&manual_copies=off', 3);
    expect(harness.intake.records).to.have.length(1);
    expect(harness.intake.records[0].job.copies).to.equal(3);
    expect(harness.intake.records[0].sha256).to.equal(sha256Of(document));
  });

  it("receives the backend's manual copies (its default) as one document holding every copy", async () => {
    await runBackend('', 3);
    expect(harness.intake.records).to.have.length(1);
    expect(harness.intake.records[0].job.copies).to.equal(1);
    expect(harness.intake.records[0].sha256).to.equal(
      sha256Of(Buffer.concat([document, document, document])),
    );
  });

  it('handles order=data,control by spooling the data ahead and cleaning up after', async () => {
    await runBackend('&order=data,control', 1);
    expect(harness.intake.records).to.have.length(1);
    expect(harness.intake.records[0].job.senderUser).to.equal('alice');
    expect(harness.intake.records[0].sha256).to.equal(sha256Of(document));
    expect(await harness.leftoverFiles()).to.deep.equal([]);
  });

  it('makes the backend fail when the queue is offline', async () => {
    const deviceUri = `lpd://127.0.0.1:${harness.port}/Offline?reserve=none&banner=off`;
    const result = await runCommand(BACKEND, ['42', 'alice', 'myjob', '1', '', documentPath], {
      env: { DEVICE_URI: deviceUri },
      timeoutMs: 30_000,
    });
    expect(result.code).to.not.equal(0);
    expect(harness.intake.records).to.have.length(0);
  });
});
