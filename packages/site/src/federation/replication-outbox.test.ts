/**
 * The replication outbox on a real SQLite file, with the site's migrations: sequence numbers stay gap-free when
 * a transaction or a write unit that took some rolls back, also under concurrent units on the writer thread;
 * every job creation and transition queues its job and event records; audit rows queue theirs in the same
 * transaction; acknowledgements prune; the figures, the gauges and the commit announcements are right.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { type DataSource } from 'typeorm';
import {
  AuditLogRepository,
  AuditService,
  createUnitWriter,
  ErrorCode,
  executeUnit,
  isQuireError,
  newId,
  openDatabase,
  setAuditInsertHook,
  type UnitWriter,
} from '@quire/common';
import { type AuditRecord, type JobEventRecord, type JobRecord } from '@quire/shared-proto';
import { jobCoreEntities, jobCoreMigrations } from '../job-core';
import { type JobEntity } from '../jobs/job.entity';
import { JobRepository } from '../jobs/job.repository';
import { JobStateMachine } from '../jobs/job-state-machine';
import { ReplicationOutbox, type OutboxDraft } from './replication-outbox';

function draft(key: string): OutboxDraft {
  return { kind: 'audit', key, body: { id: key } as AuditRecord };
}

function jobRow(number: number): JobEntity {
  return {
    id: newId(),
    number,
    name: `report-${number}.pdf`,
    owner: 'alice',
    ownerMethod: 'sender',
    queueId: newId(),
    queueName: 'Default',
    state: 'processing',
    stateReason: null,
    protocol: 'ipp',
    clientAddress: '192.0.2.10',
    senderUser: 'alice',
    senderHost: 'pc-17',
    holdRequested: false,
    submittedAt: new Date('2026-01-02T03:04:05.678Z'),
    processedAt: null,
    completedAt: null,
    sizeBytes: 1234,
    sha256: 'a'.repeat(64),
    documentFormat: 'application/pdf',
    spoolPath: `jobs/${number}.prn`,
    copies: 1,
    attributes: '{}',
    pdl: null,
    pages: null,
    colorPages: null,
    monoPages: null,
    duplex: null,
    paper: null,
    impressions: null,
    sheets: null,
    favourite: false,
    printerId: null,
    printAttempts: 0,
    releasedBy: null,
    documentRemovedAt: null,
    analysis: null,
  };
}

describe('replication outbox', () => {
  let base: string;
  let dataSource: DataSource;
  let writer: UnitWriter;
  let outbox: ReplicationOutbox;
  let registry: Registry;

  const seqs = async () => (await outbox.read(1, 10_000)).map((r) => r.seq);
  const rollback = new Error('roll this back');

  beforeEach(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'quire-outbox-'));
    ({ dataSource } = await openDatabase({
      url: `sqlite:${path.join(base, 'site.db')}`,
      entities: jobCoreEntities,
      migrations: jobCoreMigrations,
    }));
    writer = createUnitWriter(dataSource);
    registry = new Registry();
    outbox = new ReplicationOutbox({ dataSource, writer, metrics: registry });
  });

  afterEach(async () => {
    setAuditInsertHook(dataSource, null);
    await writer.close();
    await dataSource.destroy();
    rmSync(base, { recursive: true, force: true });
  });

  it('gives numbers back when the transaction that took them rolls back, so there is no gap', async () => {
    await dataSource.transaction((tx) => executeUnit(tx, { statements: outbox.plan([draft('a')]) }));
    const failed = dataSource.transaction(async (tx) => {
      await executeUnit(tx, { statements: outbox.plan([draft('b'), draft('c')]) });
      throw rollback;
    });
    expect(await failed.catch((err: unknown) => err)).to.equal(rollback);
    await dataSource.transaction((tx) => executeUnit(tx, { statements: outbox.plan([draft('d')]) }));
    const records = await outbox.read(1, 10);
    expect(records.map((r) => [r.seq, r.key])).to.deep.equal([
      [1, 'a'],
      [2, 'd'],
    ]);
    expect((await outbox.figures()).lastSeq).to.equal(2);
  });

  it('stays gap-free on the writer thread, with a unit not applied among 60 concurrent ones', async () => {
    const impossible = {
      sql: 'UPDATE federation_outbox_counter SET acked_seq = acked_seq WHERE id = 999',
      params: [],
      expectChanges: 1,
    };
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        writer.submit({
          statements:
            i % 10 === 3
              ? [...outbox.plan([draft(`lost-${i}`)]), impossible]
              : outbox.plan([draft(`kept-${i}-1`), draft(`kept-${i}-2`)]),
        }),
      ),
    );
    expect(outcomes.filter((o) => !o.applied)).to.have.length(6);
    const records = await outbox.read(1, 1000);
    expect(records.map((r) => r.seq)).to.deep.equal(Array.from({ length: 108 }, (_, i) => i + 1));
    expect(records.some((r) => r.key.startsWith('lost'))).to.equal(false);
    // The two records of one unit are numbered together and in the order given.
    for (let i = 0; i < records.length; i += 2) {
      expect(records[i].key.replace(/-1$/, '')).to.equal(records[i + 1].key.replace(/-2$/, ''));
    }
  });

  it('queues the job and its event for every creation and transition, and nothing for a refused one', async () => {
    const machine = new JobStateMachine({
      jobs: new JobRepository(dataSource),
      observers: [outbox.jobObserver],
    });
    const job = await machine.create(jobRow(7), { role: 'intake' }, dataSource.manager);
    const ready = await machine.transition(
      job,
      'ready',
      { actor: { role: 'router' }, columns: { pdl: 'pdf', pages: 3 } },
      dataSource.manager,
    );
    const stale = machine.transition(job, 'paused', { actor: { role: 'router' } }, dataSource.manager);
    expect(isQuireError(await stale.catch((e: unknown) => e), ErrorCode.JobStateConflict)).to.equal(true);
    await machine.transition(
      ready,
      'deleted',
      { actor: { role: 'owner', name: 'alice' } },
      dataSource.manager,
    );

    const records = await outbox.read(1, 100);
    expect(records.map((r) => [r.seq, r.kind])).to.deep.equal([
      [1, 'job'],
      [2, 'job_event'],
      [3, 'job'],
      [4, 'job_event'],
      [5, 'job'],
      [6, 'job_event'],
    ]);
    const jobs = records.filter((r) => r.kind === 'job').map((r) => JSON.parse(r.body) as JobRecord);
    expect(jobs.map((j) => [j.id, j.state, j.pdl, j.pages])).to.deep.equal([
      [job.id, 'processing', null, null],
      [job.id, 'ready', 'pdf', 3],
      [job.id, 'deleted', 'pdf', 3],
    ]);
    expect(jobs[0]).to.include({ number: 7, owner: 'alice', submittedAt: '2026-01-02T03:04:05.678Z' });
    expect(jobs[0]).to.not.have.property('spoolPath');
    expect(jobs[2].completedAt).to.be.a('string');
    const events = records.filter((r) => r.kind === 'job_event');
    const bodies = events.map((r) => JSON.parse(r.body) as JobEventRecord);
    expect(bodies.map((e) => [e.fromState, e.toState, e.actor])).to.deep.equal([
      [null, 'processing', 'intake'],
      ['processing', 'ready', 'router'],
      ['ready', 'deleted', 'owner:alice'],
    ]);
    expect(events.map((r) => r.key)).to.deep.equal(bodies.map((e) => e.id));
    const stored = await new JobRepository(dataSource).eventsOf(job.id);
    expect(stored.map((e) => e.id)).to.have.members(bodies.map((e) => e.id));
  });

  it('queues an audit record with each audit row, and neither when the audited transaction rolls back', async () => {
    outbox.recordAuditLog();
    const audit = new AuditService(new AuditLogRepository(dataSource));
    const entry = { actorName: 'admin', action: 'queue.create', targetType: 'queue', outcome: 'ok' as const };
    const row = await audit.record({ ...entry, targetId: 'q1', details: { name: 'Default' } });
    const failed = dataSource.transaction(async (tx) => {
      await audit.record({ ...entry, targetId: 'q2' }, tx);
      throw rollback;
    });
    expect(await failed.catch((err: unknown) => err)).to.equal(rollback);

    const records = await outbox.read(1, 10);
    expect(records.map((r) => [r.seq, r.kind, r.key])).to.deep.equal([[1, 'audit', row.id]]);
    expect(JSON.parse(records[0].body)).to.deep.equal({
      id: row.id,
      at: row.at.toISOString(),
      actorId: null,
      actorName: 'admin',
      action: 'queue.create',
      targetType: 'queue',
      targetId: 'q1',
      details: '{"name":"Default"}',
      outcome: 'ok',
      remoteAddr: '',
      requestId: '',
    });
    expect(await new AuditLogRepository(dataSource).find()).to.have.length(1);
  });

  it('prunes what central applied, never moves the acknowledgement back, and reports the figures', async () => {
    for (const key of ['a', 'b', 'c', 'd', 'e'])
      await writer.submit({ statements: outbox.plan([draft(key)]) });
    const fourth = (await outbox.read(4, 1))[0];
    await outbox.acknowledge(3);
    await outbox.acknowledge(2);
    expect(await seqs()).to.deep.equal([4, 5]);
    const figures = await outbox.figures();
    expect(figures).to.deep.include({ lastSeq: 5, ackedSeq: 3, pending: 2 });
    expect(figures.oldestAt?.getTime()).to.equal(fourth.atMs);

    const metrics = await registry.getMetricsAsJSON();
    const value = (name: string) => metrics.find((m) => m.name === name)?.values[0]?.value;
    expect(value('quire_outbox_pending_records')).to.equal(2);
    expect(value('quire_outbox_last_seq')).to.equal(5);
    expect(value('quire_outbox_acked_seq')).to.equal(3);
    expect(value('quire_outbox_oldest_record_age_seconds')).to.be.within(0, 60);

    await outbox.acknowledge(5);
    expect(await outbox.figures()).to.deep.equal({ lastSeq: 5, ackedSeq: 5, pending: 0, oldestAt: null });
  });

  it('reads in batches from a sequence number, in order', async () => {
    await writer.submit({ statements: outbox.plan(Array.from({ length: 25 }, (_, i) => draft(`k${i}`))) });
    const batch = await outbox.read(11, 10);
    expect(batch.map((r) => r.seq)).to.deep.equal(Array.from({ length: 10 }, (_, i) => i + 11));
    expect(batch.map((r) => r.key)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `k${i + 10}`));
    expect(await outbox.read(26, 10)).to.deep.equal([]);
  });

  it('continues numbering after a position central holds beyond the counter, and only then', async () => {
    await writer.submit({ statements: outbox.plan([draft('a')]) });
    expect(await outbox.continueAfter(40)).to.equal(true);
    expect(await outbox.continueAfter(10)).to.equal(false);
    await writer.submit({ statements: outbox.plan([draft('b')]) });
    expect(await seqs()).to.deep.equal([1, 41]);
  });

  it('announces commits of the notifying writer and of TypeORM transactions, but not of units not applied', async () => {
    let announced = 0;
    const stop = outbox.onWritten(() => (announced += 1));
    const notifying = outbox.notifyingWriter();
    await notifying.submit({ statements: outbox.plan([draft('a')]) });
    expect(announced).to.equal(1);
    await notifying.submit({
      statements: [
        { sql: 'UPDATE federation_outbox_counter SET id = id WHERE id = 2', params: [], expectChanges: 1 },
      ],
    });
    expect(announced).to.equal(1);
    await dataSource.transaction((tx) => executeUnit(tx, { statements: outbox.plan([draft('b')]) }));
    expect(announced).to.equal(2);
    stop();
    await notifying.submit({ statements: outbox.plan([draft('c')]) });
    expect(announced).to.equal(2);
  });
});
