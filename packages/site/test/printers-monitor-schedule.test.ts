/**
 * Integration tests of the printer monitor running on its schedule (real timers, a short interval) on a real
 * database (SQLite and MariaDB), with a fake probe: every printer polled once per interval, new printers picked
 * up, the status rows of deleted printers dropped (also those deleted while the monitor was stopped), nothing
 * polled after stop, and a stop that comes before the start has finished.
 */
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import { createSilentLogger, newId } from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { PrinterMonitor, PrinterStatusRepository } from '../src/printers/monitoring';
import { PrinterRepository } from '../src/printers/printer.repository';
import { PrinterService } from '../src/printers/printer.service';
import { deriveForTests, FakeProbe, openMonitorDatabase, readingOf } from './printers-monitor-fixtures';

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

forEachDriver('printer monitor schedule', (_driver, getUrl) => {
  let dataSource: DataSource;
  let printers: PrinterService;
  let repository: PrinterStatusRepository;
  let probe: FakeProbe;

  before(async () => {
    dataSource = await openMonitorDatabase(await getUrl());
    printers = new PrinterService({
      printers: new PrinterRepository(dataSource),
      logger: createSilentLogger(),
    });
    repository = new PrinterStatusRepository(dataSource);
  });

  after(async () => {
    await dataSource?.destroy();
  });

  beforeEach(() => {
    probe = new FakeProbe();
  });

  function monitor(): PrinterMonitor {
    return new PrinterMonitor({
      dataSource,
      printers,
      probe,
      derive: deriveForTests,
      observers: [],
      outbox: null,
      intervalSeconds: 0.2,
      concurrency: 2,
      counterSnapshotMinutes: 15,
      logger: createSilentLogger(),
    });
  }

  it('polls every printer each interval, picks up new ones and drops the rows of deleted ones', async () => {
    const ghost = newId();
    const now = new Date();
    await repository.save({
      observation: { printerId: ghost, at: now, reading: null, status: 'offline', reasons: [], error: null },
      lastReading: null,
      answeredAt: null,
      statusSince: now,
    });
    const first = await printers.create({ name: 'sched-1', uri: 'socket://127.0.0.2:9100' });
    const second = await printers.create({ name: 'sched-2', uri: 'socket://127.0.0.3:9100' });
    probe.answers.set(first.id, readingOf());
    const running = monitor();
    running.start();
    try {
      const readsOf = (id: string) => probe.reads.filter((read) => read === id).length;
      await until(() => readsOf(first.id) >= 3 && readsOf(second.id) >= 3, 'three cycles');
      expect(Math.abs(readsOf(first.id) - readsOf(second.id))).to.be.at.most(1);
      expect((await repository.states([ghost])).size, 'row of a printer deleted while stopped').to.equal(0);
      const current = await repository.current([first.id, second.id]);
      expect(current.get(first.id)?.status).to.equal('idle');
      expect(current.get(second.id)?.status).to.equal('offline');

      const third = await printers.create({ name: 'sched-3', uri: 'socket://127.0.0.4:9100' });
      probe.answers.set(third.id, null);
      await until(async () => (await repository.current([third.id])).size === 1, 'the new printer');
      expect((await repository.current([third.id])).get(third.id)?.status).to.equal('not monitored');

      await printers.remove(second.id);
      await until(async () => (await repository.current([second.id])).size === 0, 'the deleted printer');
    } finally {
      await running.stop();
    }
    const reads = probe.reads.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(probe.reads.length, 'no polls after stop').to.equal(reads);
  });

  it('polls nothing when stopped before its start has finished', async () => {
    await printers.create({ name: 'sched-early', uri: 'socket://127.0.0.5:9100' });
    const early = monitor();
    early.start();
    await early.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(probe.reads).to.deep.equal([]);
  });
});
