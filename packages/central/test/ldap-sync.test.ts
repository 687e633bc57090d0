/**
 * Integration tests of LDAP directory sync on SQLite and MariaDB, end to end: a real slapd holding 10,000
 * generated users in nested groups, a source saved through DirectorySourcesService as the API saves it, and
 * syncs run by the service central builds (read from slapd, plan, one transaction). The tests of the first block
 * follow one directory through its life, in order: the full sync, an unchanged re-run, a delta (1% changed, 1%
 * removed, 10 renamed), a dry run, the `quire-central users sync` CLI, and last a sync whose slapd is killed
 * mid-read. A second block shows what a rename does when users are not paired by personal number.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { LookupKeys } from '@quire/common';
import {
  forEachDriver,
  freePort,
  generateLdapDirectory,
  type GeneratedLdapDirectory,
  type GeneratedLdapUser,
  type Slapd,
} from '@quire/testkit';
import { type DirectoryUserEntity, type SyncReport } from '../src/directory';
import { dumpDirectory, TEST_LOOKUP_KEY } from './directory-fixture';
import {
  changedFields,
  changeLdif,
  ldapSourceInput,
  membershipPaths,
  openCentralDirectory,
  renamedUid,
  renameLdif,
  startSlapdWith,
  storedGroups,
  type CentralDirectory,
} from './ldap-sync-fixture';

const USERS = 10_000;
const SOURCE = 'corp';
const ZERO = { added: 0, updated: 0, disabled: 0, unchanged: 0, conflicts: 0, skipped: 0 };
const CLI = path.resolve(__dirname, '../src/cli.js');

/** `count` users, every `stride`-th from `offset`: the sets below never share a user. */
function every(directory: GeneratedLdapDirectory, count: number, stride: number, offset: number) {
  return Array.from({ length: count }, (_, n) => directory.user(n * stride + offset));
}

/** Run the built CLI with `args` and exactly the QUIRE_* variables of `env`; resolves with its code and output. */
function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('QUIRE_')),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function note(text: string): void {
  process.stderr.write(`      ${text}\n`);
}

forEachDriver('central LDAP sync against slapd', (driver, getUrl) => {
  describe('a source of 10,000 users in nested groups', function () {
    this.timeout(600_000);
    const directory = generateLdapDirectory({ users: USERS, memberOf: true });
    const keys = new LookupKeys(TEST_LOOKUP_KEY);
    const changed = every(directory, 100, 100, 1);
    const removed = every(directory, 100, 100, 2);
    const renamed = every(directory, 10, 1000, 3);
    const dryChanged = every(directory, 5, 2000, 4);
    let slapd: Slapd;
    let central: CentralDirectory;

    before(async () => {
      slapd = await startSlapdWith(directory);
      central = await openCentralDirectory(await getUrl());
      await central.directory.sources.save(ldapSourceInput(SOURCE, slapd, directory));
    });

    after(async () => {
      await central?.close();
      await slapd?.stop();
    });

    const sources = () => central.directory.sources;
    const version = () => central.directory.repository.currentVersion(central.dataSource.manager);
    const userNamed = (name: string) => central.directory.users.findByName(name);
    const historyRow = async (report: SyncReport) =>
      (await central.directory.sync.history(`ldap:${SOURCE}`, 50)).find((row) => row.id === report.runId);

    async function timedSync(what: string, dryRun: boolean): Promise<SyncReport> {
      const started = Date.now();
      const report = await sources().sync(SOURCE, { dryRun });
      note(`${driver}: ${what}: ${Date.now() - started} ms (engine ${report.durationMs} ms)`);
      return report;
    }

    it('adds every user with its fields, builds the nested group tree, and writes a history row', async () => {
      const progress: number[] = [];
      const started = Date.now();
      const report = await sources().sync(SOURCE, { dryRun: false, onProgress: (n) => progress.push(n) });
      note(
        `${driver}: full sync of ${USERS} users: ${Date.now() - started} ms (engine ${report.durationMs} ms)`,
      );
      expect(report, report.error).to.include({ status: 'ok', dryRun: false, source: `ldap:${SOURCE}` });
      expect(report.counts).to.deep.equal({ ...ZERO, added: USERS });
      expect(progress.at(-1)).to.equal(USERS);

      const groups = await storedGroups(central.dataSource);
      const expectedPaths = Array.from({ length: directory.groupCount }, (_, n) => directory.group(n).path);
      expect(groups.map((g) => g.path.join('/')).sort()).to.deep.equal(
        expectedPaths.map((p) => p.join('/')).sort(),
      );
      expect(new Set(groups.map((g) => g.source))).to.deep.equal(new Set([`ldap:${SOURCE}`]));
      expect(Math.max(...groups.map((g) => g.path.length))).to.equal(4);

      for (let index = 0; index < USERS; index += 487) {
        const expected = directory.user(index);
        const stored = (await userNamed(expected.uid)) as DirectoryUserEntity;
        expect(stored, expected.uid).to.include({
          username: expected.uid,
          fullName: expected.cn,
          email: expected.mail,
          personalNumber: expected.employeeNumber,
          language: expected.language,
          source: `ldap:${SOURCE}`,
          state: 'active',
        });
        expect(await membershipPaths(central.dataSource, stored.id), expected.uid).to.deep.equal(
          directory.groupPathsOf(expected),
        );
        const cards = await central.directory.repository.cardsOf(central.dataSource.manager, [stored.id]);
        const expectedCards = [...expected.carLicense, ...(expected.pager ? [expected.pager] : [])];
        expect(cards.map((c) => c.cardKey).sort()).to.deep.equal(
          expectedCards.map((c) => keys.card(c)).sort(),
        );
        if (expected.alias) expect((await userNamed(expected.alias))?.id).to.equal(stored.id);
      }

      const row = await historyRow(report);
      expect(row).to.include({ source: `ldap:${SOURCE}`, dryRun: false, status: 'ok' });
      expect(JSON.parse(row?.counts ?? '{}')).to.deep.equal(report.counts);
      expect(row?.durationMs).to.equal(report.durationMs).and.be.greaterThan(0);
    });

    it('finds every user unchanged on a second run and does not bump the directory version', async () => {
      const before = await version();
      const dump = await dumpDirectory(central.dataSource);
      const report = await timedSync('unchanged re-run', false);
      expect(report.counts).to.deep.equal({ ...ZERO, unchanged: USERS });
      expect(report.status).to.equal('ok');
      expect(await version()).to.equal(before);
      expect(await dumpDirectory(central.dataSource)).to.deep.equal(dump);
    });

    it('applies a delta: 1% changed, 1% removed (disabled, not deleted), 10 renamed in place', async () => {
      const renamedIds = new Map<string, string>();
      for (const user of renamed)
        renamedIds.set(user.uid, ((await userNamed(user.uid)) as DirectoryUserEntity).id);
      const removedIds = await Promise.all(
        removed.map(async (u) => ((await userNamed(u.uid)) as DirectoryUserEntity).id),
      );
      const before = await version();
      await slapd.modify(changeLdif(changed, 'delta'));
      await slapd.delete(removed.map((user) => user.dn));
      await slapd.modify(renameLdif(renamed));

      const report = await timedSync('delta sync (100 changed, 100 removed, 10 renamed)', false);
      expect(report, report.error).to.include({ status: 'ok' });
      expect(report.counts).to.deep.equal({ ...ZERO, updated: 110, disabled: 100, unchanged: USERS - 210 });
      expect(await version(), 'one version per user written').to.equal(before + 210);

      for (const user of changed.slice(0, 10)) {
        expect(await userNamed(user.uid)).to.include({
          ...toFields(changedFields(user, 'delta')),
          state: 'active',
        });
      }
      for (const [index, user] of removed.entries()) {
        const stored = await central.directory.users.get(removedIds[index]);
        expect(stored, user.uid).to.include({
          username: user.uid,
          state: 'disabled',
          source: `ldap:${SOURCE}`,
        });
      }
      for (const user of renamed) {
        const stored = (await userNamed(renamedUid(user))) as DirectoryUserEntity;
        expect(stored.id, 'paired by employeeNumber: the same account').to.equal(renamedIds.get(user.uid));
        expect(stored).to.include({ state: 'active', personalNumber: user.employeeNumber });
        expect(await userNamed(user.uid), 'the old name is released').to.equal(null);
        expect(await membershipPaths(central.dataSource, stored.id)).to.deep.equal(
          directory.groupPathsOf(user),
        );
      }
      const list = (states?: Array<'active' | 'disabled'>) =>
        central.directory.users.list({ source: `ldap:${SOURCE}`, states, limit: 1, offset: 0 });
      expect((await list()).total, 'removed users keep their rows').to.equal(USERS);
      expect((await list(['disabled'])).total).to.equal(100);
    });

    it('reports a pending change in a dry run and leaves every directory table as it was', async () => {
      await slapd.modify(changeLdif(dryChanged, 'dry'));
      const before = await version();
      const dump = await dumpDirectory(central.dataSource);
      const report = await timedSync('dry run', true);
      expect(report).to.include({ status: 'ok', dryRun: true });
      expect(report.counts).to.deep.equal({ ...ZERO, updated: 5, unchanged: USERS - 105 });
      expect(report.samples.updated).to.have.members(dryChanged.map((user) => user.uid));
      expect(await dumpDirectory(central.dataSource)).to.deep.equal(dump);
      expect(await version()).to.equal(before);
      expect(await historyRow(report)).to.include({ dryRun: true, status: 'ok' });
      expect((await userNamed(dryChanged[0].uid))?.fullName).to.equal(dryChanged[0].cn);
    });

    it('runs `quire-central users sync --dry-run`: prints the report, exits 0; a failing source exits 1', async () => {
      const downUrl = `ldap://127.0.0.1:${await freePort()}`;
      await sources().save(
        ldapSourceInput('down', slapd, directory, { urls: [downUrl], connectTimeoutSeconds: 1 }),
      );
      const dump = await dumpDirectory(central.dataSource);
      const dry = await runCli(['users', 'sync', '--source', SOURCE, '--dry-run'], central.env);
      expect(dry.code, dry.output).to.equal(0);
      expect(dry.output).to.match(new RegExp(`Dry run of ldap:${SOURCE}: ok in \\d+ ms`));
      expect(dry.output).to.include(`added 0, updated 5, disabled 0, unchanged ${USERS - 105}, conflicts 0`);
      expect(dry.output).to.include(`updated: ${dryChanged.map((u) => u.uid).join(', ')}`);
      expect(await dumpDirectory(central.dataSource)).to.deep.equal(dump);

      const failing = await runCli(['users', 'sync', '--source', 'down', '--dry-run'], central.env);
      expect(failing.code, failing.output).to.equal(1);
      expect(failing.output).to.include('Dry run of ldap:down: failed');
      expect(failing.output).to.include(`no server answered (${downUrl}`);
      const unknown = await runCli(['users', 'sync', '--source', 'nowhere'], central.env);
      expect(unknown.code, unknown.output).to.equal(1);
      expect(unknown.output).to.include('No directory source named "nowhere"');
      expect(await dumpDirectory(central.dataSource)).to.deep.equal(dump);
    });

    it('changes nothing when slapd dies after the first page, and records the failed run', async () => {
      const before = await version();
      const dump = await dumpDirectory(central.dataSource);
      const pages: number[] = [];
      const report = await sources().sync(SOURCE, {
        dryRun: false,
        onProgress: (count) => {
          pages.push(count);
          if (pages.length === 1) slapd.kill('SIGKILL');
        },
      });
      // The client asks for the next page before handing this one over, so slapd may still answer that one.
      expect(pages).to.have.length.within(1, 2);
      expect(report).to.include({ status: 'failed', dryRun: false });
      expect(report.counts).to.deep.equal(ZERO);
      expect(report.error).to.match(/connection was lost after (500|1000) entries .*nothing was applied/);
      expect(await dumpDirectory(central.dataSource)).to.deep.equal(dump);
      expect(await version()).to.equal(before);
      const row = await historyRow(report);
      expect(row).to.include({ status: 'failed', dryRun: false });
      expect(JSON.parse(row?.errors ?? '[]')).to.deep.equal([{ origin: 'run', message: report.error }]);
      expect((await userNamed(dryChanged[0].uid))?.fullName, 'the pending change is not applied').to.equal(
        dryChanged[0].cn,
      );
    });
  });

  describe('a renamed user without pairing by personal number', function () {
    this.timeout(120_000);
    const directory = generateLdapDirectory({ users: 200, groups: 10, memberOf: true });
    let slapd: Slapd;
    let central: CentralDirectory;

    before(async () => {
      slapd = await startSlapdWith(directory);
      central = await openCentralDirectory(await getUrl());
      const options = { addNew: true, disableMissing: true, pairByPersonalNumber: false };
      await central.directory.sources.save(ldapSourceInput(SOURCE, slapd, directory, { options }));
    });

    after(async () => {
      await central?.close();
      await slapd?.stop();
    });

    it('is not re-created: the old account is disabled and keeps the cards and number the new name needs', async () => {
      const sources = central.directory.sources;
      expect((await sources.sync(SOURCE, { dryRun: false })).counts).to.deep.equal({ ...ZERO, added: 200 });
      const user = [7, 8, 9]
        .map((n) => directory.user(n))
        .find((u) => u.carLicense.length > 0) as GeneratedLdapUser;
      const oldId = ((await central.directory.users.findByName(user.uid)) as DirectoryUserEntity).id;
      await slapd.modify(renameLdif([user]));

      for (const run of [1, 2]) {
        const report = await sources.sync(SOURCE, { dryRun: false });
        expect(report.counts, `run ${run}`).to.deep.equal({
          ...ZERO,
          disabled: run === 1 ? 1 : 0,
          conflicts: 1,
          unchanged: 199,
        });
        expect(report.status).to.equal('partial');
        expect(report.conflicts[0].message).to.equal('A card is already registered to another user');
        expect(await central.directory.users.findByName(renamedUid(user)), `run ${run}`).to.equal(null);
        expect(await central.directory.users.get(oldId)).to.include({
          username: user.uid,
          state: 'disabled',
        });
      }
    });
  });
});

/** The directory fields a changed LDAP entry maps to. */
function toFields(fields: { cn: string; mail: string }): { fullName: string; email: string } {
  return { fullName: fields.cn, email: fields.mail };
}
