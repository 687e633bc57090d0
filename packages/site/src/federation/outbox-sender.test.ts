/**
 * The outbox sender against a real outbox (SQLite, the site's migrations) and an in-process LinkChannel that
 * records what would go on the wire: where it starts after welcome, the batch size and the window of unacked
 * batches, back-pressure, refusals, prompt wake-ups on commits, protocol violations, session changes and the
 * heartbeat figures. The sender over a real gRPC session is tested in test/federation-outbox.test.ts.
 */
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import { createSilentLogger, createUnitWriter, openDatabase, type UnitWriter } from '@quire/common';
import {
  int64ToNumber,
  type AuditRecord,
  type CentralMessage__Output,
  type OutboxRecord,
  type SiteMessage,
  type Welcome__Output,
} from '@quire/shared-proto';
import { jobCoreEntities, jobCoreMigrations } from '../job-core';
import { type LinkChannel } from './link-participant';
import { OutboxSender, type OutboxSenderOptions } from './outbox-sender';
import { ReplicationOutbox } from './replication-outbox';

/** What the session would send, with switchable back-pressure. */
class RecordingChannel implements LinkChannel {
  readonly batches: OutboxRecord[][] = [];
  accepting = true;
  open = true;
  failure: string | null = null;
  private waiters: Array<() => void> = [];

  send(message: SiteMessage): boolean {
    this.batches.push(message.outbox?.records ?? []);
    return this.accepting;
  }

  drained(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  drain(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  fail(reason: string): void {
    this.failure = reason;
    this.open = false;
  }

  /** First and last sequence number of each batch sent. */
  get ranges(): Array<[number, number]> {
    return this.batches.map((b) => [Number(b[0].seq), Number(b[b.length - 1].seq)]);
  }
}

function welcome(appliedSeq: number): Welcome__Output {
  return {
    centralVersion: 'test',
    protocolVersion: 1,
    heartbeatSeconds: 1,
    serverTimeMs: String(Date.now()),
    appliedSeq: String(appliedSeq),
    lookupKey: '',
  };
}

function ack(appliedSeq: number, error = ''): CentralMessage__Output {
  return { payload: 'outboxAck', outboxAck: { appliedSeq: String(appliedSeq), error } };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('outbox sender', () => {
  let dataSource: DataSource;
  let writer: UnitWriter;
  let outbox: ReplicationOutbox;
  const senders: OutboxSender[] = [];

  const write = (count: number, prefix = 'r') =>
    outbox.notifyingWriter().submit({
      statements: outbox.plan(
        Array.from({ length: count }, (_, i) => ({
          kind: 'audit' as const,
          key: `${prefix}${i}`,
          body: { id: `${prefix}${i}` } as AuditRecord,
        })),
      ),
    });

  const newSender = (options: Partial<OutboxSenderOptions> = {}) => {
    const sender = new OutboxSender({ outbox, logger: createSilentLogger(), pollMs: 60_000, ...options });
    senders.push(sender);
    return sender;
  };

  beforeEach(async () => {
    ({ dataSource } = await openDatabase({
      url: 'sqlite::memory:',
      entities: jobCoreEntities,
      migrations: jobCoreMigrations,
    }));
    writer = createUnitWriter(dataSource);
    outbox = new ReplicationOutbox({ dataSource, writer });
  });

  afterEach(async () => {
    for (const sender of senders.splice(0)) sender.onClosed();
    await writer.close();
    await dataSource.destroy();
  });

  it('starts after the applied sequence, keeps the window, and prunes what central acknowledges', async () => {
    await write(30);
    const sender = newSender({ batchSize: 5, window: 2 });
    const channel = new RecordingChannel();
    sender.onEstablished(channel, welcome(4));
    await waitFor(() => channel.batches.length === 2);
    await settle();
    expect(channel.ranges).to.deep.equal([
      [5, 9],
      [10, 14],
    ]);
    expect((await outbox.read(1, 1))[0].seq, 'pruned up to the welcome').to.equal(5);

    sender.onMessage(ack(9));
    await waitFor(() => channel.batches.length === 3);
    sender.onMessage(ack(19));
    await waitFor(() => channel.batches.length === 5);
    sender.onMessage(ack(29));
    await waitFor(() => channel.batches.length === 6);
    await settle();
    expect(channel.ranges.slice(2)).to.deep.equal([
      [15, 19],
      [20, 24],
      [25, 29],
      [30, 30],
    ]);
    await waitFor(async () => (await outbox.figures()).ackedSeq === 29);
    expect((await outbox.read(1, 10)).map((r) => r.seq)).to.deep.equal([30]);
    const record = channel.batches[0][0];
    expect(record).to.include({ kind: 'audit', key: 'r4' });
    expect(JSON.parse((record.body as Buffer).toString('utf8'))).to.deep.equal({ id: 'r4' });
    expect(int64ToNumber(record.atMs as number)).to.be.closeTo(Date.now(), 10_000);
  });

  it('waits for the stream to drain when it is full', async () => {
    await write(20);
    const channel = new RecordingChannel();
    channel.accepting = false;
    newSender({ batchSize: 5 }).onEstablished(channel, welcome(0));
    await waitFor(() => channel.batches.length === 1);
    await settle();
    expect(channel.batches).to.have.length(1);
    channel.drain();
    await waitFor(() => channel.batches.length === 2);
    channel.accepting = true;
    channel.drain();
    await waitFor(() => channel.batches.length === 4);
    expect(channel.ranges[3]).to.deep.equal([16, 20]);
  });

  it('stops after a refusal, then sends again from the applied sequence after the pause', async () => {
    await write(20);
    const sender = newSender({ batchSize: 5, errorPauseMs: 300 });
    const channel = new RecordingChannel();
    sender.onEstablished(channel, welcome(0));
    await waitFor(() => channel.batches.length === 4);
    sender.onMessage(ack(5, 'record 6 does not parse'));
    await write(5, 'late');
    await settle();
    expect(channel.batches, 'nothing is sent during the pause').to.have.length(4);
    await waitFor(() => channel.batches.length === 8);
    expect(channel.ranges.slice(4)).to.deep.equal([
      [6, 10],
      [11, 15],
      [16, 20],
      [21, 25],
    ]);
  });

  it('sends records as soon as their transaction commits, without waiting for the poll', async () => {
    const channel = new RecordingChannel();
    newSender().onEstablished(channel, welcome(0));
    await settle();
    expect(channel.batches).to.deep.equal([]);
    const started = Date.now();
    await write(3);
    await waitFor(() => channel.batches.length === 1, 500);
    expect(Date.now() - started).to.be.below(500);
    expect(channel.ranges).to.deep.equal([[1, 3]]);
  });

  it('ends the session when central acknowledges records that were never sent', async () => {
    await write(3);
    const sender = newSender();
    const channel = new RecordingChannel();
    sender.onEstablished(channel, welcome(0));
    await waitFor(() => channel.batches.length === 1);
    sender.onMessage(ack(9));
    expect(channel.failure).to.match(/acknowledged outbox record 9/);
    expect((await outbox.figures()).ackedSeq).to.equal(0);
  });

  it('sends nothing once the session closed, and starts the next one where its welcome says', async () => {
    await write(10);
    const sender = newSender({ batchSize: 4 });
    const first = new RecordingChannel();
    sender.onEstablished(first, welcome(0));
    await waitFor(() => first.batches.length === 3);
    sender.onClosed();
    await write(2, 'while-down');
    await settle();
    expect(first.batches).to.have.length(3);
    const second = new RecordingChannel();
    sender.onEstablished(second, welcome(6));
    await waitFor(() => second.batches.length === 2);
    expect(second.ranges).to.deep.equal([
      [7, 10],
      [11, 12],
    ]);
  });

  it('adds the outbox lag to heartbeats', async () => {
    const sender = newSender({ pollMs: 50 });
    expect(sender.heartbeat()).to.deep.equal({});
    await write(7);
    sender.onEstablished(new RecordingChannel(), welcome(2));
    await waitFor(() => sender.heartbeat().outboxPending === 5);
    const oldest = (await outbox.read(3, 1))[0];
    expect(sender.heartbeat()).to.deep.equal({
      outboxPending: 5,
      outboxOldestMs: oldest.atMs,
      outboxLastSeq: 7,
    });
  });
});
