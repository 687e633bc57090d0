/**
 * Integration tests of printer events on SQLite and MariaDB: the built-in definitions the migration seeds, and
 * the evaluator judging hand-made observations inside real transactions: a toner-low episode that opens once
 * over several polls, closes when the level is back and reopens later; offline (other episodes kept); jams;
 * counter milestones; switching a definition off; `printer_event` outbox records; changes announced only after
 * a commit; and two evaluations racing on one printer opening one episode, not two.
 */
import { expect } from 'chai';
import { type DataSource, type EntityManager } from 'typeorm';
import { forEachDriver } from '@quire/testkit';
import { type PrinterEventRecord } from '@quire/shared-proto';
import { PrinterEventEntity, PrinterEventRepository, type EventType } from '../src/printers/events';
import { type PrinterEntity } from '../src/printers/printer.entity';
import {
  eventsHarness,
  insertPrinter,
  observationOf,
  openEventsDatabase,
  readingOf,
  type EventsHarness,
} from './printers-events-fixtures';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const minute = (n: number) => new Date(T0 + n * 60_000);

/** Lets both racing evaluations read "no episode open" before either writes, so the unique index must decide. */
class BarrierRepository extends PrinterEventRepository {
  private waiting: Array<() => void> = [];

  constructor(
    dataSource: DataSource,
    private readonly parties: number,
  ) {
    super(dataSource);
  }

  override async openFor(printerId: string, manager?: EntityManager) {
    const open = await super.openFor(printerId, manager);
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length >= this.parties) for (const release of this.waiting.splice(0)) release();
    });
    return open;
  }
}

forEachDriver('printer events', (driver, getUrl) => {
  let dataSource: DataSource;
  let events: EventsHarness;
  let printer: PrinterEntity;

  async function episodesOf(definitionId: string): Promise<PrinterEventEntity[]> {
    return dataSource.getRepository(PrinterEventEntity).find({
      where: { definitionId, printerId: printer.id },
      order: { openedAt: 'ASC' },
    });
  }

  async function outboxRecords(): Promise<PrinterEventRecord[]> {
    const rows = await events.outbox.read(1, 10_000);
    return rows
      .filter((row) => row.kind === 'printer_event')
      .map((row) => JSON.parse(row.body) as PrinterEventRecord);
  }

  async function definition(name: string, type: EventType, params: Record<string, unknown> = {}) {
    return events.definitions.create({ name, type, params });
  }

  before(async () => {
    dataSource = await openEventsDatabase(await getUrl());
    events = eventsHarness(dataSource);
    // Only the definitions a test creates take part; the built-ins are checked once, then switched off.
    for (const builtIn of await events.definitions.list()) {
      await events.definitions.update(builtIn.id, { enabled: false });
    }
  });

  beforeEach(async () => {
    printer = await insertPrinter(dataSource);
  });

  after(async () => {
    await events?.dispatcher.close();
    await events?.writer.close();
    await dataSource?.destroy();
  });

  it('seeds MyQ built-in events, jam and cover split, plus offline', async () => {
    const seeded = (await events.definitions.list()).map((d) => [d.name, d.type, d.params]);
    expect(seeded).to.deep.include.members([
      ['Toner below 20% K', 'toner-low', { thresholdPercent: 20, colorant: 'black' }],
      ['Toner below 20% C', 'toner-low', { thresholdPercent: 20, colorant: 'cyan' }],
      ['Toner below 20% M', 'toner-low', { thresholdPercent: 20, colorant: 'magenta' }],
      ['Toner below 20% Y', 'toner-low', { thresholdPercent: 20, colorant: 'yellow' }],
      ['Toner empty', 'toner-empty', {}],
      ['Out of paper', 'out-of-paper', {}],
      ['Paper jam', 'paper-jam', {}],
      ['Cover open', 'cover-open', {}],
      ['Service requested', 'service-requested', {}],
      ['Offline', 'offline', {}],
    ]);
  });

  it('opens one toner-low episode over several polls, closes it when the level is back, and reopens later', async () => {
    const low = await definition('Toner below 10%', 'toner-low', { thresholdPercent: 10 });
    const levels = [40, 8, 7, 5, 9, 15, 30, 6];
    let previous = null;
    for (const [i, level] of levels.entries()) {
      const now = observationOf(printer, minute(i), readingOf(level));
      await events.observe(printer, now, previous);
      previous = now;
    }
    const episodes = await episodesOf(low.id);
    expect(
      episodes.map((e) => [e.subject, e.openedAt.getTime(), e.closedAt?.getTime() ?? null]),
    ).to.deep.equal([
      ['1.1', minute(1).getTime(), minute(5).getTime()],
      ['1.1', minute(7).getTime(), null],
    ]);
    expect(episodes[0].message).to.equal('Black Toner at 8% (below 10%)');
    expect(episodes[0].openKey).to.equal(null);
    expect(episodes[1].openKey).to.equal(`${low.id}|${printer.id}|1.1`);
    expect(episodes[1].details).to.include({ supplyIndex: '1.1', levelPercent: 6, thresholdPercent: 10 });

    const records = (await outboxRecords()).filter((r) => r.printerId === printer.id);
    expect(records.map((r) => [r.id, r.closedAt === null])).to.deep.equal([
      [episodes[0].id, true],
      [episodes[0].id, false],
      [episodes[1].id, true],
    ]);
    expect(records[1]).to.deep.equal({
      id: episodes[0].id,
      printerId: printer.id,
      printerName: printer.name,
      type: 'toner-low',
      subject: '1.1',
      openedAt: minute(1).toISOString(),
      closedAt: minute(5).toISOString(),
      message: 'Black Toner at 8% (below 10%)',
    });
    const announced = events.announced.filter((c) => c.episode.definitionId === low.id);
    expect(announced.map((c) => c.transition)).to.deep.equal(['open', 'close', 'open']);
    await events.definitions.remove(low.id);
  });

  it('opens offline when the printer stops answering, keeps its other episodes, and closes offline when back', async () => {
    const low = await definition('Low', 'toner-low', { thresholdPercent: 10 });
    const offline = await definition('Gone', 'offline');
    const answering = observationOf(printer, minute(0), readingOf(5));
    await events.observe(printer, answering, null);
    const silent = observationOf(printer, minute(1), null);
    await events.observe(printer, silent, answering);
    await events.observe(printer, observationOf(printer, minute(2), null), silent);

    expect((await episodesOf(low.id)).map((e) => e.closedAt)).to.deep.equal([null]);
    const gone = await episodesOf(offline.id);
    expect(gone.map((e) => [e.closedAt, e.message])).to.deep.equal([
      [null, 'Not answering: timeout after 2 retries'],
    ]);

    await events.observe(printer, observationOf(printer, minute(3), readingOf(50)), silent);
    expect((await episodesOf(offline.id))[0].closedAt?.getTime()).to.equal(minute(3).getTime());
    expect((await episodesOf(low.id))[0].closedAt?.getTime()).to.equal(minute(3).getTime());
    await events.definitions.remove(low.id);
    await events.definitions.remove(offline.id);
  });

  it('opens a paper jam from the error state and closes it once cleared', async () => {
    const jam = await definition('Jam', 'paper-jam');
    const jammed = observationOf(printer, minute(0), readingOf(50, { errorState: ['jammed'] }), {
      status: 'error',
      reasons: ['jam'],
    });
    await events.observe(printer, jammed, null);
    await events.observe(
      printer,
      observationOf(printer, minute(1), readingOf(50, { errorState: ['jammed'] })),
      jammed,
    );
    await events.observe(printer, observationOf(printer, minute(2), readingOf(50)), jammed);
    const episodes = await episodesOf(jam.id);
    expect(episodes.map((e) => [e.subject, e.message, e.closedAt?.getTime()])).to.deep.equal([
      ['', 'Paper jam', minute(2).getTime()],
    ]);
    await events.definitions.remove(jam.id);
  });

  it('fires a counter milestone once per multiple crossed, as an instant episode', async () => {
    const milestone = await definition('Every 500', 'counter-milestone', {
      counter: 'total',
      everyPages: 500,
    });
    const counters = (total: number) => readingOf(50, { counters: { total, mono: total, color: null } });
    const a = observationOf(printer, minute(0), counters(900));
    const b = observationOf(printer, minute(1), counters(1100));
    const c = observationOf(printer, minute(2), counters(1400));
    const d = observationOf(printer, minute(3), counters(2050));
    await events.observe(printer, a, null);
    await events.observe(printer, b, a);
    await events.observe(printer, c, b);
    await events.observe(printer, d, c);
    // The same crossing judged again (a retried poll) fires nothing new.
    await events.observe(printer, d, c);
    // After an offline poll the last milestone fired is the baseline.
    const e = observationOf(printer, minute(5), counters(2600));
    await events.observe(printer, e, observationOf(printer, minute(4), null));
    const fired = await episodesOf(milestone.id);
    expect(fired.map((ep) => ep.subject)).to.deep.equal(['1000', '1500', '2000', '2500']);
    expect(fired.every((ep) => ep.closedAt?.getTime() === ep.openedAt.getTime())).to.equal(true);
    expect(fired[0].message).to.equal('Total counter reached 1000 pages (now 1100)');
    const announced = events.announced.filter((ch) => ch.episode.definitionId === milestone.id);
    expect(announced.map((ch) => ch.transition)).to.deep.equal(['instant', 'instant', 'instant', 'instant']);
    await events.definitions.remove(milestone.id);
  });

  it('fires a milestone passed while the printer was offline, from its last answer, when none fired before', async () => {
    const milestone = await definition('Every 1000', 'counter-milestone', {
      counter: 'total',
      everyPages: 1000,
    });
    const counters = (total: number) => readingOf(50, { counters: { total, mono: total, color: null } });
    const answered = observationOf(printer, minute(0), counters(900));
    const offline = observationOf(printer, minute(1), null);
    await events.observe(printer, answered, null, null);
    await events.observe(printer, offline, answered, answered.reading);
    await events.observe(printer, observationOf(printer, minute(2), null), offline, answered.reading);
    await events.observe(
      printer,
      observationOf(printer, minute(3), counters(1100)),
      offline,
      answered.reading,
    );
    const fired = await episodesOf(milestone.id);
    expect(fired.map((ep) => ep.subject)).to.deep.equal(['1000']);
    expect(fired[0].message).to.equal('Total counter reached 1000 pages (now 1100)');
    await events.definitions.remove(milestone.id);
  });

  it('announces nothing and keeps nothing when the storing transaction rolls back', async () => {
    const jam = await definition('Jam 2', 'paper-jam');
    const before = events.announced.length;
    const jammed = observationOf(printer, minute(0), readingOf(50, { errorState: ['jammed'] }));
    const failing = dataSource.transaction(async (manager) => {
      await events.evaluator.observe(printer, jammed, null, manager);
      throw new Error('the status row could not be stored');
    });
    await failing.then(
      () => expect.fail('the transaction should have failed'),
      (err: Error) => expect(err.message).to.equal('the status row could not be stored'),
    );
    expect(events.announced.length).to.equal(before);
    expect(await episodesOf(jam.id)).to.deep.equal([]);
    await events.definitions.remove(jam.id);
  });

  it('closes the open episodes of a definition switched off, and queues their records', async () => {
    const cover = await definition('Cover', 'cover-open');
    await events.observe(
      printer,
      observationOf(printer, minute(0), readingOf(50, { errorState: ['doorOpen'] })),
      null,
    );
    expect((await episodesOf(cover.id))[0].closedAt).to.equal(null);
    await events.definitions.update(cover.id, { enabled: false });
    const [closed] = await episodesOf(cover.id);
    expect(closed.closedAt).to.not.equal(null);
    expect(closed.openKey).to.equal(null);
    const records = (await outboxRecords()).filter((r) => r.id === closed.id);
    expect(records.map((r) => r.closedAt === null)).to.deep.equal([true, false]);
    await events.definitions.remove(cover.id);
  });

  it('closes the open episodes of a printer being deleted, in the deleting transaction', async () => {
    const paper = await definition('Paper', 'out-of-paper');
    await events.observe(
      printer,
      observationOf(printer, minute(0), readingOf(50, { errorState: ['noPaper'] })),
      null,
    );
    const announcedBefore = events.announced.length;
    await dataSource.transaction((manager) =>
      events.evaluator.printerRemoved(printer.id, manager, minute(9)),
    );
    const [closed] = await episodesOf(paper.id);
    expect(closed.closedAt?.getTime()).to.equal(minute(9).getTime());
    expect(events.announced.length).to.equal(announcedBefore);
    const records = (await outboxRecords()).filter((r) => r.id === closed.id);
    expect(records.map((r) => r.closedAt)).to.deep.equal([null, minute(9).toISOString()]);
    await events.definitions.remove(paper.id);
  });

  it('opens one episode when two evaluations of the same printer race', async () => {
    const barrier = new BarrierRepository(dataSource, driver === 'mysql' ? 2 : 1);
    const racing = eventsHarness(dataSource, { episodes: barrier });
    const low = await racing.definitions.create({
      name: 'Race',
      type: 'toner-low',
      params: { thresholdPercent: 10 },
    });
    const milestone = await racing.definitions.create({
      name: 'Race milestone',
      type: 'counter-milestone',
      params: { everyPages: 1000 },
    });
    const previous = observationOf(
      printer,
      minute(0),
      readingOf(50, { counters: { total: 990, mono: 990, color: null } }),
    );
    const now = observationOf(
      printer,
      minute(1),
      readingOf(3, { counters: { total: 1010, mono: 1010, color: null } }),
    );
    await Promise.all([racing.observe(printer, now, previous), racing.observe(printer, now, previous)]);

    expect((await episodesOf(low.id)).length).to.equal(1);
    expect((await episodesOf(milestone.id)).length).to.equal(1);
    expect(racing.announced.map((c) => c.transition).sort()).to.deep.equal(['instant', 'open']);
    await racing.writer.close();
    await events.definitions.remove(low.id);
    await events.definitions.remove(milestone.id);
  });
});
