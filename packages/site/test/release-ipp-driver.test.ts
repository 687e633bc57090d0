/**
 * The IPP output driver's paths that ippeveprinter cannot show (it always offers Create-Job and never aborts a
 * job), against a scripted IPP printer: Print-Job with a chunked streamed body, server-error-busy retries,
 * aborted and forgotten jobs, a printer that stops answering, and a connect timeout.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { IppOperation, IppTag } from '@quire/common';
import { startUnacceptingPort } from '@quire/testkit';
import { type OutputDocument, type OutputTimeouts, PrinterOutputError } from '../src/release/output-driver';
import { IppOutputDriver } from '../src/release/output-ipp';
import { type IppDouble, type IppDoubleScript, startIppDouble } from './release-ipp-double';

const TIMEOUTS: OutputTimeouts = { connectMs: 1_000, idleMs: 700, totalMs: 30_000 };

describe('IPP output driver against a scripted printer', function () {
  this.timeout(60_000);
  const driver = new IppOutputDriver();
  let dir: string;
  let document: OutputDocument;
  let printer: IppDouble | undefined;
  const body = Buffer.from('OLD-HEADER%PDF-1.4 pretend document body\n%%EOF\n', 'latin1');
  const delivered = 'PREFIX:%PDF-1.4 pretend document body\n%%EOF\n:SUFFIX';

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'quire-ipp-driver-'));
    await writeFile(path.join(dir, 'doc.pdf'), body);
    document = {
      path: path.join(dir, 'doc.pdf'),
      prefix: Buffer.from('PREFIX:'),
      skipBytes: 'OLD-HEADER'.length,
      suffix: Buffer.from(':SUFFIX'),
      jobNumber: 42,
      jobName: 'Rapport d’activité',
      userName: 'zoë',
      hostName: 'site',
      documentFormat: 'application/vnd.hp-pcl',
    };
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    await printer?.stop();
    printer = undefined;
  });

  async function send(script: IppDoubleScript, timeouts = TIMEOUTS) {
    printer = await startIppDouble(script);
    const target = { protocol: 'ipp', host: '127.0.0.1', port: printer.port, path: '/ipp/print' } as const;
    return driver.send(target, document, timeouts);
  }

  async function failure(script: IppDoubleScript, timeouts = TIMEOUTS): Promise<PrinterOutputError> {
    try {
      await send(script, timeouts);
    } catch (err) {
      expect(err).to.be.instanceOf(PrinterOutputError);
      return err as PrinterOutputError;
    }
    throw new Error('the send succeeded');
  }

  it('uses Print-Job with a chunked body when Create-Job is not offered, and polls until completed', async () => {
    const result = await send({ ending: 'completed' });
    expect(result).to.deep.equal({
      bytesSent: delivered.length,
      printerJobId: 7,
      detail: 'job-completed-successfully',
    });
    const operations = printer!.requests.map((request) => request.operation);
    expect(operations).to.deep.equal([
      IppOperation.GetPrinterAttributes,
      IppOperation.PrintJob,
      IppOperation.GetJobAttributes,
      IppOperation.GetJobAttributes,
    ]);
    const printJob = printer!.requests[1];
    expect(printJob.chunked).to.equal(true);
    expect(printJob.document.toString('latin1')).to.equal(delivered);
    const attributes = printJob.message.group(IppTag.OperationAttributes)!;
    expect(attributes.attributes.map((attribute) => attribute.name).slice(0, 3)).to.deep.equal([
      'attributes-charset',
      'attributes-natural-language',
      'printer-uri',
    ]);
    expect(attributes.getString('printer-uri')).to.equal(`ipp://127.0.0.1:${printer!.port}/ipp/print`);
    expect(attributes.getString('requesting-user-name')).to.equal('zoë');
    expect(attributes.getString('job-name')).to.equal('Rapport d’activité');
    // PCL is not listed and neither is application/octet-stream: the printer's default applies.
    expect(attributes.get('document-format')).to.equal(undefined);
  });

  it('sends the document format when the printer lists it', async () => {
    await send({ formats: ['application/pdf', 'application/vnd.hp-pcl'] });
    const printJob = printer!.requests[1];
    expect(printJob.message.operation!.getString('document-format')).to.equal('application/vnd.hp-pcl');
  });

  it('retries server-error-busy with a growing pause, then succeeds', async () => {
    const started = Date.now();
    await send({ busyAnswers: 2 });
    const printJobs = printer!.requests.filter((request) => request.operation === IppOperation.PrintJob);
    expect(printJobs).to.have.length(3);
    expect(printJobs.every((request) => request.document.toString('latin1') === delivered)).to.equal(true);
    expect(Date.now() - started).to.be.at.least(1_500);
  });

  it("is 'refused' with the reasons and message when the printer aborts the job", async () => {
    const error = await failure({ ending: 'aborted' });
    expect(error.reason).to.equal('refused');
    expect(error.message).to.match(/aborted job 7: aborted-by-system; Paper jam in tray 2/);
  });

  it('counts a job the printer no longer lists as completed', async () => {
    const result = await send({ ending: 'purged' });
    expect(result.detail).to.equal('the printer no longer lists the job');
  });

  it("is 'timeout' after idleMs when the printer stops answering", async () => {
    const started = Date.now();
    const error = await failure({ ending: 'silence' });
    expect(error.reason).to.equal('timeout');
    expect(Date.now() - started).to.be.within(TIMEOUTS.idleMs, TIMEOUTS.idleMs + 3_000);
  });

  it("is 'timeout' when totalMs runs out while the printer keeps answering", async () => {
    const error = await failure({ ending: 'silence' }, { ...TIMEOUTS, idleMs: 10_000, totalMs: 1_000 });
    expect(error.reason).to.equal('timeout');
    expect(error.message).to.match(/longer than 1000 ms/);
  });

  it("is 'printer unreachable' when the connection cannot be made within connectMs", async () => {
    const port = await startUnacceptingPort();
    try {
      const target = { protocol: 'ipp', host: port.host, port: port.port, path: '/ipp/print' } as const;
      const started = Date.now();
      const error = await driver.send(target, document, TIMEOUTS).then(
        () => expect.fail('the send succeeded'),
        (err: unknown) => err as PrinterOutputError,
      );
      expect(error.reason).to.equal('printer unreachable');
      expect(error.message).to.match(/within 1000 ms/);
      expect(Date.now() - started).to.be.within(TIMEOUTS.connectMs, TIMEOUTS.connectMs + 2_000);
    } finally {
      await port.stop();
    }
  });
});
