/**
 * Conformance of the IPP listener against the real CUPS tools: ipptool's ipp-2.0 and ipp-1.1 suites (chunked
 * uploads by default, Content-Length with -L, IPP/1.0, 1.1 and 2.0, plain and over IPPS with the generated
 * certificate) must report 0 failures; `lp -U alice` must put a job owned by alice into Default; an offline
 * queue must refuse jobs with server-error-not-accepting-jobs. The listener runs in this process with the
 * in-memory JobIntake double.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import {
  createSilentLogger,
  decodeIppMessage,
  encodeIppMessage,
  IppOperation,
  IppStatus,
} from '@quire/common';
import {
  ensureDebianPackages,
  ipptoolFailureReport,
  type IpptoolOutcome,
  parseIpptool,
  prepareIpptoolSuites,
  runCommand,
  runIpptool,
  type CommandResult,
} from '@quire/testkit';
import { expect } from 'chai';
import { loadIppTlsCredentials } from '../src/intake/ipp';
import { ippRequest, minimalPdf, startTestIppServer, type TestIppServer } from './ipp-harness';

const OWN_TESTS_DIR = path.join(__dirname, '..', '..', 'test', 'ipptool');

/** Assert ipptool ran its tests with no failure, quoting every failed test with ipptool's own explanation. */
function expectNoFailures(result: CommandResult, minimumPassed: number): IpptoolOutcome[] {
  const outcomes = parseIpptool(result.output);
  const failed = outcomes.filter((o) => o.result === 'FAIL');
  expect(
    failed,
    `ipptool failures:\n${ipptoolFailureReport(outcomes)}\n--- full output ---\n${result.output}`,
  ).to.deep.equal([]);
  expect(result.code, result.output).to.equal(0);
  expect(outcomes.filter((o) => o.result === 'PASS').length).to.be.at.least(minimumPassed);
  return outcomes;
}

describe('IPP conformance (ipptool, lp)', function () {
  this.timeout(180_000);
  let server: TestIppServer;
  let dir: string;
  let pdf: Buffer;

  async function prepareSuiteDir(): Promise<void> {
    pdf = minimalPdf();
    await prepareIpptoolSuites(
      dir,
      ['ipp-1.1.test', 'ipp-2.0.test', path.join(OWN_TESTS_DIR, 'print-job-offline.test')],
      pdf,
    );
  }

  function ipptool(args: string[]): Promise<CommandResult> {
    return runIpptool(dir, args);
  }

  before(async function () {
    this.timeout(20 * 60 * 1000);
    await ensureDebianPackages(['cups-ipp-utils', 'cups-client', 'cups-bsd']);
    dir = await mkdtemp(path.join(os.tmpdir(), 'quire-ipp-conformance-'));
    await prepareSuiteDir();
    const tls = await loadIppTlsCredentials({ dataDir: dir, logger: createSilentLogger() });
    server = await startTestIppServer({ tls: { certPem: tls.certPem, keyPem: tls.keyPem, port: 0 } });
  });

  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const runs: Array<{ suite: string; version: string; extra: string[]; label: string }> = [
    { suite: 'ipp-2.0.test', version: '2.0', extra: [], label: 'ipp-2.0.test, IPP/2.0, chunked uploads' },
    {
      suite: 'ipp-2.0.test',
      version: '2.0',
      extra: ['-L'],
      label: 'ipp-2.0.test, IPP/2.0, Content-Length uploads',
    },
    { suite: 'ipp-1.1.test', version: '1.1', extra: [], label: 'ipp-1.1.test, IPP/1.1' },
    { suite: 'ipp-1.1.test', version: '1.0', extra: [], label: 'ipp-1.1.test, IPP/1.0' },
  ];
  for (const run of runs) {
    it(`passes ${run.label} with 0 failures`, async () => {
      const args = ['-tI', ...run.extra, '-V', run.version, '-f', path.join(dir, 'doc.pdf')];
      const result = await ipptool([...args, server.printerUri(), path.join(dir, run.suite)]);
      const outcomes = expectNoFailures(result, 40);
      expect(outcomes.map((o) => o.name)).to.include('Release-Job');
    });
  }

  it('passes ipp-2.0.test over IPPS with the generated self-signed certificate', async () => {
    const uri = `ipps://127.0.0.1:${server.listener.ports.ipps}/printers/Default`;
    const result = await ipptool([
      '-tI',
      '-V',
      '2.0',
      '-f',
      path.join(dir, 'doc.pdf'),
      uri,
      path.join(dir, 'ipp-2.0.test'),
    ]);
    expectNoFailures(result, 40);
    expect(server.intake.jobs.some((job) => job.view.protocol === 'ipps')).to.equal(true);
  });

  it('refuses jobs for an offline queue with server-error-not-accepting-jobs', async () => {
    const args = ['-tI', '-f', path.join(dir, 'doc.pdf'), server.printerUri('Offline')];
    expectNoFailures(await ipptool([...args, path.join(dir, 'print-job-offline.test')]), 2);
  });

  it('takes a job from `lp -U alice` into Default, owned by alice, with the document intact', async () => {
    const before = server.intake.jobs.length;
    const file = path.join(dir, 'doc.pdf');
    const result = await runCommand(
      'lp',
      ['-h', `127.0.0.1:${server.port}`, '-d', 'Default', '-U', 'alice', file],
      {
        timeoutMs: 60_000,
        env: { HOME: dir },
      },
    );
    expect(result.code, result.output).to.equal(0);
    expect(result.output).to.match(/request id is Default-\d+/);
    const job = server.intake.jobs[before];
    expect(job, 'a job was stored').to.not.equal(undefined);
    expect(job.view.owner).to.equal('alice');
    expect(job.view.queueName).to.equal('Default');
    expect(job.view.sha256).to.equal(
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    );
  });

  it('reports lp to the offline queue as not accepting jobs', async () => {
    const result = await runCommand(
      'lp',
      ['-h', `127.0.0.1:${server.port}`, '-d', 'Offline', '-U', 'alice', path.join(dir, 'doc.pdf')],
      { timeoutMs: 60_000, env: { HOME: dir } },
    );
    expect(result.code).to.not.equal(0);
    expect(result.output).to.match(/offline/i);
  });

  it('serves IPPS to a Node client that trusts only the generated certificate', async () => {
    const tls = await loadIppTlsCredentials({ dataDir: dir, logger: createSilentLogger() });
    expect(tls.generated, 'the certificate is reused, not generated again').to.equal(false);
    const port = server.listener.ports.ipps!;
    const request = ippRequest(
      IppOperation.GetPrinterAttributes,
      `ipps://localhost:${port}/printers/Default`,
      'alice',
    );
    const body = encodeIppMessage(request);
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port,
          method: 'POST',
          path: '/printers/Default',
          ca: tls.certPem,
          headers: {
            'Content-Type': 'application/ipp',
            'Content-Length': body.length,
            Host: `localhost:${port}`,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const response = decodeIppMessage(answer).message;
    expect(response.code).to.equal(IppStatus.SuccessfulOk);
    const uris = response.find('printer-uri-supported')!.values.map((v) => v.value);
    expect(uris).to.deep.equal([`ipps://localhost:${port}/printers/Default`]);
    expect(response.find('uri-security-supported')!.values.map((v) => v.value)).to.deep.equal(['tls']);
  });
});
