/**
 * Integration tests of replication up, site → central, over real gRPC on 127.0.0.1, on SQLite and MariaDB: the
 * site's job core (intake, analysis, the job state machine) writes the outbox, the OutboxSender sends it through
 * a real CentralLink, and central's real FederationServer hands every OutboxBatch to a recording participant
 * that applies records in sequence order, acks the highest contiguous one, and can drop the session mid-stream.
 * Covers: order with no gap and no duplicate (also around a rolled-back transaction that took numbers), pruning,
 * audit records, heartbeat figures, records written while central is down, and resending from the sequence
 * central reports in welcome after a drop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FederationServer, type SessionParticipantFactory } from '@quire/central/dist/src/federation';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import {
  AuditLogRepository,
  AuditService,
  createSilentLogger,
  ErrorCode,
  newId,
  QuireError,
  randomToken,
} from '@quire/common';
import {
  int64ToNumber,
  type JobEventRecord,
  type JobRecord,
  type OutboxRecord__Output,
  type SiteHeartbeat__Output,
} from '@quire/shared-proto';
import { forEachDriver } from '@quire/testkit';
import { CentralLink, OutboxSender } from '../src/federation';
import { type IncomingJob } from '../src/intake/intake-port';
import { openJobCore, type JobCore } from './fixtures/job-core';

/** Sites known to the test central: single-use tokens, per-site credentials. */
class MemoryAuthority {
  readonly tokens = new Set<string>(['token-1']);
  private readonly sites = new Map<string, string>();

  async enrol(token: string, info: { siteName: string }) {
    if (!this.tokens.delete(token)) {
      throw new QuireError(ErrorCode.EnrolmentTokenInvalid, 'enrolment token is invalid, used or expired');
    }
    const siteId = newId();
    const credential = randomToken();
    this.sites.set(siteId, credential);
    return { siteId, siteName: info.siteName, credential };
  }

  async authenticate(siteId: string, credential: string) {
    return this.sites.get(siteId) === credential ? { id: siteId, name: 'Branch A' } : null;
  }

  async recordSeen(): Promise<void> {}
}

/** One session as the recording central saw it. */
interface SessionLog {
  welcomeApplied: number;
  firstSeq: number | null;
  lastAck: number;
}

/**
 * Central's side of replication, kept small: applies records strictly in sequence order (a record at or below
 * `applied` is a duplicate, one beyond `applied + 1` a gap), acks the highest contiguous sequence, and on request
 * drops the session after a number of batches, with or without keeping the last one.
 */
class RecordingCentral {
  applied = 0;
  readonly records = new Map<number, OutboxRecord__Output>();
  readonly sessions: SessionLog[] = [];
  readonly gaps: number[] = [];
  duplicates = 0;
  lastHeartbeat: SiteHeartbeat__Output | null = null;
  private drop: { remaining: number; keepLast: boolean } | null = null;

  /** Drop the session after `batches` more batches; `keepLast`: the last one counts as applied though unacked. */
  dropAfter(batches: number, keepLast: boolean): void {
    this.drop = { remaining: batches, keepLast };
  }

  get dropPending(): boolean {
    return this.drop !== null;
  }

  readonly factory: SessionParticipantFactory = (channel) => {
    const log: SessionLog = { welcomeApplied: 0, firstSeq: null, lastAck: 0 };
    return {
      welcome: async () => {
        log.welcomeApplied = this.applied;
        this.sessions.push(log);
        return { appliedSeq: this.applied };
      },
      onHeartbeat: (heartbeat) => {
        this.lastHeartbeat = heartbeat;
      },
      onMessage: (message) => {
        if (message.payload !== 'outbox' || !message.outbox) return;
        const before = this.applied;
        for (const record of message.outbox.records) {
          log.firstSeq ??= Number(record.seq);
          this.apply(record);
        }
        if (this.drop && --this.drop.remaining <= 0) {
          if (!this.drop.keepLast) this.rollBackTo(before);
          this.drop = null;
          channel.fail('test: the connection drops mid-stream', true);
          return;
        }
        log.lastAck = this.applied;
        channel.send({ outboxAck: { appliedSeq: this.applied } });
      },
    };
  };

  private apply(record: OutboxRecord__Output): void {
    const seq = Number(record.seq);
    if (seq <= this.applied) this.duplicates += 1;
    else if (seq !== this.applied + 1) this.gaps.push(seq);
    else {
      this.records.set(seq, record);
      this.applied = seq;
    }
  }

  private rollBackTo(seq: number): void {
    for (let s = seq + 1; s <= this.applied; s += 1) this.records.delete(s);
    this.applied = seq;
  }
}

function incoming(index: number): IncomingJob {
  return {
    queueName: 'Default',
    protocol: 'ipp',
    clientAddress: '192.0.2.10',
    senderUser: `user${index % 7}`,
    senderHost: 'pc-17',
    jobName: `report-${index}.pdf`,
    copies: 1,
    documentFormat: 'application/pdf',
  };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

forEachDriver('outbox replication to central', (_driver, getUrl) => {
  let base: string;
  let core: JobCore;
  let registry: Registry;
  let authority: MemoryAuthority;
  let central: RecordingCentral;
  let server: FederationServer | null = null;
  let port = 0;
  let link: CentralLink;
  let submitted = 0;

  const outbox = () => core.outbox!;
  const startCentral = async () => {
    server = new FederationServer({
      authority,
      logger: createSilentLogger(),
      metrics: new Registry(),
      heartbeatSeconds: 1,
      heartbeatTimeoutSeconds: 3,
      centralVersion: 'test',
      participants: [central.factory],
    });
    port = await server.start('127.0.0.1', port);
  };
  const submitJobs = async (count: number) => {
    const first = submitted;
    submitted += count;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        core.intake.submit(incoming(first + i), Readable.from([Buffer.from(`%PDF-1.7 job ${first + i}`)])),
      ),
    );
    await core.analysis.drain();
  };
  const outboxRows = async () =>
    Number((await core.dataSource.query('SELECT COUNT(*) AS n FROM federation_outbox'))[0].n);
  /** Every committed change queued two records (job and event), and every audit row one. */
  const expectedLastSeq = async () =>
    2 * (await core.dataSource.getRepository('job_events').count()) +
    (await core.dataSource.getRepository('audit_log').count());

  before(async function () {
    this.timeout(60_000);
    base = mkdtempSync(path.join(tmpdir(), 'quire-outbox-it-'));
    registry = new Registry();
    core = await openJobCore({
      url: await getUrl(),
      spoolDir: path.join(base, 'spool'),
      analysis: { workers: 1 },
      replication: { metrics: registry },
    });
    outbox().recordAuditLog();
    await core.queues.create({ name: 'Default', type: 'pull' });
    await core.intake.recoverAtStartup();
    authority = new MemoryAuthority();
    central = new RecordingCentral();
    await startCentral();
    link = new CentralLink({
      address: `127.0.0.1:${port}`,
      tls: { enabled: false },
      enrolmentToken: 'token-1',
      siteName: 'Branch A',
      siteVersion: '0.1.0',
      dataDir: path.join(base, 'data'),
      heartbeatSeconds: 1,
      heartbeatTimeoutSeconds: 3,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      logger: createSilentLogger(),
      metrics: registry,
      participants: [
        new OutboxSender({ outbox: outbox(), logger: createSilentLogger(), batchSize: 50, window: 3 }),
      ],
    });
    link.start();
    await waitFor(() => link.status().state === 'connected');
  });

  after(async function () {
    this.timeout(30_000);
    await link?.stop();
    await server?.stop(500);
    await core?.close();
    await core?.dataSource.destroy();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('delivers every job change and audit entry in order, with no gap or duplicate, and prunes them', async function () {
    this.timeout(60_000);
    const audit = new AuditService(new AuditLogRepository(core.dataSource));
    const rolledBack = core.dataSource.transaction(async (tx) => {
      await audit.record(
        { actorName: 'admin', action: 'queue.delete', targetType: 'queue', outcome: 'ok' },
        tx,
      );
      throw new Error('the audited change failed');
    });
    expect(await rolledBack.catch((err: Error) => err.message)).to.equal('the audited change failed');
    await submitJobs(60);
    const entry = await audit.record({
      actorName: 'admin',
      action: 'queue.update',
      targetType: 'queue',
      outcome: 'ok',
    });
    const last = await expectedLastSeq();
    expect(last).to.equal(60 * 4 + 1);
    await waitFor(() => central.applied === last);
    expect(central.gaps).to.deep.equal([]);
    expect(central.duplicates).to.equal(0);
    expect([...central.records.keys()]).to.deep.equal(Array.from({ length: last }, (_, i) => i + 1));

    const received = [...central.records.values()];
    const bodyOf = <T>(r: OutboxRecord__Output) => JSON.parse(r.body.toString('utf8')) as T;
    const events = received.filter((r) => r.kind === 'job_event');
    const eventIds = (await core.dataSource.getRepository('job_events').find()).map(
      (e) => (e as { id: string }).id,
    );
    expect(events.map((r) => r.key)).to.have.members(eventIds);
    const latest = new Map<string, JobRecord>();
    for (const r of received.filter((r) => r.kind === 'job')) latest.set(r.key, bodyOf<JobRecord>(r));
    expect(latest.size).to.equal(60);
    for (const job of await core.repository.list({ limit: 100 })) {
      expect(latest.get(job.id)).to.include({ state: job.state, owner: job.owner, queueName: 'Default' });
    }
    const creations = events.map((r) => bodyOf<JobEventRecord>(r)).filter((e) => e.fromState === null);
    expect(creations).to.have.length(60);
    expect(received.filter((r) => r.kind === 'audit').map((r) => r.key)).to.deep.equal([entry.id]);

    await waitFor(async () => (await outboxRows()) === 0);
    expect(await outbox().figures()).to.deep.include({ lastSeq: last, ackedSeq: last, pending: 0 });
    await waitFor(() => int64ToNumber(central.lastHeartbeat?.outboxLastSeq) === last, 5000);
    expect(int64ToNumber(central.lastHeartbeat?.outboxPending)).to.equal(0);
  });

  it('keeps what is written while central is down, and sends it once central is back', async function () {
    this.timeout(60_000);
    const before = central.applied;
    await server!.stop(200);
    server = null;
    await waitFor(() => link.status().state === 'connecting');
    await submitJobs(20);
    const last = await expectedLastSeq();
    expect(last - before).to.equal(80);
    const figures = await outbox().figures();
    expect(figures).to.deep.include({ lastSeq: last, ackedSeq: before, pending: 80 });
    expect(await outboxRows()).to.equal(80);
    const pendingGauge = (await registry.getSingleMetric('quire_outbox_pending_records')?.get())?.values[0];
    expect(pendingGauge?.value).to.equal(80);
    expect(central.applied).to.equal(before);

    await startCentral();
    await waitFor(() => central.applied === last);
    await waitFor(async () => (await outboxRows()) === 0);
    expect(central.gaps).to.deep.equal([]);
    expect(central.duplicates).to.equal(0);
    expect(central.sessions.at(-1)?.welcomeApplied).to.equal(before);
  });

  it('sends again from the sequence central reports in welcome after the session drops mid-stream', async function () {
    this.timeout(60_000);
    for (const keepLast of [true, false]) {
      const sessionsBefore = central.sessions.length;
      central.dropAfter(2, keepLast);
      await submitJobs(40);
      await waitFor(() => !central.dropPending && central.sessions.length > sessionsBefore);
      const last = await expectedLastSeq();
      await waitFor(() => central.applied === last);
      const dropped = central.sessions[sessionsBefore - 1];
      const resumed = central.sessions[sessionsBefore];
      expect(resumed.firstSeq, `keepLast=${keepLast}`).to.equal(resumed.welcomeApplied + 1);
      if (keepLast) expect(resumed.welcomeApplied).to.be.greaterThan(dropped.lastAck);
      else expect(resumed.welcomeApplied).to.equal(dropped.lastAck);
    }
    expect(central.gaps).to.deep.equal([]);
    expect(central.duplicates).to.equal(0);
    expect([...central.records.keys()]).to.deep.equal(
      Array.from({ length: central.applied }, (_, i) => i + 1),
    );
    await waitFor(async () => (await outboxRows()) === 0);
  });
});
