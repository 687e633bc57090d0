/**
 * End-to-end test of printer events from a real SNMP agent, on SQLite and MariaDB: snmpsim serves the HP
 * LaserJet M507 fixture on its own loopback address, the real monitor reads it with the real SNMP reader and
 * status rule, and the event evaluator observes each stored observation. Driving the black toner's level with
 * the agent's setValue, a "toner below 10%" episode opens once over several polls, sends one email to the SMTP
 * sink, and closes when the level comes back. Only 127.0.0.0/8 is ever asked.
 */
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import { createSilentLogger } from '@quire/common';
import {
  forEachDriver,
  SNMP_FIXTURES,
  startSmtpSink,
  startSnmpsim,
  type SmtpSink,
  type Snmpsim,
} from '@quire/testkit';
import { PrinterStatus1763700920000 } from '../src/migrations/1763700920000-printer-status';
import { PrinterEventEntity } from '../src/printers/events';
import { PrinterMonitor, printerMonitoringEntities } from '../src/printers/monitoring';
import { PrinterRepository } from '../src/printers/printer.repository';
import { PrinterService } from '../src/printers/printer.service';
import { readPrinter } from '../src/printers/snmp/printer-reader';
import { deriveStatus } from '../src/printers/snmp/printer-status';
import { snmpTargetOf, type SnmpProfileSettings } from '../src/printers/snmp/snmp-settings';
import { eventsHarness, openEventsDatabase, type EventsHarness } from './printers-events-fixtures';

const ADDRESS = '127.0.0.201';
const FIXTURE = SNMP_FIXTURES['hp-laserjet-m507'];
const BLACK_LEVEL = FIXTURE.supplyLevelOids.black;
const BLACK_START = FIXTURE.supplies.find((s) => s.colorant === 'black')!.level;

describe('printer events from snmpsim agents', function () {
  let sim: Snmpsim;
  let sink: SmtpSink;

  before(async function () {
    this.timeout(180_000);
    sim = await startSnmpsim({ agents: [{ address: ADDRESS, fixture: 'hp-laserjet-m507' }] });
    sink = await startSmtpSink();
  });

  after(async () => {
    await sim?.stop();
    await sink?.stop();
  });

  forEachDriver('toner below 10% from a real agent', (driver, getUrl) => {
    let dataSource: DataSource;
    let events: EventsHarness;

    before(async () => {
      dataSource = await openEventsDatabase(await getUrl(), {
        entities: printerMonitoringEntities,
        migrations: [PrinterStatus1763700920000],
      });
      events = eventsHarness(dataSource);
      for (const builtIn of await events.definitions.list()) {
        await events.definitions.update(builtIn.id, { enabled: false });
      }
      await events.settings.setSmtp({
        host: sink.host,
        port: sink.port,
        security: 'none',
        sender: 'quire@example.org',
      });
    });

    after(async () => {
      await events?.dispatcher.close();
      await events?.writer.close();
      await dataSource?.destroy();
    });

    it('opens one episode, mails once, and closes it when the level comes back', async function () {
      this.timeout(60_000);
      const logger = createSilentLogger();
      const printers = new PrinterService({ printers: new PrinterRepository(dataSource), logger });
      const printer = await printers.create({
        name: `events-snmp-${driver}`,
        uri: `socket://${ADDRESS}:9100`,
        contact: 'Print desk <print-desk@example.org>',
      });
      const low = await events.definitions.create({
        name: 'Toner below 10% K',
        type: 'toner-low',
        params: { thresholdPercent: 10, colorant: 'black' },
      });
      await events.actions.create({
        name: 'Mail the contact',
        kind: 'email',
        definitionIds: [low.id],
        recipients: ['%PRN.CONTACT%'],
        subject: '%PRN.NAME%: %supply% at %level%',
        body: '%EVENT.MESSAGE% on %PRN.IP%, K=%TONER_K.LEVEL%',
      });
      const profile: SnmpProfileSettings = {
        version: '2c',
        community: 'public',
        port: sim.port,
        timeoutMs: 500,
        retries: 1,
        v3: null,
      };
      const monitor = new PrinterMonitor({
        dataSource,
        printers,
        probe: { read: (p) => readPrinter(snmpTargetOf(p, profile)) },
        derive: (reading) => deriveStatus(reading),
        observers: [events.evaluator],
        outbox: events.outbox,
        intervalSeconds: 60,
        concurrency: 2,
        counterSnapshotMinutes: 15,
        logger,
      });
      const episodes = () =>
        dataSource
          .getRepository(PrinterEventEntity)
          .find({ where: { definitionId: low.id }, order: { openedAt: 'ASC' } });
      const mails = () => sink.messages().filter((m) => m.subject.startsWith(printer.name));

      try {
        expect((await monitor.pollNow(printer.id)).reading?.supplies[0].levelPercent).to.equal(BLACK_START);
        for (const level of [7, 6, 6, 5]) {
          await sim.setValue(ADDRESS, 'public', BLACK_LEVEL, 'integer', level);
          const observed = await monitor.pollNow(printer.id);
          expect(observed.reading?.supplies[0].levelPercent).to.equal(level);
        }
        await events.dispatcher.idle();
        const open = await episodes();
        expect(open.map((e) => [e.subject, e.closedAt, e.message])).to.deep.equal([
          ['1.1', null, 'Black Cartridge HP CF289A at 7% (below 10%)'],
        ]);
        await sink.waitForMessages(1);
        expect(mails().map((m) => [m.to, m.subject, m.text?.trim()])).to.deep.equal([
          [
            ['print-desk@example.org'],
            `${printer.name}: Black Cartridge HP CF289A at 7%`,
            `Black Cartridge HP CF289A at 7% (below 10%) on ${ADDRESS}, K=7%`,
          ],
        ]);

        await sim.setValue(ADDRESS, 'public', BLACK_LEVEL, 'integer', 95);
        await monitor.pollNow(printer.id);
        await events.dispatcher.idle();
        const closed = await episodes();
        expect(closed).to.have.length(1);
        expect(closed[0].closedAt).to.not.equal(null);
        expect(mails()).to.have.length(1);
      } finally {
        await monitor.stop();
        await sim.setValue(ADDRESS, 'public', BLACK_LEVEL, 'integer', BLACK_START);
      }
    });
  });
});
