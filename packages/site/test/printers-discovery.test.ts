/**
 * Discovery against real SNMP agents: three snmpsim printers (one per fixture, mono and colour) on 127.0.0.2-4
 * and ten silent addresses after them. A discovery of 127.0.0.2-127.0.0.14 finds exactly the three, with the
 * model, serial number, MAC and colour their fixtures hold, within a bounded time (silent addresses are probed
 * in parallel, not one after another), on SQLite and MariaDB; an agent that stops answering is not found.
 * Then `quire-site printers discover` runs as a child process against a site database: a dry-run table, and a
 * JSON run that adds the printers. Only 127.0.0.0/8 is ever probed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  AuditLogEntity,
  commonEntities,
  commonMigrations,
  createSilentLogger,
  openDatabase,
} from '@quire/common';
import {
  forEachDriver,
  SNMP_FIXTURES,
  sqliteTestUrl,
  startSnmpsim,
  type SnmpAgentSpec,
  type Snmpsim,
} from '@quire/testkit';
import { type DiscoveredPrinter, type DiscoveryReport } from '../src/printers/discovery';
import { PrinterEntity } from '../src/printers';
import { createProfileServices } from '../src/printers/profiles';
import { identifyPrinter } from '../src/printers/snmp/printer-reader';
import {
  openDiscoveryRig,
  siteDiscoveryEntities,
  siteDiscoveryMigrations,
  TEST_PROFILE,
  type DiscoveryRig,
} from './printers-discovery-fixture';

const AGENTS: SnmpAgentSpec[] = [
  { address: '127.0.0.2', fixture: 'hp-laserjet-m507' },
  { address: '127.0.0.3', fixture: 'hp-color-laserjet-m555' },
  { address: '127.0.0.4', fixture: 'kyocera-taskalfa-3253ci' },
];
const RANGE = '127.0.0.2-127.0.0.14';
/** Every silent address costs timeout × tries; all are probed at once, so a run takes about that long. */
const PROBE = { timeoutMs: 800, retries: 1 };
const BOUND_MS = 8_000;
const CHILD = path.join(__dirname, 'printers-discovery-cli-child.js');

function expectFixtures(
  found: Array<Pick<DiscoveredPrinter, 'address' | 'model' | 'serial' | 'mac' | 'sysName' | 'colorCapable'>>,
) {
  expect(found.map((device) => device.address)).to.deep.equal(AGENTS.map((agent) => agent.address));
  for (const [index, agent] of AGENTS.entries()) {
    const fixture = SNMP_FIXTURES[agent.fixture];
    expect(found[index], agent.fixture).to.include({
      model: fixture.model,
      serial: fixture.serial,
      mac: fixture.mac,
      sysName: fixture.sysName,
      colorCapable: fixture.color,
    });
  }
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

describe('printer discovery against snmpsim agents', function () {
  this.timeout(60_000);
  let sim: Snmpsim;

  before(async function () {
    this.timeout(300_000);
    sim = await startSnmpsim({ agents: AGENTS });
  });

  after(() => sim?.stop());

  forEachDriver('discovery of a range with 3 agents and 10 silent addresses', (_driver, getUrl) => {
    let rig: DiscoveryRig;

    before(async () => {
      rig = await openDiscoveryRig(await getUrl(), {
        identify: identifyPrinter,
        concurrency: 64,
        profile: { ...TEST_PROFILE, ...PROBE, port: sim.port },
      });
    });

    after(() => rig?.close());

    it('finds exactly the three agents, with their identity, in bounded time, and adds them', async () => {
      const started = Date.now();
      const report = await rig.discovery.run({ ranges: [RANGE] }, { actor: { actorName: 'system' } });
      expect(Date.now() - started).to.be.below(BOUND_MS);
      expect(report.scanned).to.equal(13);
      expectFixtures(report.found);
      expect(report.found.map((device) => device.outcome)).to.deep.equal(['added', 'added', 'added']);
      const printers = await rig.printers.list();
      expect(printers.map((p) => [p.uri, p.serial, p.mac, p.enabled]).sort()).to.deep.equal(
        AGENTS.map((agent) => {
          const fixture = SNMP_FIXTURES[agent.fixture];
          return [`socket://${agent.address}:9100`, fixture.serial, fixture.mac, false];
        }).sort(),
      );
      const kyocera = printers.find((p) => p.serial === SNMP_FIXTURES['kyocera-taskalfa-3253ci'].serial)!;
      expect(kyocera).to.include({
        location: SNMP_FIXTURES['kyocera-taskalfa-3253ci'].sysLocation,
        contact: SNMP_FIXTURES['kyocera-taskalfa-3253ci'].sysContact,
      });
    });

    it('does not find an agent that stops answering, and finds the others unchanged', async () => {
      await sim.suspend('127.0.0.3');
      try {
        const report = await rig.discovery.run({ ranges: [RANGE] }, { actor: { actorName: 'system' } });
        expect(report.found.map((d) => [d.address, d.outcome])).to.deep.equal([
          ['127.0.0.2', 'unchanged'],
          ['127.0.0.4', 'unchanged'],
        ]);
      } finally {
        await sim.resume('127.0.0.3');
      }
    });
  });

  describe('quire-site printers discover (child process)', () => {
    let url: string;
    let env: Record<string, string>;

    before(async () => {
      url = sqliteTestUrl('discovery-cli');
      const { dataSource } = await openDatabase({
        url,
        entities: [...commonEntities, ...siteDiscoveryEntities] as never[],
        migrations: [...commonMigrations, ...siteDiscoveryMigrations] as never[],
      });
      try {
        const { snmpProfiles } = createProfileServices(dataSource, createSilentLogger());
        await snmpProfiles.create({
          name: 'Simulated',
          version: '2c',
          community: 'public',
          port: sim.port,
          ...PROBE,
        });
      } finally {
        await dataSource.destroy();
      }
      env = { QUIRE_DB_URL: url, QUIRE_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'quire-discovery-cli-')) };
    });

    it('prints a table in a dry run, adds the printers and prints JSON in a real one', async () => {
      const dry = await runCli(
        ['printers', 'discover', '--range', RANGE, '--profile', 'simulated', '--dry-run'],
        env,
      );
      expect(dry.code, dry.stderr).to.equal(0);
      const lines = dry.stdout.trim().split('\n');
      expect(lines[0]).to.match(/^ADDRESS\s+OUTCOME\s+NAME\s+MODEL/);
      expect(lines.slice(1, 4).map((line) => line.split(/\s+/).slice(0, 2))).to.deep.equal(
        AGENTS.map((agent) => [agent.address, 'added']),
      );
      expect(lines[4]).to.match(/^Dry run: probed 13 addresses in [\d.]+ s, found 3: 3 to add/);

      const run = await runCli(
        [
          'printers',
          'discover',
          '--range',
          '127.0.0.2-14',
          '--exclude',
          '127.0.0.4',
          '--profile',
          'Simulated',
          '--json',
        ],
        env,
      );
      expect(run.code, run.stderr).to.equal(0);
      const report = JSON.parse(run.stdout) as DiscoveryReport;
      expect(report).to.include({ scanned: 12, dryRun: false });
      expect(report.found.map((d) => [d.address, d.outcome])).to.deep.equal([
        ['127.0.0.2', 'added'],
        ['127.0.0.3', 'added'],
      ]);

      const { dataSource } = await openDatabase({
        url,
        entities: [...commonEntities, ...siteDiscoveryEntities] as never[],
        migrations: [...commonMigrations, ...siteDiscoveryMigrations] as never[],
      });
      try {
        expect(await dataSource.getRepository(PrinterEntity).count()).to.equal(2);
        const audit = await dataSource.getRepository(AuditLogEntity).findBy({ action: 'printer.discover' });
        expect(audit).to.have.length(2);
        expect(audit[0].actorName).to.match(/^cli/);
      } finally {
        await dataSource.destroy();
      }
    });

    it('exits 1 naming the problem for an unknown profile or a bad range', async () => {
      const profile = await runCli(['printers', 'discover', '--range', RANGE, '--profile', 'nope'], env);
      expect(profile.code).to.equal(1);
      expect(profile.stderr).to.contain('No SNMP profile named or with id "nope"').and.contain('Simulated');
      const range = await runCli(['printers', 'discover', '--range', '127.0.0.2-127.0.0.300'], env);
      expect(range.code).to.equal(1);
      expect(range.stderr).to.contain('"127.0.0.2-127.0.0.300"').and.not.contain('probing');
    });
  });
});
