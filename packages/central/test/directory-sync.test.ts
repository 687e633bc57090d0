/**
 * Integration tests of the directory sync engine on SQLite and MariaDB, fed with source reads built here and
 * with parseUserCsv's output: adding, updating, counting unchanged users, disabling (never deleting) missing
 * ones, lower-casing, pairing by personal number, names owned by other sources, list merge modes, groups made
 * from paths, dry runs that change nothing, a failure halfway that leaves the directory as it was, and history.
 */
import { expect } from 'chai';
import { type SourceProblem, type SourceUser, type SyncRules } from '../src/directory';
import {
  CSV_MERGE_MODES,
  DEFAULT_CSV_IMPORT_OPTIONS,
  parseUserCsv,
  type CsvMergeMode,
} from '../src/directory/csv-user-import';
import { forEachDriver } from '@quire/testkit';
import {
  dumpDirectory,
  injectUserChangeFailure,
  listsOf,
  openDirectory,
  sourceUser,
  syncRules,
  type DirectoryFixture,
} from './directory-fixture';

const ZERO = { added: 0, updated: 0, disabled: 0, unchanged: 0, conflicts: 0, skipped: 0 };

/** What each merge mode leaves after a run that brings new values (filled) or none (empty). */
const MERGED: Record<CsvMergeMode, { updated: number; filled: string[]; empty: string[] }> = {
  none: { updated: 0, filled: ['C1', 'P1', 'G1', 'd1'], empty: ['C1', 'P1', 'G1', 'd1'] },
  full: { updated: 2, filled: ['C2', 'P2', 'G2', 'd2'], empty: [] },
  ifNotEmpty: { updated: 1, filled: ['C2', 'P2', 'G2', 'd2'], empty: ['C1', 'P1', 'G1', 'd1'] },
  addNew: { updated: 1, filled: ['C1', 'C2', 'P1', 'G1', 'G2', 'd1', 'd2'], empty: ['C1', 'P1', 'G1', 'd1'] },
};

forEachDriver('central directory sync', (_driver, getUrl) => {
  let dir: DirectoryFixture;

  beforeEach(async () => {
    dir = await openDirectory(await getUrl());
  });

  afterEach(async () => {
    await dir?.close();
  });

  const version = () => dir.repository.currentVersion(dir.dataSource.manager);
  const run = (users: SourceUser[], rules: SyncRules, dryRun = false, problems: SourceProblem[] = []) =>
    dir.sync.run({ users, groups: [], problems }, rules, dryRun);
  const stateOf = async (name: string) => (await dir.users.findByName(name))?.state;

  it('adds new users, updates changed ones, counts unchanged ones, and writes a history row per run', async () => {
    const staff = await dir.groups.create('Staff', null);
    const corp = syncRules('ldap:corp');
    const alice = sourceUser('alice', {
      aliases: ['ali'],
      email: 'alice@example.org',
      personalNumber: 'E1',
      pins: ['11223344'],
      cards: ['ALICE-1'],
      groups: [['Staff', 'Finance']],
      delegates: ['bob'],
    });
    const bob = sourceUser('bob', { groups: [['Staff', 'IT']] });
    const carol = sourceUser('carol');
    const reports = [await run([alice, bob, carol], corp)];
    expect(reports[0]).to.include({ status: 'ok', dryRun: false, source: 'ldap:corp' });
    expect(reports[0].counts).to.deep.equal({ ...ZERO, added: 3 });
    expect(reports[0].samples.added).to.have.members(['alice', 'bob', 'carol']);

    const lists = await listsOf(dir, 'alice');
    expect(lists.user).to.include({
      source: 'ldap:corp',
      state: 'active',
      email: 'alice@example.org',
      personalNumber: 'E1',
      pinKey: dir.lookupKeys.pin('11223344'),
    });
    expect(lists.cardKeys).to.deep.equal([dir.lookupKeys.card('ALICE-1')]);
    expect(lists.groups).to.deep.equal(['Staff/Finance']);
    expect(lists.delegates).to.deep.equal(['bob']);
    expect((await dir.users.findByName('ali'))?.username).to.equal('alice');
    const groups = await dir.groups.list();
    expect(groups.map((g) => `${g.name}:${g.source}`).sort()).to.deep.equal([
      'Finance:ldap:corp',
      'IT:ldap:corp',
      'Staff:manual',
    ]);
    expect(groups.filter((g) => g.parentId === staff.id)).to.have.length(2);

    const settled = await version();
    reports.push(await run([alice, bob, carol], corp));
    expect(reports[1].counts).to.deep.equal({ ...ZERO, unchanged: 3 });
    expect(await version(), 'an unchanged run bumps nothing').to.equal(settled);

    const changed = [{ ...alice, fullName: 'Alice Changed' }, { ...bob, email: 'bob@example.org' }, carol];
    reports.push(await run(changed, corp));
    expect(reports[2].counts).to.deep.equal({ ...ZERO, updated: 2, unchanged: 1 });
    expect(reports[2].samples.updated).to.have.members(['alice', 'bob']);
    expect((await dir.users.findByName('alice'))?.fullName).to.equal('Alice Changed');
    expect((await dir.users.findByName('bob'))?.email).to.equal('bob@example.org');
    expect(await version()).to.equal(settled + 2);

    reports.push(await run([...changed, sourceUser('dave')], { ...corp, addNew: false }));
    expect(reports[3].counts).to.deep.equal({ ...ZERO, unchanged: 3 });
    expect(await dir.users.findByName('dave')).to.equal(null);

    const history = await dir.sync.history('ldap:corp', 10);
    expect(history).to.have.length(4);
    for (const report of reports) {
      const row = history.find((r) => r.id === report.runId);
      expect(row, report.runId).to.include({ source: 'ldap:corp', dryRun: false, status: 'ok' });
      expect(JSON.parse(row!.counts)).to.deep.equal(report.counts);
    }
  });

  it('disables missing users (never deletes them), and disables nobody when the read is empty', async () => {
    const rules = syncRules('ldap:corp', { disableMissing: true });
    const [a, b, c] = ['a', 'b', 'c'].map((name) => sourceUser(name, { aliases: [`${name}-alias`] }));
    await dir.users.create({ username: 'manual-m', fullName: 'Manual' });
    await run([a, b, c], rules);

    const dropped = await run([a, b], rules);
    expect(dropped.counts).to.deep.equal({ ...ZERO, disabled: 1, unchanged: 2 });
    expect(dropped.samples.disabled).to.deep.equal(['c']);
    expect(await stateOf('c')).to.equal('disabled');
    expect((await dir.users.findByName('c-alias'))?.username, 'names are kept').to.equal('c');
    expect(await stateOf('manual-m'), "another source's user").to.equal('active');

    const empty = await run([], rules);
    expect(empty.counts).to.deep.equal(ZERO);
    expect([await stateOf('a'), await stateOf('b')]).to.deep.equal(['active', 'active']);

    const back = await run([a, b, c], rules);
    expect(back.counts).to.deep.equal({ ...ZERO, updated: 1, unchanged: 2 });
    expect(await stateOf('c')).to.equal('active');

    await run([a], syncRules('ldap:corp'));
    expect([await stateOf('b'), await stateOf('c')], 'without disableMissing').to.deep.equal([
      'active',
      'active',
    ]);
    expect(await dir.sync.history('ldap:corp', 10)).to.have.length(5);
  });

  it('lower-cases usernames and aliases when asked, and pairs the next run by the lower-cased name', async () => {
    const rules = syncRules('csv', { lowercaseUsernames: true });
    const first = await run([sourceUser('Pear', { fullName: 'Pear', aliases: ['P.Pear'] })], rules);
    expect(first.counts).to.deep.equal({ ...ZERO, added: 1 });
    expect(await dir.users.findByName('Pear')).to.equal(null);
    const pear = await dir.users.findByName('pear');
    expect((await dir.users.details(pear!.id)).aliases).to.deep.equal(['p.pear']);

    const again = await run([sourceUser('PEAR', { fullName: 'Pear', aliases: ['p.PEAR'] })], rules);
    expect(again.counts).to.deep.equal({ ...ZERO, unchanged: 1 });
  });

  it('pairs by personal number, so a renamed account is updated, not added', async () => {
    const rules = syncRules('ldap:corp', { pairByPersonalNumber: true, disableMissing: true });
    await run([sourceUser('old.name', { personalNumber: 'E-42', cards: ['E42-CARD'] })], rules);
    const before = await dir.users.findByName('old.name');

    const renamed = await run(
      [sourceUser('new.name', { personalNumber: 'E-42', cards: ['E42-CARD'] })],
      rules,
    );
    expect(renamed.counts).to.deep.equal({ ...ZERO, updated: 1 });
    const after = await dir.users.findByName('new.name');
    expect(after?.id).to.equal(before?.id);
    expect(after?.state).to.equal('active');
    expect(await dir.users.findByName('old.name')).to.equal(null);
    expect((await listsOf(dir, 'new.name')).cardKeys).to.deep.equal([dir.lookupKeys.card('E42-CARD')]);
  });

  it("reports a name owned by another source's user as a conflict, and leaves that user untouched", async () => {
    const manual = await dir.users.create({
      username: 'pear',
      fullName: 'Manual Pear',
      aliases: ['pp'],
      pin: '99887766',
    });
    await run([sourceUser('shared', { fullName: 'From LDAP' })], syncRules('ldap:corp'));
    const untouched = () =>
      Promise.all([
        dir.dataSource.query("SELECT * FROM directory_users WHERE source <> 'csv' ORDER BY username"),
        dir.dataSource.query('SELECT * FROM directory_names ORDER BY name'),
      ]);
    const before = await untouched();

    const report = await run(
      [
        sourceUser('Pear', { fullName: 'CSV Pear', pins: ['12121212'] }),
        sourceUser('fig', { aliases: ['pp'] }),
        sourceUser('shared'),
        sourceUser('kiwi'),
      ],
      syncRules('csv', { lowercaseUsernames: true }),
    );
    expect(report.status).to.equal('partial');
    expect(report.counts).to.deep.equal({ ...ZERO, added: 1, conflicts: 3 });
    expect(report.conflicts).to.deep.equal([
      { origin: 'record Pear', message: 'The name/alias "pear" is already used by user "pear"' },
      { origin: 'record fig', message: 'The name/alias "pp" is already used by user "pear"' },
      { origin: 'record shared', message: 'The name/alias "shared" is already used by user "shared"' },
    ]);
    const after = await untouched();
    expect(after[1]).to.have.length(before[1].length + 1);
    expect([after[0], after[1].filter((n: { name: string }) => n.name !== 'kiwi')]).to.deep.equal(before);
    expect((await dir.users.get(manual.id)).pinKey).to.equal(dir.lookupKeys.pin('99887766'));
    const [row] = await dir.sync.history('csv', 1);
    expect(JSON.parse(row.errors)).to.deep.equal(report.conflicts);
  });

  for (const mode of CSV_MERGE_MODES) {
    it(`merges cards, PIN, groups and delegates by mode "${mode}"`, async () => {
      const pins = new Map([
        ['P1', '41414141'],
        ['P2', '52525252'],
      ]);
      const user = (name: string, tag: '1' | '2') =>
        sourceUser(name, {
          cards: [`${name}-C${tag}`],
          pins: [String(Number(pins.get(`P${tag}`)) + name.length)],
          groups: [[`G${tag}`]],
          delegates: [`d${tag}`],
        });
      await run(
        [sourceUser('d1'), sourceUser('d2'), user('filled', '1'), user('empty', '1')],
        syncRules('csv'),
      );

      const merge = { cards: mode, pin: mode, groups: mode, delegates: mode };
      const report = await run([user('filled', '2'), sourceUser('empty')], syncRules('csv', { merge }));
      expect(report.counts.updated).to.equal(MERGED[mode].updated);
      for (const name of ['filled', 'empty'] as const) {
        const lists = await listsOf(dir, name);
        const tags = [
          ...['C1', 'C2'].filter((tag) => lists.cardKeys.includes(dir.lookupKeys.card(`${name}-${tag}`))),
          ...['P1', 'P2'].filter(
            (tag) => lists.pinKey === dir.lookupKeys.pin(String(Number(pins.get(tag)) + name.length)),
          ),
          ...lists.groups,
          ...lists.delegates,
        ];
        expect(tags, `${mode}, ${name}`).to.deep.equal(MERGED[mode][name]);
        expect(lists.cardKeys, 'no stray card').to.have.length(tags.filter((t) => t.startsWith('C')).length);
      }
    });
  }

  describe('dry runs and failures', () => {
    const rules = syncRules('ldap:corp', { disableMissing: true });
    const next = [
      sourceUser('a', { fullName: 'A changed', groups: [['Staff']] }),
      sourceUser('b', { cards: ['B-CARD'] }),
      sourceUser('d', { pins: ['30303030'], cards: ['D-CARD'], groups: [['New', 'Deep']], delegates: ['a'] }),
      sourceUser('pear'),
    ];
    const problems = [{ origin: 'entry uid=x', message: 'no username attribute' }];

    beforeEach(async () => {
      await dir.users.create({ username: 'pear', fullName: 'Manual Pear' });
      await run(
        [sourceUser('a', { groups: [['Staff']] }), sourceUser('b', { cards: ['B-CARD'] }), sourceUser('c')],
        rules,
      );
    });

    it('a dry run changes nothing, yet reports what the real run then does', async () => {
      const before = await dumpDirectory(dir.dataSource);
      const dry = await run(next, rules, true, problems);
      expect(await dumpDirectory(dir.dataSource)).to.deep.equal(before);
      expect(dry).to.include({ dryRun: true, status: 'partial' });
      expect(dry.counts).to.deep.equal({
        added: 1,
        updated: 1,
        disabled: 1,
        unchanged: 1,
        conflicts: 1,
        skipped: 1,
      });
      expect(dry.problems).to.deep.equal(problems);

      const real = await run(next, rules, false, problems);
      expect(real.counts).to.deep.equal(dry.counts);
      expect(real.samples).to.deep.equal(dry.samples);
      expect(await dumpDirectory(dir.dataSource)).to.not.deep.equal(before);
      expect(await stateOf('c')).to.equal('disabled');
      expect((await listsOf(dir, 'd')).groups).to.deep.equal(['New/Deep']);
      const history = await dir.sync.history('ldap:corp', 10);
      expect(history.map((row) => row.dryRun).sort()).to.deep.equal([false, false, true]);
    });

    it('a failure while writing leaves the directory exactly as before and writes a failed history row', async () => {
      const removeTrigger = await injectUserChangeFailure(dir.dataSource);
      const before = await dumpDirectory(dir.dataSource);
      const failed = await run(next, rules);
      expect(failed.status).to.equal('failed');
      expect(failed.error).to.contain('injected failure');
      expect(await dumpDirectory(dir.dataSource)).to.deep.equal(before);
      const row = (await dir.sync.history('ldap:corp', 10)).find((r) => r.id === failed.runId);
      expect(row?.status).to.equal('failed');
      expect(JSON.parse(row!.errors)[0].message).to.contain('injected failure');

      await removeTrigger();
      expect((await run(next, rules)).status).to.equal('partial');
      expect(await stateOf('d')).to.equal('active');
    });
  });

  it("applies parseUserCsv's output: good lines added, bad lines skipped with their line numbers", async () => {
    const file = Buffer.from(
      '\uFEFF' +
        [
          'FULLNAME;USERNAME_ALIASES;EMAIL;CARDS;GROUPS;PIN;LANG;CODE;DELEGATES',
          'Ann Apple;ann,annie;ann@example.org;ANN-1;Staff|Finance;12345678;en;E-1;bob',
          'No Name;;x@example.org;;;;;;',
          'Bob Berry;bob;;BOB-1,BOB-2;Staff|IT;;;E-2;',
          'Cid Cherry;cid;not-an-email;;;;;;',
        ].join('\r\n'),
    );
    const rules = syncRules('csv', { merge: { ...DEFAULT_CSV_IMPORT_OPTIONS } });
    const report = await dir.sync.run(parseUserCsv(file), rules, false);
    expect(report.status).to.equal('partial');
    expect(report.counts).to.deep.equal({ ...ZERO, added: 2, skipped: 2 });
    expect(report.problems.map((p) => p.origin)).to.deep.equal(['line 3', 'line 5']);
    const ann = await listsOf(dir, 'ann');
    expect(ann.user).to.include({
      fullName: 'Ann Apple',
      language: 'en',
      personalNumber: 'E-1',
      source: 'csv',
    });
    expect(ann.pinKey).to.equal(dir.lookupKeys.pin('12345678'));
    expect(ann.groups).to.deep.equal(['Staff/Finance']);
    expect(ann.delegates, 'a delegate defined further down the file').to.deep.equal(['bob']);
    expect((await listsOf(dir, 'bob')).cardKeys).to.have.members(
      ['BOB-1', 'BOB-2'].map((c) => dir.lookupKeys.card(c)),
    );

    const again = await dir.sync.run(parseUserCsv(file), rules, false);
    expect(again.counts).to.deep.equal({ ...ZERO, unchanged: 2, skipped: 2 });
  });

  describe('records that clash, and lists a sync keeps', () => {
    it('a sync that rewrites a user keeps temporary card validity and membership flags', async () => {
      await run([sourceUser('tem', { cards: ['TEM-1'], groups: [['Staff']] })], syncRules('csv'));
      const user = (await dir.users.findByName('tem'))!;
      const staffId = (await dir.groups.list())[0].id;
      const until = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_000);
      await dir.users.update(user.id, {
        cards: [{ number: 'TEM-1', validUntil: until }],
        groups: [{ groupId: staffId, accounting: true, manager: true }],
      });
      const none = { cards: 'none', pin: 'none', groups: 'none', delegates: 'none' } as const;
      const report = await run(
        [sourceUser('tem', { fullName: 'Renamed' })],
        syncRules('csv', { merge: none }),
      );
      expect(report.counts.updated).to.equal(1);
      const details = await dir.users.details(user.id);
      expect({
        groups: details.groups,
        cards: details.cards.map((c) => c.validUntil?.getTime()),
      }).to.deep.equal({
        groups: [{ groupId: staffId, accounting: true, manager: true }],
        cards: [until.getTime()],
      });
    });

    it('reports a PIN, card, personal number or alias held elsewhere as a conflict and applies the rest', async () => {
      await dir.users.create({
        username: 'holder',
        fullName: 'Holder',
        pin: '77665544',
        cards: [{ number: 'HELD-CARD' }],
        personalNumber: 'HELD-PN',
      });
      const report = await run(
        [
          sourceUser('p1', { pins: ['77665544'] }),
          sourceUser('p2', { cards: ['HELD-CARD'] }),
          sourceUser('p3', { personalNumber: 'HELD-PN' }),
          sourceUser('x1', { aliases: ['twice'] }),
          sourceUser('x2', { aliases: ['twice'] }),
          sourceUser('fine'),
        ],
        syncRules('ldap:corp'),
      );
      expect({
        error: report.error,
        status: report.status,
        added: report.counts.added,
        conflicts: report.counts.conflicts,
        fine: await stateOf('fine'),
      }).to.deep.equal({ error: undefined, status: 'partial', added: 2, conflicts: 4, fine: 'active' });
      expect(JSON.stringify(report.conflicts.slice(0, 2))).to.not.contain('holder');
    });

    it('stores group delegates, and a second identical run reports every user unchanged', async () => {
      const records = [
        sourceUser('boss', { groups: [['Staff']] }),
        sourceUser('assistant', { delegates: ['boss', 'group:Staff'] }),
      ];
      await run(records, syncRules('csv'));
      const staffId = (await dir.groups.list())[0].id;
      const assistant = (await dir.users.findByName('assistant'))!;
      const delegates = (await dir.users.details(assistant.id)).delegates;
      const settled = await version();
      const second = await run(records, syncRules('csv'));
      expect({
        groupDelegate: delegates.some((d) => d.kind === 'group' && d.id === staffId),
        counts: second.counts,
        versionsBumped: (await version()) - settled,
      }).to.deep.equal({ groupDelegate: true, counts: { ...ZERO, unchanged: 2 }, versionsBumped: 0 });
    });
  });
});
