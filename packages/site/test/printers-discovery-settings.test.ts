/**
 * Saved discoveries on a real database (SQLite and MariaDB) with fake SNMP devices: checked in full when saved,
 * names unique in any case, a run's summary kept as the last result (its error too, when something it names
 * went away), one run at a time per discovery, and the scheduler running enabled ones on their cron schedule
 * while skipping, with a log line, a run that comes due during another.
 */
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { createLogger, ErrorCode, isQuireError } from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { DiscoveryScheduler } from '../src/printers/discovery';
import { deviceIdentity, openDiscoveryRig, type DiscoveryRig } from './printers-discovery-fixture';

const SYSTEM = { actor: { actorName: 'system' } };

async function expectError(promise: Promise<unknown>, code: ErrorCode): Promise<string> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isQuireError(err, code), String(err)).to.equal(true);
  return (err as Error).message;
}

/** A logger whose lines can be read back as objects. */
function capturingLogger() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
  });
  return { logger: createLogger({ level: 'info', stream }), lines };
}

forEachDriver('printer discovery: saved discoveries and the scheduler', (_driver, getUrl) => {
  let rig: DiscoveryRig;

  afterEach(() => rig.close());

  describe('saved discoveries', () => {
    beforeEach(async () => {
      rig = await openDiscoveryRig(await getUrl());
      rig.devices.set('127.0.0.3', deviceIdentity());
    });

    it('checks a discovery in full when it is saved', async () => {
      const base = { name: 'Branch', ranges: ['127.0.0.2-9'] };
      await expectError(rig.settings.create({ ...base, schedule: 'every day' }), ErrorCode.ValidationFailed);
      await expectError(rig.settings.create({ ...base, ranges: ['::1'] }), ErrorCode.DiscoveryRangeInvalid);
      await expectError(
        rig.settings.create({ ...base, actions: { addToQueues: ['x'] } }),
        ErrorCode.QueueNotFound,
      );
      const saved = await rig.settings.create({
        ...base,
        schedule: '0 2 * * *',
        rules: [{ actions: { addToGroup: 'g' } }],
      });
      expect(saved).to.include({ enabled: true, schedule: '0 2 * * *', timeoutMs: null, lastResult: null });
      expect(
        await expectError(rig.settings.create({ ...base, name: 'BRANCH' }), ErrorCode.Conflict),
      ).to.contain('BRANCH');
      const changed = await rig.settings.update(saved.id, { enabled: false, exclude: ['127.0.0.5'] });
      expect(changed).to.include({ enabled: false, name: 'Branch' });
      expect(await rig.settings.get(saved.id)).to.deep.include({
        enabled: false,
        exclude: ['127.0.0.5'],
        rules: [{ actions: { addToGroup: 'g' } }],
      });
      await expectError(
        rig.settings.update(saved.id, { ranges: ['127.0.0.9-2'] }),
        ErrorCode.DiscoveryRangeInvalid,
      );
      await rig.settings.remove(saved.id);
      await expectError(rig.settings.get(saved.id), ErrorCode.DiscoveryNotFound);
      await expectError(rig.settings.remove(saved.id), ErrorCode.DiscoveryNotFound);
    });

    it('keeps the summary of the last run, a failed one with its error', async () => {
      const queue = await rig.queues.create({ name: 'Secure', type: 'pull' });
      const saved = await rig.settings.create({
        name: 'Branch',
        ranges: ['127.0.0.2-127.0.0.4'],
        actions: { addToQueues: ['Secure'] },
      });
      const dry = await rig.settings.run(saved.id, { ...SYSTEM, dryRun: true });
      expect(dry.found[0]).to.include({ outcome: 'added', printerId: null });
      expect((await rig.settings.get(saved.id)).lastResult).to.include({ dryRun: true, scanned: 3 });

      const report = await rig.settings.run(saved.id, SYSTEM);
      const stored = await rig.settings.get(saved.id);
      expect(stored.lastRunAt).to.be.instanceOf(Date);
      expect(stored.lastResult).to.deep.include({
        scanned: 3,
        dryRun: false,
        error: null,
        counts: { added: 1, updated: 0, unchanged: 0, skipped: 0 },
        devices: [
          {
            address: '127.0.0.3',
            name: report.found[0].name,
            outcome: 'added',
            printerId: report.found[0].printerId,
          },
        ],
      });

      await rig.queues.remove(queue.id);
      await expectError(rig.settings.run(saved.id, SYSTEM), ErrorCode.QueueNotFound);
      expect((await rig.settings.get(saved.id)).lastResult?.error).to.contain('Secure');
    });

    it('refuses a second run of a discovery that is running', async () => {
      await rig.close();
      rig = await openDiscoveryRig(await getUrl(), { probeDelayMs: 300 });
      const saved = await rig.settings.create({ name: 'Slow', ranges: ['127.0.0.2'] });
      const first = rig.settings.run(saved.id, SYSTEM);
      await sleep(50);
      expect(rig.settings.isRunning(saved.id)).to.equal(true);
      expect(await expectError(rig.settings.run(saved.id, SYSTEM), ErrorCode.Conflict)).to.contain(
        'already running',
      );
      await first;
      expect(rig.settings.isRunning(saved.id)).to.equal(false);
    });
  });

  describe('the scheduler', () => {
    it('runs enabled discoveries on their schedule and skips a run that comes due during another', async function () {
      this.timeout(30_000);
      const { logger, lines } = capturingLogger();
      rig = await openDiscoveryRig(await getUrl(), { probeDelayMs: 2_300, logger });
      rig.devices.set('127.0.0.3', deviceIdentity());
      await rig.settings.create({ name: 'Every second', ranges: ['127.0.0.3'], schedule: '* * * * * *' });
      await rig.settings.create({
        name: 'Disabled',
        ranges: ['127.0.0.4'],
        schedule: '* * * * * *',
        enabled: false,
      });
      const scheduler = new DiscoveryScheduler({ settings: rig.settings, logger });
      await scheduler.start();
      try {
        await sleep(4_000);
      } finally {
        await scheduler.stop();
      }
      const messages = lines.map((line) => line.message);
      expect(messages).to.include('scheduled discovery done');
      expect(lines.filter((l) => l.message === 'discovery started').map((l) => l.discovery)).to.not.include(
        'Disabled',
      );
      const skipped = lines.filter(
        (l) => l.message === 'scheduled discovery skipped: a discovery run is still in progress',
      );
      expect(skipped.length).to.be.greaterThan(0);
      expect(skipped[0]).to.include({ discovery: 'Every second', running: 'Every second' });
      expect(rig.asked.filter((a) => a === '127.0.0.4')).to.deep.equal([]);
      expect(await rig.printers.list()).to.have.length(1);
      const runsAfterStop = rig.asked.length;
      await sleep(1_200);
      expect(rig.asked.length).to.equal(runsAfterStop);
    });

    it('follows changes: a schedule added later is run', async function () {
      this.timeout(30_000);
      const { logger, lines } = capturingLogger();
      rig = await openDiscoveryRig(await getUrl(), { logger });
      const saved = await rig.settings.create({ name: 'Later', ranges: ['127.0.0.3'] });
      const scheduler = new DiscoveryScheduler({ settings: rig.settings, logger });
      await scheduler.start();
      try {
        await sleep(1_500);
        expect(rig.asked).to.deep.equal([]);
        await rig.settings.update(saved.id, { schedule: '* * * * * *' });
        await sleep(2_500);
      } finally {
        await scheduler.stop();
      }
      expect(rig.asked.length).to.be.greaterThan(0);
      expect(lines.some((l) => l.message === 'scheduled discovery done')).to.equal(true);
    });
  });
});
