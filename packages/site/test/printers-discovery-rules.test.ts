/**
 * Discovery against a real database (SQLite and MariaDB) with fake SNMP devices: new devices added inactive
 * with their identity, known ones recognised by MAC, serial number or address (a moved printer is updated, not
 * duplicated; a replacement at an old address is new), the actions (group, queues, direct queue, configuration
 * profile, location, activation through the gate) with first-run ones applied once, dry runs, audit rows, the
 * checks made before any probe, and bounded probe concurrency.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { AuditLogEntity, ErrorCode, isQuireError } from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { type DiscoveryRequest } from '../src/printers/discovery';
import { deviceIdentity, openDiscoveryRig, type DiscoveryRig } from './printers-discovery-fixture';

const SYSTEM = { actor: { actorName: 'system' } };
const RANGE = ['127.0.0.2-127.0.0.9'];

const HP = deviceIdentity();
const KYOCERA = deviceIdentity({
  model: 'KYOCERA TASKalfa 3253ci',
  serial: 'KYO3253-0002',
  mac: '00:17:c8:00:00:02',
  colorCapable: true,
  sysName: 'KM-TASKALFA',
  sysLocation: 'Print room',
  sysContact: '',
});

async function expectError(promise: Promise<unknown>, code: ErrorCode): Promise<string> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isQuireError(err, code), String(err)).to.equal(true);
  return (err as Error).message;
}

forEachDriver('printer discovery: rules, identity and actions', (_driver, getUrl) => {
  let rig: DiscoveryRig;

  beforeEach(async () => {
    rig = await openDiscoveryRig(await getUrl(), { concurrency: 3 });
    rig.devices.set('127.0.0.2', HP);
    rig.devices.set('127.0.0.5', KYOCERA);
  });

  afterEach(() => rig.close());

  const run = (request: Partial<DiscoveryRequest> = {}) =>
    rig.discovery.run({ ranges: RANGE, ...request }, SYSTEM);
  const printerAt = async (name: string) => (await rig.printers.list()).find((p) => p.name === name)!;

  it('adds new devices inactive at socket://IP:9100 with what SNMP told, then finds them unchanged', async () => {
    const progress: number[] = [];
    const report = await rig.discovery.run(
      { ranges: RANGE },
      { ...SYSTEM, onProgress: (p) => progress.push(p.done) },
    );
    expect(report.scanned).to.equal(8);
    expect(report.found.map((d) => [d.address, d.outcome, d.name])).to.deep.equal([
      ['127.0.0.2', 'added', 'HP-LaserJet-Enterprise-M507-2'],
      ['127.0.0.5', 'added', 'KYOCERA-TASKalfa-3253ci-5'],
    ]);
    expect(progress).to.have.length(8);
    expect(progress[7]).to.equal(8);
    const hp = await printerAt('HP-LaserJet-Enterprise-M507-2');
    expect(hp).to.include({
      uri: 'socket://127.0.0.2:9100',
      enabled: false,
      model: HP.model,
      serial: HP.serial,
      mac: HP.mac,
      colorCapable: false,
      location: 'Floor 1',
      contact: 'helpdesk@example.org',
      group: null,
    });
    expect(report.found[0]).to.include({
      printerId: hp.id,
      matchedBy: null,
      enabled: false,
      sysName: 'NPI1A2B3C',
    });
    const audit = await rig.dataSource.getRepository(AuditLogEntity).findBy({ action: 'printer.discover' });
    expect(audit.map((row) => row.targetId).sort()).to.deep.equal(
      report.found.map((d) => d.printerId).sort(),
    );

    const again = await run();
    expect(again.found.map((d) => [d.outcome, d.matchedBy])).to.deep.equal([
      ['unchanged', 'mac'],
      ['unchanged', 'mac'],
    ]);
    expect(await rig.printers.list()).to.have.length(2);
    expect(
      await rig.dataSource.getRepository(AuditLogEntity).countBy({ action: 'printer.discover' }),
    ).to.equal(2);
  });

  it('updates a printer that moved to another IP instead of adding it again, keeping its name', async () => {
    await run();
    const hp = await printerAt('HP-LaserJet-Enterprise-M507-2');
    await rig.printers.update(hp.id, { name: 'Reception' });
    rig.devices.delete('127.0.0.2');
    rig.devices.set('127.0.0.8', HP);
    const report = await run();
    const moved = report.found.find((d) => d.address === '127.0.0.8')!;
    expect(moved).to.include({ outcome: 'updated', matchedBy: 'mac', printerId: hp.id, name: 'Reception' });
    expect(await rig.printers.list()).to.have.length(2);
    expect((await rig.printers.get(hp.id)).uri).to.equal('socket://127.0.0.8:9100');
  });

  it('moves the SNMP host, not the URI, of a printer behind a print server, and leaves host names alone', async () => {
    const boxed = await rig.printers.create({
      name: 'boxed',
      uri: 'lpd://127.0.0.50/raw',
      snmpHost: '127.0.0.60',
      mac: HP.mac,
    });
    const named = await rig.printers.create({
      name: 'named',
      uri: 'ipp://kyocera.example:631/ipp/print',
      mac: KYOCERA.mac,
    });
    await run();
    expect(await rig.printers.get(boxed.id)).to.include({
      uri: 'lpd://127.0.0.50/raw',
      snmpHost: '127.0.0.2',
    });
    expect(await rig.printers.get(named.id)).to.include({
      uri: 'ipp://kyocera.example:631/ipp/print',
      snmpHost: null,
    });
  });

  it('recognises a device by serial number, then by address, filling in what was missing', async () => {
    const bySerial = await rig.printers.create({
      name: 'hp-typed',
      uri: 'socket://127.0.0.77',
      serial: HP.serial,
    });
    const byAddress = await rig.printers.create({ name: 'kyo-typed', uri: 'ipp://127.0.0.5:631/ipp/print' });
    const report = await run();
    expect(report.found.map((d) => [d.outcome, d.matchedBy, d.printerId])).to.deep.equal([
      ['updated', 'serial', bySerial.id],
      ['updated', 'address', byAddress.id],
    ]);
    expect(await rig.printers.get(bySerial.id)).to.include({
      uri: 'socket://127.0.0.2:9100',
      mac: HP.mac,
      model: HP.model,
      contact: 'helpdesk@example.org',
    });
    expect(await rig.printers.get(byAddress.id)).to.include({
      uri: 'ipp://127.0.0.5:631/ipp/print',
      mac: KYOCERA.mac,
      serial: KYOCERA.serial,
      colorCapable: true,
      name: 'kyo-typed',
    });
  });

  it('adds a replacement device at an old printer address as a new printer', async () => {
    await run();
    const replacement = deviceIdentity({ mac: '00:1b:a9:99:99:99', serial: 'PHBQB09999' });
    rig.devices.set('127.0.0.2', replacement);
    const report = await run();
    expect(report.found[0]).to.include({ outcome: 'added', name: 'HP-LaserJet-Enterprise-M507-2-2' });
    expect(await rig.printers.list()).to.have.length(3);
  });

  it('applies group, queues, profile and location on every run, and activation and the direct queue once', async () => {
    const pull = await rig.queues.create({ name: 'Secure', type: 'pull' });
    const colour = await rig.queues.create({ name: 'Colour', type: 'pull' });
    const request: Partial<DiscoveryRequest> = {
      actions: { addToGroup: 'branch', addToQueues: ['secure'], location: 'Branch A, %location%' },
      rules: [
        {
          filter: { color: true },
          actions: { addToQueues: [colour.id], configProfileId: 'cfg-colour', activate: true },
        },
        { filter: { models: ['laserjet'] }, actions: { createDirectQueue: true, configProfileId: 'cfg-hp' } },
      ],
    };
    const first = await run(request);
    expect(first.found.map((d) => [d.outcome, d.enabled, d.directQueue])).to.deep.equal([
      ['added', false, 'HP-LaserJet-Enterprise-M507-2'],
      ['added', true, null],
    ]);
    const [hpId, kyoId] = first.found.map((d) => d.printerId!);
    expect(await rig.printers.get(hpId)).to.include({
      group: 'branch',
      configProfileId: 'cfg-hp',
      location: 'Branch A, Floor 1',
    });
    expect(await rig.printers.get(kyoId)).to.include({
      group: 'branch',
      configProfileId: 'cfg-colour',
      enabled: true,
    });
    expect((await rig.queues.get(pull.id)).printers).to.have.members([hpId, kyoId]);
    expect((await rig.queues.get(colour.id)).printers).to.deep.equal([kyoId]);
    const direct = await rig.queues.resolve('HP-LaserJet-Enterprise-M507-2');
    expect(direct).to.include({ type: 'direct' });
    expect(direct.printers).to.deep.equal([hpId]);

    await rig.printers.update(kyoId, { enabled: false, group: 'elsewhere' });
    await rig.queues.remove(direct.id);
    const second = await run(request);
    expect(second.found.map((d) => [d.outcome, d.enabled, d.directQueue])).to.deep.equal([
      ['unchanged', false, null],
      ['updated', false, null],
    ]);
    expect(await rig.printers.get(kyoId)).to.include({ group: 'branch', enabled: false });
    expect((await rig.queues.list()).map((q) => q.name).sort()).to.deep.equal(['Colour', 'Secure']);
  });

  it('asks the activation gate, and adds the printer inactive when it refuses', async () => {
    await rig.close();
    const asked: number[] = [];
    rig = await openDiscoveryRig(await getUrl(), {
      activation: {
        allow: async (n) => {
          asked.push(n);
          return asked.length === 1 ? n : 0;
        },
      },
    });
    rig.devices.set('127.0.0.2', HP);
    rig.devices.set('127.0.0.5', KYOCERA);
    const report = await run({ actions: { activate: true } });
    expect(asked).to.deep.equal([1, 1]);
    expect(report.found.map((d) => d.enabled)).to.deep.equal([true, false]);
  });

  it('re-applies the name template to known printers only when asked', async () => {
    await run();
    const renamed = await run({ nameTemplate: '%snmpHostname%-%hostname%', renameExisting: true });
    expect(renamed.found.map((d) => [d.outcome, d.name])).to.deep.equal([
      ['updated', 'NPI1A2B3C-prn-two.example'],
      ['updated', 'KM-TASKALFA-127.0.0.5'],
    ]);
  });

  it('changes nothing in a dry run, and shows distinct names for new devices', async () => {
    rig.devices.set('127.0.0.6', deviceIdentity({ mac: '00:1b:a9:00:00:06', serial: 'S6' }));
    const report = await run({ dryRun: true, nameTemplate: '%model%', actions: { createDirectQueue: true } });
    expect(report.dryRun).to.equal(true);
    expect(report.found.map((d) => [d.outcome, d.name, d.printerId, d.directQueue])).to.deep.equal([
      ['added', 'HP-LaserJet-Enterprise-M507', null, 'HP-LaserJet-Enterprise-M507'],
      ['added', 'KYOCERA-TASKalfa-3253ci', null, 'KYOCERA-TASKalfa-3253ci'],
      ['added', 'HP-LaserJet-Enterprise-M507-2', null, 'HP-LaserJet-Enterprise-M507-2'],
    ]);
    expect(await rig.printers.list()).to.deep.equal([]);
    expect(await rig.queues.list()).to.deep.equal([]);
    expect(await rig.dataSource.getRepository(AuditLogEntity).count()).to.equal(0);
  });

  it('reports an SNMP agent without the Printer MIB as skipped, and does not add it', async () => {
    rig.devices.set(
      '127.0.0.3',
      deviceIdentity({ isPrinter: false, model: 'Linux switch', mac: null, serial: null }),
    );
    const report = await run();
    expect(report.found[1]).to.include({ address: '127.0.0.3', outcome: 'skipped', printerId: null });
    expect(report.found[1].reason).to.contain('not a printer');
    expect(await rig.printers.list()).to.have.length(2);
  });

  it('checks ranges, queues and profiles before probing anything', async () => {
    await rig.queues.create({ name: 'Direct-one', type: 'direct' });
    await expectError(run({ ranges: ['127.0.0.2-127.0.0.900'] }), ErrorCode.DiscoveryRangeInvalid);
    await expectError(run({ actions: { addToQueues: ['nope'] } }), ErrorCode.QueueNotFound);
    expect(
      await expectError(run({ actions: { addToQueues: ['direct-one'] } }), ErrorCode.ValidationFailed),
    ).to.contain('direct queue');
    await expectError(
      run({ rules: [{ actions: { configProfileId: 'cfg-missing' } }] }),
      ErrorCode.ConfigProfileNotFound,
    );
    await expectError(run({ nameTemplate: '%id%' }), ErrorCode.ValidationFailed);
    expect(rig.asked).to.deep.equal([]);
  });

  it('never has more probes in flight than the concurrency', async () => {
    await rig.close();
    rig = await openDiscoveryRig(await getUrl(), { concurrency: 4, probeDelayMs: 20 });
    const report = await rig.discovery.run({ ranges: ['127.0.1.0/27'] }, SYSTEM);
    expect(report.scanned).to.equal(30);
    expect(rig.asked).to.have.length(30);
    expect(rig.maxInFlight()).to.equal(4);
  });

  it('stops a run in progress when closed, and refuses new runs', async () => {
    await rig.close();
    rig = await openDiscoveryRig(await getUrl(), { concurrency: 2, probeDelayMs: 50 });
    const running = rig.discovery.run({ ranges: ['127.0.1.0/27'] }, SYSTEM);
    await sleep(120);
    await rig.discovery.close();
    await expectError(running, ErrorCode.NotReady);
    expect(rig.asked.length).to.be.below(10);
    await expectError(run(), ErrorCode.NotReady);
  });
});
