/**
 * Unit tests of the replication inbox's protocol rules (order, replays, gaps, refusals, retries, revocation,
 * heartbeat figures) against an applier double that records what it is asked to apply. The applier's own
 * decoding and SQL are tested with real databases in test/replication-inbox.test.ts.
 */
import { expect } from 'chai';
import { createSilentLogger } from '@quire/common';
import {
  encodeJson,
  type CentralMessage,
  type OutboxRecord__Output,
  type SiteMessage__Output,
} from '@quire/shared-proto';
import { type DecodedRows } from '../replication/outbox-applier';
import { OutboxRefusal } from '../replication/record-codec';
import { ReplicationStatus } from '../replication/replication-status';
import { MAX_BATCHES_APPLYING, MAX_QUEUED_BATCHES, replicationInbox } from './replication-inbox';
import { type SessionChannel, type SessionParticipant } from './session-participant';

const SITE = 'site-1';

function record(seq: number | string, kind = 'job'): OutboxRecord__Output {
  return { seq: String(seq), kind, key: `k${seq}`, atMs: '0', body: encodeJson({ id: `k${seq}` }) };
}

function batch(from: number, to: number): SiteMessage__Output {
  const records: OutboxRecord__Output[] = [];
  for (let seq = from; seq <= to; seq += 1) records.push(record(seq));
  return { payload: 'outbox', outbox: { records } };
}

/** An applier double: `apply` answers from `answers` (true when empty) after an optional delay per call. */
class FakeApplier {
  calls: Array<{ expected: number; last: number; count: number }> = [];
  answers: Array<boolean | Error> = [];
  delays: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  refuseDecode: string | null = null;

  decode(_siteId: string, records: readonly OutboxRecord__Output[]): DecodedRows {
    if (this.refuseDecode) throw new OutboxRefusal(this.refuseDecode);
    return { jobs: records.map((r) => [r.seq]), events: [], audits: [] };
  }

  async apply(_siteId: string, expected: number, last: number, rows: DecodedRows): Promise<boolean> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.calls.push({ expected, last, count: rows.jobs.length });
    await new Promise((resolve) => setTimeout(resolve, this.delays.shift() ?? 0));
    this.inFlight -= 1;
    const answer = this.answers.shift() ?? true;
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

class FakeSites {
  state = { appliedSeq: 0, revoked: false };
  errors: Array<string | null> = [];
  readonly replication = new ReplicationStatus();

  async replicationState() {
    return { ...this.state };
  }

  async recordError(_siteId: string, error: string | null) {
    this.errors.push(error);
  }
}

class FakeChannel implements SessionChannel {
  readonly siteId = SITE;
  readonly siteName = 'Site 1';
  sent: CentralMessage[] = [];
  failure: string | null = null;
  open = true;

  send(message: CentralMessage): boolean {
    this.sent.push(message);
    return true;
  }

  drained(): Promise<void> {
    return Promise.resolve();
  }

  fail(reason: string): void {
    this.failure = reason;
    this.open = false;
  }

  get acks() {
    return this.sent.map((m) => ({ appliedSeq: String(m.outboxAck?.appliedSeq), error: m.outboxAck?.error }));
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('replicationInbox', () => {
  let applier: FakeApplier;
  let sites: FakeSites;
  let channel: FakeChannel;
  let inbox: SessionParticipant;

  async function open(appliedSeq = 0): Promise<void> {
    sites.state.appliedSeq = appliedSeq;
    inbox = replicationInbox({ applier, sites, logger: createSilentLogger() })(channel, {} as never);
    expect(await inbox.welcome!()).to.deep.equal({ appliedSeq: String(appliedSeq) });
  }

  beforeEach(() => {
    applier = new FakeApplier();
    sites = new FakeSites();
    channel = new FakeChannel();
  });

  it('refuses to welcome a site that was revoked after its credential was checked', async () => {
    sites.state.revoked = true;
    inbox = replicationInbox({ applier, sites, logger: createSilentLogger() })(channel, {} as never);
    let refused: unknown = null;
    await inbox.welcome!().catch((err: unknown) => (refused = err));
    expect(String(refused)).to.contain('revoked');
  });

  it('submits batches in order, each on top of the one before, and acks them in order', async () => {
    await open();
    applier.delays = [30, 0, 0];
    inbox.onMessage!(batch(1, 3));
    inbox.onMessage!(batch(4, 4));
    inbox.onMessage!(batch(5, 9));
    await waitFor(() => channel.sent.length === 3);
    expect(applier.maxInFlight).to.equal(3);
    expect(applier.calls).to.deep.equal([
      { expected: 0, last: 3, count: 3 },
      { expected: 3, last: 4, count: 1 },
      { expected: 4, last: 9, count: 5 },
    ]);
    expect(channel.acks).to.deep.equal([
      { appliedSeq: '3', error: '' },
      { appliedSeq: '4', error: '' },
      { appliedSeq: '9', error: '' },
    ]);
  });

  it('skips replayed records and applies only what follows the applied sequence', async () => {
    await open(5);
    inbox.onMessage!(batch(1, 5));
    inbox.onMessage!(batch(4, 7));
    await waitFor(() => channel.sent.length === 2);
    expect(applier.calls).to.deep.equal([{ expected: 5, last: 7, count: 2 }]);
    expect(channel.acks).to.deep.equal([
      { appliedSeq: '5', error: '' },
      { appliedSeq: '7', error: '' },
    ]);
  });

  it('refuses a batch that leaves a gap, naming the expected sequence, and applies nothing', async () => {
    await open(3);
    inbox.onMessage!(batch(6, 8));
    await waitFor(() => channel.sent.length === 1);
    expect(applier.calls).to.have.length(0);
    expect(channel.acks[0].appliedSeq).to.equal('3');
    expect(channel.acks[0].error).to.contain('expected seq 4');
    await waitFor(() => sites.errors.length === 1);
    expect(sites.errors[0]).to.match(/^outbox batch refused: gap/);
    expect(channel.open).to.equal(true);
  });

  it('refuses batches whose sequence numbers are not consecutive or not numbers', async () => {
    await open();
    inbox.onMessage!({ payload: 'outbox', outbox: { records: [record(1), record(3)] } });
    inbox.onMessage!({ payload: 'outbox', outbox: { records: [record('seven')] } });
    inbox.onMessage!({ payload: 'outbox', outbox: { records: [record(0)] } });
    await waitFor(() => channel.sent.length === 3);
    expect(channel.acks.map((a) => a.error)).to.deep.equal([
      'records must be consecutive: seq 3 follows seq 1',
      'record seq "seven" is not a sequence number',
      'record seq "0" is not a sequence number',
    ]);
    expect(applier.calls).to.have.length(0);
  });

  it('acks an empty batch with the applied sequence', async () => {
    await open(12);
    inbox.onMessage!({ payload: 'outbox', outbox: { records: [] } });
    await waitFor(() => channel.sent.length === 1);
    expect(channel.acks).to.deep.equal([{ appliedSeq: '12', error: '' }]);
  });

  it('refuses a batch the applier cannot decode, then goes on with the next one', async () => {
    await open();
    applier.refuseDecode = 'record seq 1 (job): field "owner" must be a string';
    inbox.onMessage!(batch(1, 2));
    await waitFor(() => channel.sent.length === 1);
    applier.refuseDecode = null;
    inbox.onMessage!(batch(1, 2));
    await waitFor(() => channel.sent.length === 2);
    expect(channel.acks).to.deep.equal([
      { appliedSeq: '0', error: 'record seq 1 (job): field "owner" must be a string' },
      { appliedSeq: '2', error: '' },
    ]);
    await waitFor(() => sites.errors.length === 2);
    expect(sites.errors[1]).to.equal(null);
  });

  it(`stores at most ${MAX_BATCHES_APPLYING} batches of a session at once`, async () => {
    await open();
    applier.delays = [20, 20, 20, 20, 20, 20];
    for (let i = 0; i < 6; i += 1) inbox.onMessage!(batch(i * 2 + 1, i * 2 + 2));
    await waitFor(() => channel.sent.length === 6);
    expect(applier.maxInFlight).to.equal(MAX_BATCHES_APPLYING);
    expect(channel.acks.at(-1)).to.deep.equal({ appliedSeq: '12', error: '' });
  });

  it('answers a database failure with an error ack and keeps the session', async () => {
    await open();
    applier.answers = [new Error('disk I/O error')];
    inbox.onMessage!(batch(1, 2));
    await waitFor(() => channel.sent.length === 1);
    inbox.onMessage!(batch(1, 2));
    await waitFor(() => channel.sent.length === 2);
    expect(channel.acks[0].appliedSeq).to.equal('0');
    expect(channel.acks[0].error).to.contain('could not store the batch');
    expect(channel.acks[0].error).not.to.contain('disk');
    expect(channel.acks[1]).to.deep.equal({ appliedSeq: '2', error: '' });
    expect(channel.open).to.equal(true);
  });

  it('refuses the batches submitted behind a failed one as gaps, then plans from the stored sequence', async () => {
    await open();
    applier.answers = [new Error('deadlock'), false];
    inbox.onMessage!(batch(1, 2));
    inbox.onMessage!(batch(3, 4));
    inbox.onMessage!(batch(1, 2));
    await waitFor(() => channel.sent.length === 3);
    expect(applier.calls.map((c) => c.expected)).to.deep.equal([0, 2]);
    expect(channel.acks.map((a) => a.appliedSeq)).to.deep.equal(['0', '0', '0']);
    expect(channel.acks[1].error).to.equal('gap in the outbox: expected seq 1; send from seq 1');
    expect(channel.acks[2].error).to.equal('gap in the outbox: expected seq 1; send from seq 1');
    inbox.onMessage!(batch(1, 4));
    await waitFor(() => channel.sent.length === 4);
    expect(applier.calls.at(-1)).to.deep.equal({ expected: 0, last: 4, count: 4 });
    expect(channel.acks[3]).to.deep.equal({ appliedSeq: '4', error: '' });
  });

  it('re-reads the applied sequence when another session moved it, and treats the batch as a replay', async () => {
    await open(3);
    applier.answers = [false];
    const moved = applier.apply.bind(applier);
    applier.apply = async (...args) => {
      const answer = await moved(...args);
      sites.state.appliedSeq = 5;
      return answer;
    };
    inbox.onMessage!(batch(4, 5));
    await waitFor(() => channel.sent.length === 1);
    expect(applier.calls).to.have.length(1);
    expect(channel.acks).to.deep.equal([{ appliedSeq: '5', error: '' }]);
  });

  it('ends the session when the site was revoked while a batch was applied', async () => {
    await open();
    applier.answers = [false];
    sites.state.revoked = true;
    inbox.onMessage!(batch(1, 1));
    await waitFor(() => channel.failure !== null);
    expect(channel.failure).to.contain('revoked');
    expect(channel.sent).to.have.length(0);
  });

  it(`ends a session that has more than ${MAX_QUEUED_BATCHES} batches waiting`, async () => {
    await open();
    applier.delays = [200];
    for (let i = 0; i <= MAX_QUEUED_BATCHES; i += 1) inbox.onMessage!(batch(1, 1));
    expect(channel.failure).to.contain(`more than ${MAX_QUEUED_BATCHES} outbox batches`);
  });

  it('ignores payloads that are not outbox batches', async () => {
    await open();
    inbox.onMessage!({ payload: 'directoryAck', directoryAck: { batch: '1', version: '1', error: '' } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(channel.sent).to.have.length(0);
  });

  it('keeps the outbox figures of each heartbeat for the site', async () => {
    await open();
    inbox.onHeartbeat!({
      sentAtMs: String(Date.now()),
      uptimeS: '5',
      rssBytes: '1000',
      outboxPending: '7',
      outboxOldestMs: '1700000000000',
      outboxLastSeq: '42',
    });
    const report = sites.replication.latest(SITE);
    expect(report).to.include({ pending: 7, lastSeq: 42 });
    expect(report?.oldestAt?.getTime()).to.equal(1_700_000_000_000);
    inbox.onHeartbeat!({
      sentAtMs: '0',
      uptimeS: '5',
      rssBytes: '1000',
      outboxPending: '0',
      outboxOldestMs: '0',
      outboxLastSeq: '42',
    });
    expect(sites.replication.latest(SITE)?.oldestAt).to.equal(null);
  });
});
