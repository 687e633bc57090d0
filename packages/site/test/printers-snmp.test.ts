/**
 * Integration tests of the SNMP reader against real agents on their own loopback addresses: snmpsim serving the
 * three recorded printers (read over v2c and v1, compared field by field with SNMP_FIXTURES, then changed at run
 * time and silenced), and net-snmp's snmpd serving the Kyocera fixture to an SNMPv3 authPriv user (SHA + AES),
 * with wrong credentials mapped to errors that say what to fix. A loopback address nobody listens on stands for
 * a printer that is off.
 */
import { expect } from 'chai';
import { ErrorCode, isQuireError, type QuireError } from '@quire/common';
import {
  SNMP_FIXTURE_NAMES,
  SNMP_FIXTURES,
  startSnmpd,
  startSnmpsim,
  type Snmpd,
  type SnmpFixtureName,
  type Snmpsim,
  type SnmpV3User,
} from '@quire/testkit';
import { type PrinterReading } from '../src/printers/monitoring/printer-reading';
import { identifyPrinter, readPrinter } from '../src/printers/snmp/printer-reader';
import { deriveStatus } from '../src/printers/snmp/printer-status';
import { type SnmpProfileSettings, type SnmpTarget } from '../src/printers/snmp/snmp-settings';

const ADDRESSES: Record<SnmpFixtureName, string> = {
  'hp-laserjet-m507': '127.0.0.131',
  'hp-color-laserjet-m555': '127.0.0.132',
  'kyocera-taskalfa-3253ci': '127.0.0.133',
};
const SNMPD_ADDRESS = '127.0.0.134';
const SILENT_ADDRESS = '127.0.0.139';

const V3_USER: SnmpV3User = {
  user: 'quire-monitor',
  authProtocol: 'SHA',
  authKey: 'auth-passphrase-1',
  privProtocol: 'AES',
  privKey: 'priv-passphrase-2',
};

/** What each fixture's reading derives to (see the rule table of printer-status.ts). */
const DERIVED: Record<SnmpFixtureName, ReturnType<typeof deriveStatus>> = {
  'hp-laserjet-m507': { status: 'idle', reasons: [] },
  // Only the multipurpose tray is empty, and the alert is informational: paper is low, printing goes on.
  'hp-color-laserjet-m555': { status: 'warning', reasons: ['low-paper'] },
  'kyocera-taskalfa-3253ci': { status: 'warning', reasons: ['toner-low'] },
};

async function failure(promise: Promise<unknown>, code: ErrorCode): Promise<QuireError> {
  const err = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(isQuireError(err, code), `expected ${code}, got ${String(err)}`).to.equal(true);
  return err as QuireError;
}

/** Every field of `reading` that SNMP_FIXTURES describes, compared with it. */
function expectFixture(reading: PrinterReading, name: SnmpFixtureName): void {
  const fixture = SNMP_FIXTURES[name];
  expect(reading, name).to.deep.include({
    model: fixture.model,
    serial: fixture.serial,
    mac: fixture.mac,
    colorCapable: fixture.color,
    sysName: fixture.sysName,
    sysDescr: fixture.sysDescr,
    sysLocation: fixture.sysLocation,
    sysContact: fixture.sysContact,
    deviceStatus: fixture.status.device,
    printerStatus: fixture.status.printer,
    errorState: fixture.status.errorState,
    counters: fixture.counters,
  });
  expect(reading.supplies, name).to.deep.equal(fixture.supplies.map((supply) => ({ ...supply })));
  expect(
    reading.trays.map(({ index, name: trayName, media, level, max }) => ({
      index,
      name: trayName,
      media,
      level,
      max,
    })),
    name,
  ).to.deep.equal(fixture.trays);
  expect(
    reading.alerts.map(({ index, severity, code, description }) => ({ index, severity, code, description })),
    name,
  ).to.deep.equal(fixture.alerts);
}

describe('SNMP reader against snmpsim', function () {
  this.timeout(120_000);
  let sim: Snmpsim;
  let profile: SnmpProfileSettings;
  const target = (name: SnmpFixtureName, changes: Partial<SnmpProfileSettings> = {}): SnmpTarget => ({
    host: ADDRESSES[name],
    profile: { ...profile, ...changes },
  });

  before(async () => {
    sim = await startSnmpsim({
      agents: SNMP_FIXTURE_NAMES.map((fixture) => ({ address: ADDRESSES[fixture], fixture })),
    });
    profile = { version: '2c', community: 'public', port: sim.port, timeoutMs: 2000, retries: 1, v3: null };
  });

  after(async () => {
    await sim?.stop();
  });

  for (const name of SNMP_FIXTURE_NAMES) {
    it(`reads ${name} over v2c exactly as the fixture describes it, and derives its status`, async () => {
      const reading = await readPrinter(target(name));
      expectFixture(reading, name);
      expect(deriveStatus(reading), name).to.deep.equal(DERIVED[name]);
    });

    it(`reads ${name} the same over SNMPv1, without GETBULK`, async () => {
      const v2c = await readPrinter(target(name));
      const v1 = await readPrinter(target(name, { version: '1' }));
      expect(v1).to.deep.equal(v2c);
    });

    it(`identifies ${name} for discovery`, async () => {
      const fixture = SNMP_FIXTURES[name];
      expect(await identifyPrinter(target(name))).to.deep.equal({
        sysDescr: fixture.sysDescr,
        sysName: fixture.sysName,
        sysLocation: fixture.sysLocation,
        sysContact: fixture.sysContact,
        model: fixture.model,
        serial: fixture.serial,
        mac: fixture.mac,
        colorCapable: fixture.color,
        isPrinter: true,
      });
    });
  }

  it('follows values the device changes: an empty toner, then a jam bit, then back', async () => {
    const name = 'hp-color-laserjet-m555';
    const address = ADDRESSES[name];
    const fixture = SNMP_FIXTURES[name];
    await sim.setValue(address, 'public', fixture.supplyLevelOids.cyan, 'integer', 0);
    const empty = await readPrinter(target(name));
    expect(empty.supplies.find((s) => s.colorant === 'cyan')?.levelPercent).to.equal(0);
    expect(deriveStatus(empty)).to.deep.equal({ status: 'error', reasons: ['toner-empty', 'low-paper'] });

    await sim.setValue(address, 'public', fixture.oids.errorState, 'hex', '0400');
    await sim.setValue(address, 'public', fixture.oids.lifeCount, 'counter', fixture.counters.total + 5);
    const jammed = await readPrinter(target(name));
    expect(jammed.errorState).to.deep.equal(['jammed']);
    expect(jammed.counters.total).to.equal(fixture.counters.total + 5);
    expect(deriveStatus(jammed).reasons).to.deep.equal(['jam', 'toner-empty', 'low-paper']);

    await sim.setValue(address, 'public', fixture.supplyLevelOids.cyan, 'integer', 45);
    await sim.setValue(address, 'public', fixture.oids.errorState, 'hex', fixture.status.errorStateHex);
    await sim.setValue(address, 'public', fixture.oids.lifeCount, 'counter', fixture.counters.total);
    expectFixture(await readPrinter(target(name)), name);
  });

  it('reports SNMP_TIMEOUT for a suspended agent, a wrong community, and an address nobody answers on', async () => {
    const name = 'hp-laserjet-m507';
    await sim.suspend(ADDRESSES[name]);
    try {
      const err = await failure(readPrinter(target(name, { timeoutMs: 300 })), ErrorCode.SnmpTimeout);
      expect(err.message).to.match(
        new RegExp(
          `^no SNMP answer from ${ADDRESSES[name].replace(/\./g, '\\.')}:${sim.port} after 2 tries \\(timeout 300 ms\\)`,
        ),
      );
    } finally {
      await sim.resume(ADDRESSES[name]);
    }
    expectFixture(await readPrinter(target(name)), name);

    const wrong = await failure(
      readPrinter(target(name, { community: 'not-the-community', timeoutMs: 300, retries: 0 })),
      ErrorCode.SnmpTimeout,
    );
    expect(wrong.message).to.match(/after 1 try \(timeout 300 ms\).*community/);
    expect(wrong.message).to.not.include('not-the-community');

    const silent: SnmpTarget = { host: SILENT_ADDRESS, profile: { ...profile, timeoutMs: 300 } };
    const off = await failure(identifyPrinter(silent), ErrorCode.SnmpTimeout);
    expect(off.message).to.match(/^no SNMP answer from 127\.0\.0\.139:\d+ after 2 tries \(timeout 300 ms\)/);
  });
});

describe('SNMP reader against snmpd with SNMPv3', function () {
  this.timeout(120_000);
  let snmpd: Snmpd;
  let v3: SnmpProfileSettings;

  before(async () => {
    snmpd = await startSnmpd({ address: SNMPD_ADDRESS, fixture: 'kyocera-taskalfa-3253ci', v3: V3_USER });
    v3 = {
      version: '3',
      community: '',
      port: snmpd.port,
      timeoutMs: 1000,
      retries: 1,
      v3: {
        user: V3_USER.user,
        authProtocol: 'sha',
        authKey: V3_USER.authKey,
        privProtocol: 'aes',
        privKey: V3_USER.privKey,
        context: '',
      },
    };
  });

  after(async () => {
    await snmpd?.stop();
  });

  const withV3 = (changes: Partial<NonNullable<SnmpProfileSettings['v3']>>): SnmpTarget => ({
    host: SNMPD_ADDRESS,
    profile: { ...v3, v3: { ...v3.v3!, ...changes } },
  });

  it('reads the Kyocera through an authPriv (SHA + AES) user', async () => {
    const reading = await readPrinter({ host: SNMPD_ADDRESS, profile: v3 });
    const fixture = SNMP_FIXTURES['kyocera-taskalfa-3253ci'];
    expect(reading).to.deep.include({
      model: fixture.model,
      serial: fixture.serial,
      counters: fixture.counters,
    });
    expect(reading.supplies).to.deep.equal(fixture.supplies);
    expect(deriveStatus(reading)).to.deep.equal(DERIVED['kyocera-taskalfa-3253ci']);
  });

  it('says which credential to fix, and never repeats a key', async () => {
    const wrongAuth = await failure(
      readPrinter(withV3({ authKey: 'wrong-auth-passphrase' })),
      ErrorCode.SnmpFailed,
    );
    expect(wrongAuth.message).to.match(/authentication key or protocol of the SNMP profile does not match/);
    const unknownUser = await failure(readPrinter(withV3({ user: 'intruder' })), ErrorCode.SnmpFailed);
    expect(unknownUser.message).to.include('does not know the SNMPv3 user "intruder"');
    const noPrivacy = await failure(
      readPrinter(withV3({ privProtocol: 'none', privKey: '' })),
      ErrorCode.SnmpFailed,
    );
    expect(noPrivacy.message).to.match(/may require privacy/);
    const wrongPriv = await failure(
      readPrinter(withV3({ privKey: 'wrong-priv-passphrase' })),
      ErrorCode.SnmpTimeout,
    );
    expect(wrongPriv.message).to.match(/privacy key and protocol/);
    for (const err of [wrongAuth, unknownUser, noPrivacy, wrongPriv]) {
      for (const secret of [
        V3_USER.authKey,
        V3_USER.privKey,
        'wrong-auth-passphrase',
        'wrong-priv-passphrase',
      ]) {
        expect(err.message).to.not.include(secret);
      }
    }
  });

  it('reads snmpd over v2c too, the same as over v3', async () => {
    const v2c = await readPrinter({
      host: SNMPD_ADDRESS,
      profile: { ...v3, version: '2c', community: 'public', v3: null },
    });
    expect(v2c).to.deep.equal(await readPrinter({ host: SNMPD_ADDRESS, profile: v3 }));
  });
});
