/**
 * Integration tests of the printer monitor's storage on a real database (SQLite and MariaDB), with a fake probe
 * and a settable clock: status rows written only on a change or to refresh them every ten minutes (and read
 * back after a restart), offline and back, not monitored, counter snapshots with their outbox records, observers
 * inside the storing transaction, sweeps within the concurrency bound, and the metrics.
 */
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { type DataSource } from 'typeorm';
import { createSilentLogger, ErrorCode, QuireError, TransactionUnitWriter } from '@quire/common';
import { type PrinterCounterRecord } from '@quire/shared-proto';
import { forEachDriver } from '@quire/testkit';
import { ReplicationOutbox } from '../src/federation/replication-outbox';
import {
  PrinterMonitor,
  PrinterStatusRepository,
  type PrinterMonitorOptions,
  type PrinterObservation,
  type PrinterObserver,
  type PrinterReading,
} from '../src/printers/monitoring';
import { PrinterRepository } from '../src/printers/printer.repository';
import { PrinterService } from '../src/printers/printer.service';
import {
  deriveForTests,
  FakeProbe,
  openMonitorDatabase,
  readingOf,
  recordingLogger,
  withToner,
} from './printers-monitor-fixtures';

const MINUTE = 60_000;
const T0 = Date.parse('2025-03-03T08:00:00.000Z');

forEachDriver('printer monitor storage', (_driver, getUrl) => {
  let dataSource: DataSource;
  let printers: PrinterService;
  let outbox: ReplicationOutbox;
  let writer: TransactionUnitWriter;
  let statusRows: PrinterStatusRepository;
  let probe: FakeProbe;
  let clock: number;
  let serial = 0;

  before(async () => {
    dataSource = await openMonitorDatabase(await getUrl());
    printers = new PrinterService({
      printers: new PrinterRepository(dataSource),
      logger: createSilentLogger(),
    });
    writer = new TransactionUnitWriter(dataSource);
    outbox = new ReplicationOutbox({ dataSource, writer, now: () => new Date(clock) });
    statusRows = new PrinterStatusRepository(dataSource);
  });

  after(async () => {
    await writer?.close();
    await dataSource?.destroy();
  });

  beforeEach(() => {
    probe = new FakeProbe();
    clock = T0;
  });

  function addPrinter(name = `mon-${(serial += 1)}`) {
    return printers.create({
      name,
      uri: `socket://127.0.0.${(serial % 200) + 2}:9100`,
      serial: `SN-${name}`,
    });
  }

  function monitorWith(options: Partial<PrinterMonitorOptions> = {}): PrinterMonitor {
    return new PrinterMonitor({
      dataSource,
      printers,
      probe,
      derive: deriveForTests,
      observers: [],
      outbox,
      intervalSeconds: 60,
      concurrency: 4,
      counterSnapshotMinutes: 15,
      logger: createSilentLogger(),
      now: () => new Date(clock),
      ...options,
    });
  }

  async function storedRow(printerId: string) {
    return (await statusRows.states([printerId])).get(printerId);
  }

  async function counterRecords(
    printerId: string,
  ): Promise<Array<{ key: string; body: PrinterCounterRecord }>> {
    const records = await outbox.read(1, 10_000);
    return records
      .filter((record) => record.kind === 'printer_counter')
      .map((record) => ({ key: record.key, body: JSON.parse(record.body) as PrinterCounterRecord }))
      .filter((record) => record.body.printerId === printerId);
  }

  it('writes the status row only when something changed, or after 10 minutes to refresh it', async () => {
    const printer = await addPrinter();
    const seen: Array<{ now: PrinterObservation; previous: PrinterObservation | null }> = [];
    const observer: PrinterObserver = {
      observe: async (_p, now, previous) => void seen.push({ now, previous }),
    };
    const monitor = monitorWith({ observers: [observer] });
    probe.answers.set(printer.id, readingOf());

    await monitor.pollNow(printer.id);
    expect((await storedRow(printer.id))?.observation.at.getTime()).to.equal(T0);

    clock = T0 + MINUTE;
    await monitor.pollNow(printer.id);
    expect((await storedRow(printer.id))?.observation.at.getTime(), 'unchanged: not written').to.equal(T0);
    expect((await monitor.current(printer.id))?.at.getTime(), 'the API sees the poll').to.equal(T0 + MINUTE);
    expect(seen).to.have.length(1);

    clock = T0 + 2 * MINUTE;
    probe.answers.set(printer.id, withToner(readingOf(), 39));
    await monitor.pollNow(printer.id);
    const written = await storedRow(printer.id);
    expect(written?.observation.at.getTime()).to.equal(T0 + 2 * MINUTE);
    expect(written?.lastReading?.supplies[0].levelPercent).to.equal(39);
    expect(seen).to.have.length(2);
    expect(seen[1].previous?.reading?.supplies[0].levelPercent).to.equal(40);
    expect(seen[1].now.reading?.supplies[0].levelPercent).to.equal(39);

    clock = T0 + 11 * MINUTE;
    await monitor.pollNow(printer.id);
    expect((await storedRow(printer.id))?.observation.at.getTime()).to.equal(T0 + 2 * MINUTE);
    clock = T0 + 12 * MINUTE;
    await monitor.pollNow(printer.id);
    expect((await storedRow(printer.id))?.observation.at.getTime(), 'refreshed').to.equal(T0 + 12 * MINUTE);

    // After a restart the stored state is the previous one: an unchanged poll writes nothing.
    const restarted = monitorWith({ observers: [observer] });
    clock = T0 + 13 * MINUTE;
    await restarted.pollNow(printer.id);
    expect((await storedRow(printer.id))?.observation.at.getTime()).to.equal(T0 + 12 * MINUTE);
    expect(seen).to.have.length(3);
    const stored = await storedRow(printer.id);
    expect(stored?.observation.reading).to.deep.equal(withToner(readingOf(), 39));
    expect(stored?.statusSince.getTime()).to.equal(T0);
  });

  it('marks a printer that stops answering offline with the reason, keeps its last supplies, and brings it back', async () => {
    const printer = await addPrinter();
    const { logger, lines } = recordingLogger();
    const seen: Array<{
      previous: PrinterObservation | null;
      lastReading: PrinterReading | null | undefined;
    }> = [];
    const observer: PrinterObserver = {
      observe: async (_p, _now, previous, _manager, lastReading) => void seen.push({ previous, lastReading }),
    };
    const monitor = monitorWith({ logger, observers: [observer] });
    probe.answers.set(printer.id, readingOf());
    await monitor.pollNow(printer.id);

    clock = T0 + MINUTE;
    probe.answers.set(
      printer.id,
      new QuireError(ErrorCode.SnmpTimeout, 'No answer from 127.0.0.9 after 2 retries'),
    );
    const offline = await monitor.pollNow(printer.id);
    expect(offline).to.deep.include({ status: 'offline', reasons: ['offline'], reading: null });
    expect(offline.error).to.equal('No answer from 127.0.0.9 after 2 retries');
    clock = T0 + 2 * MINUTE;
    await monitor.pollNow(printer.id);
    const stored = await storedRow(printer.id);
    expect(stored?.observation).to.deep.include({ status: 'offline', reasons: ['offline'], reading: null });
    expect(stored?.statusSince.getTime()).to.equal(T0 + MINUTE);
    expect(stored?.answeredAt?.getTime()).to.equal(T0);
    expect(stored?.lastReading?.supplies[0].levelPercent, 'last known toner').to.equal(40);

    clock = T0 + 3 * MINUTE;
    probe.answers.set(printer.id, new QuireError(ErrorCode.SnmpFailed, 'authentication failed'));
    expect((await monitor.pollNow(printer.id)).error).to.equal('authentication failed');

    clock = T0 + 4 * MINUTE;
    probe.answers.set(printer.id, readingOf());
    const back = await monitor.pollNow(printer.id);
    expect(back).to.deep.include({ status: 'idle', reasons: [], error: null });
    const again = await storedRow(printer.id);
    expect(again?.observation.status).to.equal('idle');
    expect(again?.statusSince.getTime()).to.equal(T0 + 4 * MINUTE);
    expect(again?.answeredAt?.getTime()).to.equal(T0 + 4 * MINUTE);
    // Observers judging the answer after the gap get the last answer before it, for counter milestones.
    const afterGap = seen[seen.length - 1];
    expect(afterGap.previous?.reading).to.equal(null);
    expect(afterGap.lastReading).to.deep.equal(readingOf());

    const changes = lines.filter((line) => line.message === 'printer status changed');
    expect(changes.map((line) => [line.from, line.status])).to.deep.equal([
      [null, 'idle'],
      ['idle', 'offline'],
      ['offline', 'idle'],
    ]);
    expect(changes[1]).to.deep.include({ printerId: printer.id, reasons: ['offline'] });
  });

  it('marks printers its probe does not read as not monitored, with the cause when the probe broke', async () => {
    const quiet = await addPrinter();
    const broken = await addPrinter();
    const monitor = monitorWith();
    probe.answers.set(quiet.id, null);
    probe.answers.set(broken.id, new QuireError(ErrorCode.SnmpProfileNotFound, 'No SNMP profile with id x'));

    expect(await monitor.pollNow(quiet.id)).to.deep.include({
      status: 'not monitored',
      reasons: [],
      error: null,
    });
    expect(await monitor.pollNow(broken.id)).to.deep.include({
      status: 'not monitored',
      error: 'No SNMP profile with id x',
    });
    expect((await storedRow(quiet.id))?.observation.status).to.equal('not monitored');
    expect((await storedRow(broken.id))?.observation.error).to.equal('No SNMP profile with id x');
  });

  it('stores counter snapshots when counters move (at most every N minutes) and daily, each queued for central', async () => {
    const printer = await addPrinter();
    const monitor = monitorWith();
    const at = async (minutes: number, total: number) => {
      clock = T0 + minutes * MINUTE;
      probe.answers.set(printer.id, readingOf({ counters: { total, mono: total - 10, color: 10 } }));
      await monitor.pollNow(printer.id);
    };
    await at(0, 1000);
    await at(5, 1010);
    await at(16, 1010);
    await at(40, 1010);
    await at(16 + 24 * 60 - 1, 1010);
    await at(16 + 24 * 60, 1010);

    const snapshots = await monitor.repository.snapshots(printer.id, { limit: 100 });
    expect(snapshots.map((s) => [s.takenAt.getTime(), s.total, s.mono, s.color])).to.deep.equal([
      [T0 + (16 + 24 * 60) * MINUTE, 1010, 1000, 10],
      [T0 + 16 * MINUTE, 1010, 1000, 10],
      [T0, 1000, 990, 10],
    ]);
    const ranged = await monitor.repository.snapshots(printer.id, {
      from: new Date(T0 + MINUTE),
      to: new Date(T0 + 20 * MINUTE),
      limit: 100,
    });
    expect(ranged.map((s) => s.total)).to.deep.equal([1010]);
    expect((await monitor.repository.snapshots(printer.id, { limit: 1 }))[0].id).to.equal(snapshots[0].id);

    const latest = await monitor.repository.latestSnapshots([
      printer.id,
      '00000000-0000-7000-8000-000000000000',
    ]);
    expect([...latest.values()].map((s) => s.id)).to.deep.equal([snapshots[0].id]);

    // A restarted monitor's sweep reads the last snapshot with everything else: no early snapshot follows.
    const restarted = monitorWith();
    clock = T0 + (16 + 24 * 60 + 5) * MINUTE;
    probe.answers.set(printer.id, readingOf({ counters: { total: 1020, mono: 1010, color: 10 } }));
    await restarted.sweep();
    expect(await monitor.repository.snapshots(printer.id, { limit: 100 })).to.have.length(3);

    const records = await counterRecords(printer.id);
    expect(records.map((r) => r.key)).to.deep.equal(snapshots.map((s) => s.id).reverse());
    expect(records[0].body).to.deep.equal({
      id: snapshots[2].id,
      printerId: printer.id,
      printerName: printer.name,
      serial: printer.serial,
      mac: 'aa:bb:cc:00:00:01',
      at: new Date(T0).toISOString(),
      total: 1000,
      mono: 990,
      color: 10,
    });
  });

  it('stores snapshots without queuing anything on a standalone site', async () => {
    const printer = await addPrinter();
    const monitor = monitorWith({ outbox: null });
    probe.answers.set(printer.id, readingOf());
    await monitor.pollNow(printer.id);
    expect(await monitor.repository.snapshots(printer.id, { limit: 10 })).to.have.length(1);
    expect(await counterRecords(printer.id)).to.deep.equal([]);
  });

  it('runs observers in the storing transaction: a failing one rolls the poll back, and the next poll stores it', async () => {
    const printer = await addPrinter();
    let failures = 1;
    const observer: PrinterObserver = {
      observe: async (_printer, _now, _previous, manager) => {
        expect(manager.queryRunner?.isTransactionActive).to.equal(true);
        if (failures > 0) {
          failures -= 1;
          throw new Error('event store unavailable');
        }
      },
    };
    const monitor = monitorWith({ observers: [observer] });
    probe.answers.set(printer.id, readingOf());
    let failed: unknown = null;
    await monitor.pollNow(printer.id).catch((err: unknown) => (failed = err));
    expect((failed as Error).message).to.equal('event store unavailable');
    expect(await storedRow(printer.id)).to.equal(undefined);
    expect(await monitor.repository.snapshots(printer.id, { limit: 10 })).to.deep.equal([]);
    expect(await counterRecords(printer.id)).to.deep.equal([]);

    clock = T0 + MINUTE;
    await monitor.pollNow(printer.id);
    expect((await storedRow(printer.id))?.observation.at.getTime()).to.equal(T0 + MINUTE);
    expect(await monitor.repository.snapshots(printer.id, { limit: 10 })).to.have.length(1);
    expect(await counterRecords(printer.id)).to.have.length(1);
  });

  it('sweeps every printer within the concurrency bound, counts the outcomes, and reports them in /metrics', async () => {
    const fleet = await Promise.all(Array.from({ length: 12 }, () => addPrinter()));
    const answers = [readingOf(), readingOf(), readingOf(), withToner(readingOf(), 5), null, null];
    fleet.forEach((printer, i) => {
      if (i < answers.length) probe.answers.set(printer.id, answers[i]);
      if (i === 6) probe.answers.set(printer.id, new Error('probe bug'));
    });
    probe.delayMs = 20;
    const metrics = new Registry();
    const monitor = monitorWith({ concurrency: 3, metrics });
    const listed = await printers.list();
    const result = await monitor.sweep();

    const others = listed.length - fleet.length;
    expect(result).to.deep.include({
      printers: listed.length,
      answered: 4,
      notMonitored: 2,
      failed: 1,
      offline: 5 + others,
    });
    expect(result.durationMs).to.be.greaterThan(0);
    expect(probe.maxInFlight).to.equal(3);
    expect(probe.reads).to.have.length(listed.length);

    const text = await metrics.metrics();
    expect(text).to.match(/quire_printer_polls_total\{outcome="answered"\} 4/);
    expect(text).to.match(/quire_printer_polls_total\{outcome="failed"\} 1/);
    expect(text).to.match(/quire_printer_poll_duration_seconds_count\{outcome="not_monitored"\} 2/);
    const states = await monitor.states(fleet.map((p) => p.id));
    const warning = [...states.values()].filter((s) => s.observation.status === 'warning').length;
    expect(warning).to.equal(1);
    expect(text).to.match(/quire_printers_by_status\{status="warning"\} [1-9]/);
    expect(text).to.match(/quire_printers_by_status\{status="printing"\} 0/);
  });
});
