/** Unit tests of RecordCodec: outbox record bodies checked against the replicated tables' entities. */
import { expect } from 'chai';
import { openDatabase } from '@quire/common';
import { type JobEventRecord, type JobRecord } from '@quire/shared-proto';
import { type DataSource } from 'typeorm';
import { OutboxRefusal, RecordCodec } from './record-codec';
import { SiteJobEventEntity } from './site-job-event.entity';
import { SiteJobEntity } from './site-job.entity';

/** A complete JobRecord as a site sends it. */
function sampleJob(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    number: 12,
    name: 'report.pdf',
    owner: 'alice',
    ownerMethod: 'sender',
    queueId: '0190a1b2-c3d4-7e5f-8a9b-000000000001',
    queueName: 'secure',
    state: 'ready',
    stateReason: null,
    protocol: 'ipp',
    clientAddress: '10.0.0.7',
    senderHost: null,
    submittedAt: '2025-03-01T10:15:30.123Z',
    processedAt: '2025-03-01T10:15:31.000Z',
    completedAt: null,
    sizeBytes: 5_000_000_000,
    documentFormat: 'application/pdf',
    pdl: 'pdf',
    copies: 1,
    pages: 3,
    colorPages: 0,
    monoPages: 3,
    duplex: 'simplex',
    paper: 'iso_a4_210x297mm',
    impressions: 3,
    sheets: 3,
    favourite: true,
    printerId: null,
    printAttempts: 0,
    releasedBy: null,
    documentRemovedAt: null,
    ...overrides,
  };
}

describe('RecordCodec', () => {
  let dataSource: DataSource;
  let jobs: RecordCodec;

  before(async () => {
    ({ dataSource } = await openDatabase({
      url: 'sqlite::memory:',
      entities: [SiteJobEntity, SiteJobEventEntity],
      migrations: [],
    }));
    jobs = new RecordCodec(dataSource, SiteJobEntity, ['siteId', 'lastSeq']);
  });

  after(() => dataSource.destroy());

  function refusal(body: unknown): string {
    try {
      jobs.values(body, 'record seq 9 (job)');
    } catch (err) {
      expect(err).to.be.instanceOf(OutboxRefusal);
      return (err as Error).message;
    }
    throw new Error('the body was accepted');
  }

  it('turns every JobRecord field into its column, in the stored form of the driver', () => {
    const values = jobs.values(sampleJob(), 'record seq 1 (job)');
    const byColumn = Object.fromEntries(jobs.columnNames.map((column, i) => [column, values[i]]));
    expect(jobs.columnNames).not.to.include('site_id').and.not.to.include('last_seq');
    expect(jobs.columnNames).to.have.length(31);
    expect(byColumn).to.include({
      job_id: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
      owner: 'alice',
      queue_name: 'secure',
      size_bytes: 5_000_000_000,
      favourite: 1,
      submitted_at: '2025-03-01 10:15:30.123',
      completed_at: null,
    });
  });

  it('names the field that is missing, of the wrong type, or too long for its column', () => {
    const { owner: _owner, ...withoutOwner } = sampleJob();
    expect(refusal(withoutOwner)).to.equal(
      'record seq 9 (job): field "owner" must be a string of at most 128 characters; it is missing',
    );
    expect(refusal(sampleJob({ copies: '2' as unknown as number }))).to.contain(
      'field "copies" must be a whole number that fits 32 bits; got "2"',
    );
    expect(refusal(sampleJob({ pages: 2 ** 31 }))).to.contain('field "pages" must be a whole number');
    expect(refusal(sampleJob({ name: 'x'.repeat(256) }))).to.contain(
      '"name" must be a string of at most 255',
    );
    expect(refusal(sampleJob({ submittedAt: 'yesterday' }))).to.contain(
      'field "submittedAt" must be an ISO 8601 date-time string; got "yesterday"',
    );
    expect(refusal(sampleJob({ favourite: 1 as unknown as boolean }))).to.contain('must be true or false');
    expect(refusal(sampleJob({ state: null as unknown as string }))).to.contain('field "state"');
  });

  it('refuses a body that is not an object', () => {
    expect(refusal([sampleJob()])).to.equal('record seq 9 (job): the body must be a JSON object');
    expect(refusal('job')).to.equal('record seq 9 (job): the body must be a JSON object');
  });

  it('reads a nullable field the site leaves out as null, and ignores fields central does not keep', () => {
    const { releasedBy: _releasedBy, ...older } = sampleJob();
    const values = jobs.values({ ...older, spoolPath: '/var/spool/x', siteId: 'another-site' }, 'r');
    expect(values[jobs.columnNames.indexOf('released_by')]).to.equal(null);
    expect(values).to.have.length(31);
  });

  it('checks event records against their own table', () => {
    const events = new RecordCodec(dataSource, SiteJobEventEntity, ['siteId']);
    const event: JobEventRecord = {
      id: 'e1',
      jobId: 'j1',
      at: '2025-03-01T10:15:30.000Z',
      fromState: null,
      toState: 'processing',
      reason: null,
      actor: 'intake',
    };
    expect(events.values(event, 'r')).to.deep.equal([
      'e1',
      'j1',
      '2025-03-01 10:15:30.000',
      null,
      'processing',
      null,
      'intake',
    ]);
  });
});
