/**
 * Integration test of printer monitoring against real SNMP agents: snmpsim serving two printer fixtures on their
 * own loopback addresses, read by the real SNMP reader (readPrinter with a v2c profile) and judged by the real
 * status rule, stored on SQLite and MariaDB. A printer whose agent is suspended (SIGSTOP) goes `offline` with
 * its reason while the other keeps answering, and comes back when the agent is resumed; a printer with SNMP
 * off is `not monitored`. Only 127.0.0.0/8 is ever asked.
 */
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import { createSilentLogger } from '@quire/common';
import { forEachDriver, SNMP_FIXTURES, startSnmpsim, type Snmpsim } from '@quire/testkit';
import { PrinterMonitor, type PrinterProbe } from '../src/printers/monitoring';
import { PrinterRepository } from '../src/printers/printer.repository';
import { PrinterService } from '../src/printers/printer.service';
import { readPrinter } from '../src/printers/snmp/printer-reader';
import { deriveStatus } from '../src/printers/snmp/printer-status';
import { snmpTargetOf, type SnmpProfileSettings } from '../src/printers/snmp/snmp-settings';
import { openMonitorDatabase } from './printers-monitor-fixtures';

const MONO_ADDRESS = '127.0.0.171';
const COLOUR_ADDRESS = '127.0.0.172';

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('printer monitoring of snmpsim agents', function () {
  let sim: Snmpsim;

  before(async function () {
    this.timeout(180_000);
    sim = await startSnmpsim({
      agents: [
        { address: MONO_ADDRESS, fixture: 'hp-laserjet-m507' },
        { address: COLOUR_ADDRESS, fixture: 'hp-color-laserjet-m555' },
      ],
    });
  });

  after(async () => {
    await sim?.stop();
  });

  forEachDriver('printer monitor on snmpsim', (_driver, getUrl) => {
    let dataSource: DataSource;
    let printers: PrinterService;

    before(async () => {
      dataSource = await openMonitorDatabase(await getUrl());
      printers = new PrinterService({
        printers: new PrinterRepository(dataSource),
        logger: createSilentLogger(),
      });
    });

    after(async () => {
      await dataSource?.destroy();
    });

    function snmpProbe(): PrinterProbe {
      const profile: SnmpProfileSettings = {
        version: '2c',
        community: 'public',
        port: sim.port,
        timeoutMs: 250,
        retries: 1,
        v3: null,
      };
      return {
        read: (printer) =>
          printer.snmpEnabled ? readPrinter(snmpTargetOf(printer, profile)) : Promise.resolve(null),
      };
    }

    it('reads real agents, marks a silent one offline with its reason, and brings it back', async function () {
      this.timeout(60_000);
      const mono = await printers.create({ name: 'snmp-mono', uri: `socket://${MONO_ADDRESS}:9100` });
      const colour = await printers.create({
        name: 'snmp-colour',
        uri: `ipp://${COLOUR_ADDRESS}:631/ipp/print`,
      });
      const manual = await printers.create({
        name: 'snmp-off',
        uri: 'socket://127.0.0.173:9100',
        snmpEnabled: false,
      });
      const monitor = new PrinterMonitor({
        dataSource,
        printers,
        probe: snmpProbe(),
        derive: (reading) => deriveStatus(reading),
        observers: [],
        outbox: null,
        intervalSeconds: 0.5,
        concurrency: 4,
        counterSnapshotMinutes: 15,
        logger: createSilentLogger(),
      });

      const swept = await monitor.sweep();
      expect(swept).to.deep.include({ printers: 3, answered: 2, notMonitored: 1, offline: 0, failed: 0 });
      const states = await monitor.states([mono.id, colour.id, manual.id]);
      const fixture = SNMP_FIXTURES['hp-color-laserjet-m555'];
      const colourReading = states.get(colour.id)?.lastReading;
      expect(colourReading?.counters).to.deep.equal(fixture.counters);
      expect(colourReading?.supplies.map((s) => [s.description, s.colorant, s.levelPercent])).to.deep.equal(
        fixture.supplies.map((s) => [s.description, s.colorant, s.levelPercent]),
      );
      expect(states.get(colour.id)?.observation.status).to.equal(deriveStatus(colourReading!).status);
      expect(states.get(mono.id)?.observation).to.deep.include({ status: 'idle', reasons: [], error: null });
      expect(states.get(mono.id)?.lastReading?.serial).to.equal(SNMP_FIXTURES['hp-laserjet-m507'].serial);
      expect(states.get(manual.id)?.observation.status).to.equal('not monitored');
      expect(await monitor.repository.snapshots(mono.id, { limit: 10 })).to.have.length(1);

      monitor.start();
      try {
        await sim.suspend(MONO_ADDRESS);
        try {
          await until(
            async () => (await monitor.current(mono.id))?.status === 'offline',
            'the mono printer offline',
          );
          const offline = (await monitor.states([mono.id])).get(mono.id)!;
          expect(offline.observation.reasons).to.deep.equal(['offline']);
          expect(offline.observation.error).to.be.a('string').and.not.equal('');
          expect(offline.lastReading?.supplies[0].levelPercent, 'last known toner').to.equal(64);
          const stored = (await monitor.repository.current([mono.id])).get(mono.id);
          expect(stored?.status, 'the change is stored').to.equal('offline');

          const colourPolled = (await monitor.current(colour.id))!.at.getTime();
          await until(
            async () => ((await monitor.current(colour.id))?.at.getTime() ?? 0) > colourPolled,
            'another answer from the colour printer',
          );
          expect((await monitor.current(colour.id))?.status).to.not.equal('offline');
        } finally {
          await sim.resume(MONO_ADDRESS);
        }
        await until(async () => (await monitor.current(mono.id))?.status === 'idle', 'the mono printer back');
        const back = (await monitor.repository.states([mono.id])).get(mono.id)!;
        expect(back.observation).to.deep.include({ status: 'idle', error: null });
        expect(back.answeredAt?.getTime()).to.equal(back.statusSince.getTime());
      } finally {
        await monitor.stop();
      }
    });
  });
});
