/** Unit tests of ReplicationStatus: the outbox lag derived from a site's latest heartbeat figures. */
import { expect } from 'chai';
import { ReplicationStatus } from './replication-status';

describe('ReplicationStatus', () => {
  const now = new Date('2025-03-01T12:00:00.000Z');
  const status = new ReplicationStatus(() => now);

  it('has no lag figures for a site that has not reported since central started', () => {
    expect(status.lag('never-seen', 10)).to.deep.equal({ records: null, seconds: null });
  });

  it('counts the records written and not applied, and the age of the oldest one', () => {
    status.report('a', {
      pending: 40,
      oldestAt: new Date(now.getTime() - 12_500),
      lastSeq: 140,
      reportedAt: now,
    });
    expect(status.lag('a', 100)).to.deep.equal({ records: 40, seconds: 12.5 });
    expect(status.latest('a')?.pending).to.equal(40);
  });

  it('reads as caught up once central applied everything the report counted', () => {
    status.report('b', {
      pending: 5,
      oldestAt: new Date(now.getTime() - 60_000),
      lastSeq: 50,
      reportedAt: now,
    });
    expect(status.lag('b', 50)).to.deep.equal({ records: 0, seconds: 0 });
    // Central may already be past a report taken before its latest ack.
    expect(status.lag('b', 57)).to.deep.equal({ records: 0, seconds: 0 });
  });

  it('gives 0 seconds when the site reports records but no oldest time', () => {
    status.report('c', { pending: 0, oldestAt: null, lastSeq: 9, reportedAt: now });
    expect(status.lag('c', 3)).to.deep.equal({ records: 6, seconds: 0 });
  });
});
