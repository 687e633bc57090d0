/**
 * The IPP operations on existing jobs and printers over real HTTP against the in-memory JobIntake: Get-Jobs
 * filters and my-jobs, Cancel/Cancel-My-Jobs rules, job attributes, Get-Printer-Attributes selection and typing,
 * and Identify-Printer.
 */
import {
  checkIppAttribute,
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

describe('IPP job and printer queries', () => {
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

  describe('Get-Jobs, Cancel-Job and Cancel-My-Jobs', () => {
    beforeEach(async () => {
      await printJob('alice');
      await printJob('alice', (job) => job.add('job-hold-until', IppValues.keyword('indefinite')));
      await printJob('bob', (job) => job.add('job-hold-until', IppValues.keyword('indefinite')));
    });

    const getJobs = async (user: string | undefined, extra: (m: IppMessage) => void = () => {}) => {
      const message = request(IppOperation.GetJobs, user);
      extra(message);
      const answer = await send(message);
      expect(answer.code, statusMessage(answer)).to.equal(IppStatus.SuccessfulOk);
      return answer.groupsWithTag(IppTag.JobAttributes);
    };

    it('lists by which-jobs in the IPP sense (a ready job is completed), newest first, job-id and job-uri only', async () => {
      const open = await getJobs('alice');
      expect(open.map((g) => g.getInteger('job-id'))).to.deep.equal([3, 2]);
      expect(open[0].attributes.map((a) => a.name)).to.deep.equal(['job-id', 'job-uri']);
      const done = await getJobs('alice', (m) =>
        m.operation!.add('which-jobs', IppValues.keyword('completed')),
      );
      expect(done.map((g) => g.getInteger('job-id'))).to.deep.equal([1]);
      const all = await getJobs('alice', (m) => {
        m.operation!.add('which-jobs', IppValues.keyword('all'));
        m.operation!.add('limit', IppValues.integer(2));
        m.operation!.add('requested-attributes', IppValues.keyword('job-originating-user-name'));
      });
      expect(all.map((g) => g.getString('job-originating-user-name'))).to.deep.equal(['bob', 'alice']);
      const pending = request(IppOperation.GetJobs, 'alice');
      pending.operation!.add('which-jobs', IppValues.keyword('pending'));
      expect((await send(pending)).code).to.equal(IppStatus.ClientErrorAttributesOrValuesNotSupported);
    });

    it('filters my-jobs by the requesting user for real', async () => {
      const mine = (m: IppMessage) => {
        m.operation!.add('my-jobs', IppValues.boolean(true));
        m.operation!.add('which-jobs', IppValues.keyword('all'));
      };
      expect((await getJobs('alice', mine)).map((g) => g.getInteger('job-id'))).to.deep.equal([2, 1]);
      expect(await getJobs('not-alice', mine)).to.deep.equal([]);
      expect(await getJobs(undefined, mine)).to.deep.equal([]);
    });

    it('lists every queue for the server root URI, as lpstat -o asks', async () => {
      const message = ippRequest(IppOperation.GetJobs, `ipp://127.0.0.1:${server.port}/`, 'alice');
      message.operation!.add('which-jobs', IppValues.keyword('all'));
      const answer = await send(message);
      expect(answer.groupsWithTag(IppTag.JobAttributes)).to.have.length(3);
    });

    it('cancels a held job for its owner only, and refuses completed jobs as not possible', async () => {
      expect((await send(jobRequest(IppOperation.CancelJob, 1, 'alice'))).code).to.equal(
        IppStatus.ClientErrorNotPossible,
      );
      expect((await send(jobRequest(IppOperation.CancelJob, 2, 'bob'))).code).to.equal(
        IppStatus.ClientErrorNotAuthorized,
      );
      expect((await send(jobRequest(IppOperation.CancelJob, 2, 'alice'))).code).to.equal(
        IppStatus.SuccessfulOk,
      );
      const canceled = await send(jobRequest(IppOperation.GetJobAttributes, 2, 'alice'));
      expect(values(canceled, 'job-state')).to.deep.equal([IppJobState.Canceled]);
      expect((await send(jobRequest(IppOperation.CancelJob, 2, 'alice'))).code).to.equal(
        IppStatus.ClientErrorNotPossible,
      );
      expect((await send(jobRequest(IppOperation.CancelJob, 99, 'alice'))).code).to.equal(
        IppStatus.ClientErrorNotFound,
      );
    });

    it("Cancel-My-Jobs cancels the user's open jobs and nobody else's", async () => {
      expect((await send(request(IppOperation.CancelMyJobs, 'bob'))).code).to.equal(IppStatus.SuccessfulOk);
      expect(server.intake.jobs.map((j) => j.view.state)).to.deep.equal(['ready', 'paused', 'deleted']);
      expect((await send(request(IppOperation.CancelMyJobs))).code).to.equal(
        IppStatus.ClientErrorNotAuthorized,
      );
    });

    it('reports the job attributes the suites expect, with times as epoch seconds', async () => {
      const answer = await send(jobRequest(IppOperation.GetJobAttributes, 1, 'alice'));
      const job = answer.group(IppTag.JobAttributes)!;
      expect(job.getString('job-printer-uri')).to.equal(server.printerUri());
      expect(job.getString('job-name')).to.equal('report.pdf');
      expect(job.getString('job-originating-user-name')).to.equal('alice');
      expect(job.getInteger('job-k-octets')).to.equal(Math.ceil(pdf.length / 1024));
      expect(Math.abs(job.getInteger('time-at-creation')! - Date.now() / 1000)).to.be.lessThan(60);
      expect(job.get('time-at-completed')!.values[0].tag).to.equal(IppTag.NoValue);
      expect(job.get('job-impressions')).to.equal(undefined);
      server.intake.jobs[0].view.pages = 5;
      server.intake.jobs[0].view.duplex = 'long-edge';
      server.intake.jobs[0].view.copies = 2;
      server.intake.jobs[0].view.sheets = 6;
      const analysed = (await send(jobRequest(IppOperation.GetJobAttributes, 1, 'alice'))).group(
        IppTag.JobAttributes,
      )!;
      expect(analysed.getInteger('job-impressions')).to.equal(5);
      expect(analysed.getInteger('job-media-sheets')).to.equal(6);
      for (const attribute of job.attributes)
        expect(checkIppAttribute(attribute), attribute.name).to.equal(undefined);
    });
  });

  describe('Get-Printer-Attributes and Identify-Printer', () => {
    it('answers requested groups, keeps media-col-database for when it is named, and types every value', async () => {
      const all = await send(request(IppOperation.GetPrinterAttributes, 'alice'));
      const printer = all.group(IppTag.PrinterAttributes)!;
      expect(printer.get('media-col-database')).to.equal(undefined);
      expect(printer.getString('printer-name')).to.equal('Default');
      expect(printer.getStrings('document-format-supported')).to.include.members([
        'application/pdf',
        'image/pwg-raster',
        'image/urf',
      ]);
      expect(printer.getBoolean('printer-is-accepting-jobs')).to.equal(true);
      for (const attribute of printer.attributes)
        expect(checkIppAttribute(attribute), attribute.name).to.equal(undefined);
      const named = request(IppOperation.GetPrinterAttributes, 'alice');
      named.operation!.add(
        'requested-attributes',
        IppValues.keyword('media-col-database'),
        IppValues.keyword('queued-job-count'),
      );
      const answer = (await send(named)).group(IppTag.PrinterAttributes)!;
      expect(answer.attributes.map((a) => a.name)).to.deep.equal(['media-col-database', 'queued-job-count']);
      expect(answer.get('media-col-database')!.values.length).to.be.greaterThan(5);
      expect(answer.getInteger('queued-job-count')).to.equal(0);
    });

    it('describes an offline queue as not accepting jobs, and accepts Identify-Printer', async () => {
      const offline = await send(request(IppOperation.GetPrinterAttributes, 'alice', 'Offline'));
      expect(offline.group(IppTag.PrinterAttributes)!.getBoolean('printer-is-accepting-jobs')).to.equal(
        false,
      );
      const identify = request(IppOperation.IdentifyPrinter, 'alice');
      identify.operation!.add('identify-actions', IppValues.keyword('sound'));
      expect((await send(identify)).code).to.equal(IppStatus.SuccessfulOk);
    });
  });
});
