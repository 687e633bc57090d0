/**
 * Integration test: real snmpsim and snmpd processes on 127.0.10.0/24, queried with net-snmp's command-line
 * tools. Each fixture walks as SNMP_FIXTURES describes it, values change at run time, a suspended agent goes
 * silent and comes back, 600 communities share one process, and SNMPv3 authPriv works (and fails with a
 * wrong key) on both agents.
 */
import { expect } from 'chai';
import { runCommand } from '../src/exec';
import { type SnmpV3User } from '../src/snmp-cli';
import { SNMP_FIXTURE_NAMES, SNMP_FIXTURES } from '../src/snmp-fixtures';
import { type Snmpsim, startSnmpsim } from '../src/snmp-agents';
import { startSnmpd } from '../src/snmpd';

const V3: SnmpV3User = {
  user: 'quire-monitor',
  authProtocol: 'SHA',
  authKey: 'auth-secret-1',
  privProtocol: 'AES',
  privKey: 'priv-secret-1',
};
const ADDRESSES = ['127.0.10.1', '127.0.10.2', '127.0.10.3'];
const SYS_NAME = '1.3.6.1.2.1.1.5.0';

/** `OID = value` lines of a v2c GET or bulk walk (values as net-snmp prints them with -Oqv off). */
async function snmp(tool: 'snmpget' | 'snmpbulkwalk', target: string, community: string, ...oids: string[]) {
  const args = ['-m', '', '-On', '-OQ', '-v2c', '-c', community, '-t', '1', '-r', '0', target, ...oids];
  const result = await runCommand(tool, args, { timeoutMs: 20_000 });
  const values = new Map<string, string>();
  for (const line of result.output.split('\n')) {
    const match = /^\.([\d.]+) = (.*)$/.exec(line);
    if (match) values.set(match[1], match[2].replace(/^"(.*)"$/, '$1'));
  }
  return { code: result.code, output: result.output, values };
}

function v3Get(target: string, key: string, context: string | null, oid: string) {
  const security = ['-l', 'authPriv', '-u', V3.user, '-a', V3.authProtocol, '-A', key, '-x', V3.privProtocol];
  const args = ['-m', '', '-On', '-OQ', '-v3', ...security, '-X', V3.privKey, '-t', '1', '-r', '0'];
  return runCommand('snmpget', [...args, ...(context ? ['-n', context] : []), target, oid], {
    timeoutMs: 10_000,
  });
}

describe('simulated SNMP printers', function () {
  // The first start may install snmpsim, snmp and snmpd with apt on a fresh machine.
  this.timeout(300_000);

  describe('snmpsim with the three fixtures', () => {
    let sim: Snmpsim;
    const at = (i: number): string => `${ADDRESSES[i]}:${sim.port}`;

    before(async () => {
      sim = await startSnmpsim({
        agents: [
          ...SNMP_FIXTURE_NAMES.map((fixture, i) => ({ address: ADDRESSES[i], fixture })),
          { address: ADDRESSES[0], fixture: 'hp-color-laserjet-m555', community: 'second' },
        ],
        v3: V3,
      });
    });
    after(() => sim?.stop());

    it('runs one process per address, all on one port', () => {
      expect(sim.pids).to.have.length(3);
      expect(new Set(sim.pids).size).to.equal(3);
    });

    SNMP_FIXTURE_NAMES.forEach((name, i) => {
      it(`walks the Printer-MIB of ${name} as SNMP_FIXTURES describes it`, async () => {
        const fixture = SNMP_FIXTURES[name];
        const walk = await snmp('snmpbulkwalk', at(i), 'public', '1.3.6.1.2.1.43');
        expect(walk.code, walk.output).to.equal(0);
        expect(walk.values.get('1.3.6.1.2.1.43.5.1.1.17.1')).to.equal(fixture.serial);
        expect(Number(walk.values.get(fixture.oids.lifeCount))).to.equal(fixture.counters.total);
        for (const supply of fixture.supplies) {
          expect(walk.values.get(`1.3.6.1.2.1.43.11.1.1.6.${supply.index}`)).to.equal(supply.description);
          expect(Number(walk.values.get(`1.3.6.1.2.1.43.11.1.1.9.${supply.index}`))).to.equal(supply.level);
        }
        const colorants = [...walk.values].filter(([oid]) => oid.startsWith('1.3.6.1.2.1.43.12.1.1.4.'));
        expect(colorants.map(([, value]) => value)).to.deep.equal(Object.keys(fixture.supplyLevelOids));
        const system = await snmp('snmpget', at(i), 'public', SYS_NAME, '1.3.6.1.2.1.25.3.2.1.3.1');
        expect([...system.values.values()]).to.deep.equal([fixture.sysName, fixture.model]);
      });
    });

    it('changes a toner level and the error state within a second, for that agent only', async () => {
      const fixture = SNMP_FIXTURES['hp-color-laserjet-m555'];
      const started = Date.now();
      await sim.setValue(ADDRESSES[1], 'public', fixture.supplyLevelOids.yellow, 'integer', 5);
      await sim.setValue(ADDRESSES[1], 'public', fixture.oids.errorState, 'hex', '2000');
      expect(Date.now() - started).to.be.lessThan(1_000);
      const changed = await snmp(
        'snmpget',
        at(1),
        'public',
        fixture.supplyLevelOids.yellow,
        fixture.oids.errorState,
      );
      expect([...changed.values.values()]).to.deep.equal(['5', '20 00 ']);
      const neighbour = await snmp('snmpget', at(0), 'second', fixture.supplyLevelOids.yellow);
      expect(neighbour.values.get(fixture.supplyLevelOids.yellow)).to.equal('52');
      await sim.setValue(ADDRESSES[1], 'public', fixture.supplyLevelOids.yellow, 'integer', 80);
      const restored = await snmp('snmpget', at(1), 'public', fixture.supplyLevelOids.yellow);
      expect(restored.values.get(fixture.supplyLevelOids.yellow)).to.equal('80');
    });

    it('adds and removes rows, and rejects values of the wrong shape', async () => {
      const alert = '1.3.6.1.2.1.43.18.1.1.8.1.9';
      await sim.setValue(ADDRESSES[2], 'public', alert, 'string', 'Paper jam | "Cassette 1"');
      expect((await snmp('snmpget', at(2), 'public', alert)).values.get(alert)).to.equal(
        'Paper jam | \\"Cassette 1\\"',
      );
      await sim.removeValue(ADDRESSES[2], 'public', alert);
      expect((await snmp('snmpget', at(2), 'public', alert)).output).to.match(/No Such Instance/);
      const bad = (type: 'integer' | 'counter' | 'hex', value: string | number) =>
        sim.setValue(ADDRESSES[2], 'public', alert, type, value).then(
          () => expect.fail(`${type} ${value} was accepted`),
          (err: Error) => err.message,
        );
      expect(await bad('integer', 1.5)).to.match(/not an integer/);
      expect(await bad('counter', -1)).to.match(/not an integer in 0\.\.4294967295/);
      expect(await bad('hex', 'abc')).to.match(/not whole bytes/);
      const stranger = await sim
        .setValue(ADDRESSES[2], 'nobody-here', alert, 'integer', 1)
        .catch((e: Error) => e);
      expect(String(stranger)).to.match(/no snmpsim agent with community "nobody-here"/);
    });

    it('goes silent when suspended and answers again when resumed', async () => {
      await sim.suspend(ADDRESSES[2]);
      const silent = await snmp('snmpget', at(2), 'public', SYS_NAME);
      expect(silent.output).to.match(/Timeout/);
      const other = await snmp('snmpget', at(0), 'public', SYS_NAME);
      expect(other.values.get(SYS_NAME)).to.equal(SNMP_FIXTURES['hp-laserjet-m507'].sysName);
      await sim.resume(ADDRESSES[2]);
      const back = await snmp('snmpget', at(2), 'public', SYS_NAME);
      expect(back.values.get(SYS_NAME)).to.equal(SNMP_FIXTURES['kyocera-taskalfa-3253ci'].sysName);
    });

    it('answers SNMPv3 authPriv with the community as context name, and refuses a wrong key', async () => {
      const serial = '1.3.6.1.2.1.43.5.1.1.17.1';
      const ok = await v3Get(at(0), V3.authKey, 'second', serial);
      expect(ok.output).to.contain(`${serial} = "${SNMP_FIXTURES['hp-color-laserjet-m555'].serial}"`);
      const wrongKey = await v3Get(at(0), 'not-the-key', 'second', serial);
      expect(wrongKey.code).to.not.equal(0);
      expect(wrongKey.output).to.match(/Authentication fail|Timeout/);
    });
  });

  it('serves 600 communities from one process, each answering', async () => {
    const agents = Array.from({ length: 600 }, (_, i) => ({
      address: '127.0.10.20',
      fixture: SNMP_FIXTURE_NAMES[i % 3],
      community: `printer${i + 1}`,
    }));
    const started = Date.now();
    const sim = await startSnmpsim({ agents });
    try {
      expect(Date.now() - started, 'start-up ms').to.be.lessThan(60_000);
      expect(sim.pids).to.have.length(1);
      const target = `127.0.10.20:${sim.port}`;
      const names: string[] = [];
      for (let batch = 0; batch < agents.length; batch += 20) {
        const slice = agents.slice(batch, batch + 20);
        const results = await Promise.all(slice.map((a) => snmp('snmpget', target, a.community, SYS_NAME)));
        names.push(...results.map((r) => r.values.get(SYS_NAME) ?? r.output));
      }
      expect(names).to.deep.equal(agents.map((a) => SNMP_FIXTURES[a.fixture].sysName));
      await sim.setValue('127.0.10.20', 'printer600', SYS_NAME, 'string', 'changed');
      const [changed, untouched] = await Promise.all(
        ['printer600', 'printer597'].map((c) => snmp('snmpget', target, c, SYS_NAME)),
      );
      expect([changed.values.get(SYS_NAME), untouched.values.get(SYS_NAME)]).to.deep.equal([
        'changed',
        SNMP_FIXTURES['kyocera-taskalfa-3253ci'].sysName,
      ]);
    } finally {
      await sim.stop();
    }
  });

  it('refuses agents off loopback and duplicate communities before starting anything', async () => {
    const refusal = (address: string, count = 1) =>
      startSnmpsim({ agents: Array(count).fill({ address, fixture: 'hp-laserjet-m507' }) }).then(
        () => expect.fail('started'),
        (err: Error) => err.message,
      );
    expect(await refusal('10.0.0.5')).to.match(/must bind to 127\.0\.0\.0\/8/);
    expect(await refusal('127.0.10.30', 2)).to.match(/share community "public"/);
  });

  describe('snmpd with a fixture and overrides', () => {
    it('answers SNMPv3 authPriv with the overrides, and refuses a wrong key', async () => {
      const fixture = SNMP_FIXTURES['kyocera-taskalfa-3253ci'];
      const snmpd = await startSnmpd({
        address: '127.0.10.40',
        fixture: 'kyocera-taskalfa-3253ci',
        v3: V3,
        overrides: [{ oid: fixture.supplyLevelOids.black, type: 'integer', value: 3 }],
      });
      try {
        const target = `127.0.10.40:${snmpd.port}`;
        const serial = await v3Get(target, V3.authKey, null, '1.3.6.1.2.1.43.5.1.1.17.1');
        expect(serial.output).to.contain(`= "${fixture.serial}"`);
        const walk = await snmp('snmpbulkwalk', target, 'public', '1.3.6.1.2.1.43.11.1.1.9');
        expect([...walk.values.values()]).to.deep.equal(['3', '33', '21', '8', '-3']);
        const system = await snmp('snmpget', target, 'public', SYS_NAME, '1.3.6.1.2.1.2.2.1.6.2');
        const [sysName, mac] = [...system.values.values()];
        expect([sysName, mac.trim().toLowerCase()]).to.deep.equal([
          fixture.sysName,
          fixture.mac.replace(/:/g, ' '),
        ]);
        const wrongKey = await v3Get(target, 'not-the-key', null, SYS_NAME);
        expect(wrongKey.code).to.not.equal(0);
        expect(wrongKey.output).to.match(/Authentication failure/);
      } finally {
        await snmpd.stop();
      }
    });
  });
});
