/**
 * The submitting IPP operations over real HTTP against the in-memory JobIntake: request hygiene, Print-Job into
 * the core with owner, name, copies and template, unsupported attributes and fidelity, format and compression
 * checks, the core's errors mapped to IPP statuses, and Create-Job/Send-Document/Close-Job with their time-out.
 */
import {
  type IppAttributeGroup,
  IppJobState,
  type IppMessage,
  IppOperation,
  IppStatus,
  IppTag,
  IppValues,
} from '@quire/common';
import { expect } from 'chai';
import {
  attributeValues,
  IppTestClient,
  ippRequest,
  minimalPdf,
  startTestIppServer,
  statusMessageOf,
  type TestIppServer,
} from './ipp-harness';

describe('IPP submission operations', () => {
  let server: TestIppServer;
  let client: IppTestClient;
  const pdf = minimalPdf();

  beforeEach(async () => {
    server = await startTestIppServer({ multipleOperationTimeoutSeconds: 1 });
    client = new IppTestClient(server);
  });
  afterEach(() => server.stop());

  const request = (operation: number, user?: string, queue = 'Default') =>
    client.request(operation, user, queue);
  const send = (message: IppMessage, document?: Buffer) => client.send(message, document);
  const printJob = (user: string, template?: (group: IppAttributeGroup) => void) =>
    client.printJob(user, template);
  const jobRequest = (operation: number, jobId: number, user?: string) =>
    client.jobRequest(operation, jobId, user);
  const values = attributeValues;
  const statusMessage = statusMessageOf;

  describe('request hygiene (RFC 8011 section 4.1)', () => {
    it('refuses request-id 0, a wrong version, misordered or missing charset, and a missing printer-uri', async () => {
      const zeroId = ippRequest(IppOperation.GetPrinterAttributes, server.printerUri(), 'alice', 0);
      expect((await send(zeroId)).code).to.equal(IppStatus.ClientErrorBadRequest);
      const oldVersion = request(IppOperation.GetPrinterAttributes);
      oldVersion.version = { major: 0, minor: 0 };
      const versionAnswer = await send(oldVersion);
      expect(versionAnswer.code).to.equal(IppStatus.ServerErrorVersionNotSupported);
      expect(statusMessage(versionAnswer)).to.match(/0\.0 is not supported/);
      const swapped = request(IppOperation.GetPrinterAttributes);
      swapped.operation!.attributes.reverse();
      expect((await send(swapped)).code).to.equal(IppStatus.ClientErrorBadRequest);
      const noUri = ippRequest(IppOperation.GetPrinterAttributes, null);
      const noUriAnswer = await send(noUri);
      expect(noUriAnswer.code).to.equal(IppStatus.ClientErrorBadRequest);
      expect(statusMessage(noUriAnswer)).to.match(/printer-uri/);
    });

    it('answers IPP/1.0 in IPP/1.0, and refuses unknown charsets and badly typed operation attributes', async () => {
      const old = request(IppOperation.GetPrinterAttributes);
      old.version = { major: 1, minor: 0 };
      const oldAnswer = await send(old);
      expect(oldAnswer.code).to.equal(IppStatus.SuccessfulOk);
      expect(oldAnswer.version).to.deep.equal({ major: 1, minor: 0 });
      const latin = request(IppOperation.GetPrinterAttributes);
      latin.operation!.set('attributes-charset', IppValues.charset('iso-8859-1'));
      expect((await send(latin)).code).to.equal(IppStatus.ClientErrorCharsetNotSupported);
      const badJobId = request(IppOperation.GetJobAttributes);
      badJobId.operation!.add('job-id', IppValues.keyword('seven'));
      const badAnswer = await send(badJobId);
      expect(badAnswer.code).to.equal(IppStatus.ClientErrorBadRequest);
      expect(statusMessage(badAnswer)).to.match(/"job-id" has value tag 0x44/);
    });

    it('names unsupported operations and unknown queues', async () => {
      const pause = await send(request(IppOperation.PausePrinter));
      expect(pause.code).to.equal(IppStatus.ServerErrorOperationNotSupported);
      expect(statusMessage(pause)).to.match(/Pause-Printer/);
      const missing = await send(request(IppOperation.GetPrinterAttributes, 'alice', 'Nowhere'));
      expect(missing.code).to.equal(IppStatus.ClientErrorNotFound);
    });
  });

  describe('Print-Job', () => {
    it('streams the document into the core with owner, queue, name, copies and template', async () => {
      const answer = await printJob('alice', (job) =>
        job
          .add('copies', IppValues.integer(3))
          .add('sides', IppValues.keyword('two-sided-long-edge'))
          .add('media', IppValues.keyword('iso_a4_210x297mm')),
      );
      expect(answer.code).to.equal(IppStatus.SuccessfulOk);
      expect(values(answer, 'job-id')).to.deep.equal([1]);
      expect(values(answer, 'job-uri')).to.deep.equal([`ipp://127.0.0.1:${server.port}/jobs/1`]);
      expect(values(answer, 'job-state')).to.deep.equal([IppJobState.Completed]);
      expect(values(answer, 'job-state-reasons')).to.deep.equal(['job-completed-successfully']);
      const [stored] = server.intake.jobs;
      expect(stored.document.equals(pdf)).to.equal(true);
      expect(stored.incoming).to.deep.include({
        queueName: 'Default',
        protocol: 'ipp',
        clientAddress: '127.0.0.1',
        senderUser: 'alice',
        jobName: 'report.pdf',
        copies: 3,
        documentFormat: 'application/pdf',
        holdRequested: false,
      });
      expect(stored.incoming.attributes).to.deep.equal({
        copies: 3,
        sides: 'two-sided-long-edge',
        media: 'iso_a4_210x297mm',
      });
    });

    it('finds the queue whatever the case of its name', async () => {
      const message = ippRequest(
        IppOperation.PrintJob,
        `ipp://127.0.0.1:${server.port}/printers/default`,
        'bob',
      );
      expect((await send(message, pdf)).code).to.equal(IppStatus.SuccessfulOk);
      expect(server.intake.jobs[0].incoming.queueName).to.equal('Default');
    });

    it('ignores unsupported template values, or refuses the job when fidelity is asked for', async () => {
      const lenient = await printJob('alice', (job) =>
        job.add('sides', IppValues.keyword('three-sided')).add('copies', IppValues.integer(5000)),
      );
      expect(lenient.code).to.equal(IppStatus.SuccessfulOkIgnoredOrSubstitutedAttributes);
      const unsupported = lenient.group(IppTag.UnsupportedAttributes)!;
      expect(unsupported.getString('sides')).to.equal('three-sided');
      expect(unsupported.getInteger('copies')).to.equal(5000);
      expect(server.intake.jobs).to.have.length(1);
      expect(server.intake.jobs[0].incoming.copies).to.equal(1);
      const strict = request(IppOperation.PrintJob, 'alice');
      strict.operation!.add('ipp-attribute-fidelity', IppValues.boolean(true));
      strict.addGroup(IppTag.JobAttributes).add('sides', IppValues.keyword('three-sided'));
      const refused = await send(strict, pdf);
      expect(refused.code).to.equal(IppStatus.ClientErrorAttributesOrValuesNotSupported);
      expect(refused.group(IppTag.UnsupportedAttributes)?.getString('sides')).to.equal('three-sided');
      expect(server.intake.jobs).to.have.length(1);
    });

    it('refuses unsupported document formats and compression before reading the document', async () => {
      const text = request(IppOperation.PrintJob, 'alice');
      text.operation!.add('document-format', IppValues.mimeMediaType('text/plain'));
      const textAnswer = await send(text, Buffer.from('hello'));
      expect(textAnswer.code).to.equal(IppStatus.ClientErrorDocumentFormatNotSupported);
      expect(textAnswer.group(IppTag.UnsupportedAttributes)?.getString('document-format')).to.equal(
        'text/plain',
      );
      const gzip = request(IppOperation.PrintJob, 'alice');
      gzip.operation!.add('compression', IppValues.keyword('gzip'));
      expect((await send(gzip, pdf)).code).to.equal(IppStatus.ClientErrorCompressionNotSupported);
      expect(server.intake.jobs).to.have.length(0);
    });

    it("takes CUPS's raw type (lp -o raw) as application/octet-stream", async () => {
      const raw = request(IppOperation.PrintJob, 'alice');
      raw.operation!.add('document-format', IppValues.mimeMediaType('application/vnd.cups-raw'));
      expect((await send(raw, Buffer.from('\x1b%-12345X@PJL\r\n'))).code).to.equal(IppStatus.SuccessfulOk);
      expect(server.intake.jobs[0].incoming.documentFormat).to.equal('application/octet-stream');
    });

    it('maps the core errors: offline queue, job too large, unknown owner', async () => {
      const offline = await send(request(IppOperation.PrintJob, 'alice', 'Offline'), pdf);
      expect(offline.code).to.equal(IppStatus.ServerErrorNotAcceptingJobs);
      server.intake.maxBytes = 100;
      const large = await send(request(IppOperation.PrintJob, 'alice'), pdf);
      expect(large.code).to.equal(IppStatus.ClientErrorRequestEntityTooLarge);
      server.intake.maxBytes = 10_000_000;
      server.intake.rejectUnknownOwners = true;
      const stranger = await send(request(IppOperation.PrintJob, 'mallory'), pdf);
      expect(stranger.code).to.equal(IppStatus.ClientErrorNotAuthorized);
      expect(statusMessage(stranger)).to.match(/not a known user.*mallory/);
      expect(server.intake.jobs).to.have.length(0);
    });

    it('holds a job with job-hold-until=indefinite until Release-Job', async () => {
      const held = await printJob('alice', (job) =>
        job.add('job-hold-until', IppValues.keyword('indefinite')),
      );
      expect(values(held, 'job-state')).to.deep.equal([IppJobState.PendingHeld]);
      expect(values(held, 'job-state-reasons')).to.deep.equal(['job-hold-until-specified']);
      expect((await send(jobRequest(IppOperation.ReleaseJob, 1, 'bob'))).code).to.equal(
        IppStatus.ClientErrorNotAuthorized,
      );
      expect((await send(jobRequest(IppOperation.ReleaseJob, 1, 'alice'))).code).to.equal(
        IppStatus.SuccessfulOk,
      );
      expect(server.intake.jobs[0].view.state).to.equal('ready');
      expect((await send(jobRequest(IppOperation.HoldJob, 1, 'alice'))).code).to.equal(
        IppStatus.SuccessfulOk,
      );
      expect(server.intake.jobs[0].view.state).to.equal('paused');
    });
  });

  describe('Create-Job and Send-Document', () => {
    it('keeps the Create-Job id for the client and maps it to the core job', async () => {
      const created = await send(request(IppOperation.CreateJob, 'alice'));
      const jobId = values(created, 'job-id')![0] as number;
      expect(jobId).to.be.greaterThan(1_000_000);
      expect(values(created, 'job-state')).to.deep.equal([IppJobState.Pending]);
      const waiting = await send(jobRequest(IppOperation.GetJobAttributes, jobId, 'alice'));
      expect(values(waiting, 'job-state-reasons')).to.deep.equal(['job-incoming']);
      const noLast = jobRequest(IppOperation.SendDocument, jobId, 'alice');
      expect((await send(noLast, pdf)).code).to.equal(IppStatus.ClientErrorBadRequest);
      const notLast = jobRequest(IppOperation.SendDocument, jobId, 'alice');
      notLast.operation!.add('last-document', IppValues.boolean(false));
      expect((await send(notLast, pdf)).code).to.equal(IppStatus.ServerErrorMultipleDocumentJobsNotSupported);
      const other = jobRequest(IppOperation.SendDocument, jobId, 'bob');
      other.operation!.add('last-document', IppValues.boolean(true));
      expect((await send(other, pdf)).code).to.equal(IppStatus.ClientErrorNotAuthorized);
      const last = jobRequest(IppOperation.SendDocument, jobId, 'alice');
      last.operation!.add('last-document', IppValues.boolean(true));
      last.operation!.add('document-format', IppValues.mimeMediaType('application/pdf'));
      last.operation!.add('document-name', IppValues.name('slides.pdf'));
      const sent = await send(last, pdf);
      expect(sent.code).to.equal(IppStatus.SuccessfulOk);
      expect(values(sent, 'job-id')).to.deep.equal([jobId]);
      expect(server.intake.jobs[0].incoming).to.deep.include({
        jobName: 'slides.pdf',
        documentFormat: 'application/pdf',
      });
      const done = await send(jobRequest(IppOperation.GetJobAttributes, jobId, 'alice'));
      expect(values(done, 'job-id')).to.deep.equal([jobId]);
      expect(values(done, 'job-state')).to.deep.equal([IppJobState.Completed]);
      expect((await send(jobRequest(IppOperation.CloseJob, jobId, 'alice'))).code).to.equal(
        IppStatus.SuccessfulOk,
      );
      const again = jobRequest(IppOperation.SendDocument, jobId, 'alice');
      again.operation!.add('last-document', IppValues.boolean(true));
      expect((await send(again, pdf)).code).to.equal(IppStatus.ClientErrorNotPossible);
    });

    it('drops a Create-Job job whose document does not come within multiple-operation-time-out', async () => {
      const created = await send(request(IppOperation.CreateJob, 'alice'));
      const jobId = values(created, 'job-id')![0] as number;
      await new Promise((resolve) => setTimeout(resolve, 1300));
      const late = jobRequest(IppOperation.SendDocument, jobId, 'alice');
      late.operation!.add('last-document', IppValues.boolean(true));
      expect((await send(late, pdf)).code).to.equal(IppStatus.ClientErrorNotFound);
      const closed = await send(request(IppOperation.CreateJob, 'alice'));
      const closedId = values(closed, 'job-id')![0] as number;
      expect((await send(jobRequest(IppOperation.CloseJob, closedId, 'alice'))).code).to.equal(
        IppStatus.SuccessfulOk,
      );
      expect((await send(jobRequest(IppOperation.GetJobAttributes, closedId))).code).to.equal(
        IppStatus.ClientErrorNotFound,
      );
      expect(server.intake.jobs).to.have.length(0);
    });
  });
});
