/**
 * Integration tests of central's directory users, groups and rights on SQLite and MariaDB: the shared
 * case-sensitive name namespace, PINs and cards stored only as lookup keys, list replacement, soft deletion and
 * GDPR anonymisation, system users, listing, the 10-level group tree, and rights inherited from parent groups.
 */
import { expect } from 'chai';
import { ErrorCode, verifyPassword } from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { RIGHTS } from '../src/directory';
import {
  groupChain,
  openDirectory,
  rawSecretTables,
  rejection,
  type DirectoryFixture,
} from './directory-fixture';

const PIN = '48271593';
const CARD = 'QX-99817263';
const TEMP_CARD = 'QX-TEMP-55102947';
const PASSWORD = 'correct horse battery';

forEachDriver('central directory users, groups and rights', (_driver, getUrl) => {
  let dir: DirectoryFixture;

  beforeEach(async () => {
    dir = await openDirectory(await getUrl(), 6);
  });

  afterEach(async () => {
    await dir?.close();
  });

  const version = () => dir.repository.currentVersion(dir.dataSource.manager);

  const chain = (levels: number, prefix = 'L') => groupChain(dir, levels, prefix);

  describe('users', () => {
    it('creates a user with aliases, a PIN, cards, groups, delegates and a password, storing no secret', async () => {
      const staff = await dir.groups.create('Staff', null);
      const finance = await dir.groups.create('Finance', staff.id);
      const boss = await dir.users.create({ username: 'boss', fullName: 'The Boss' });
      const until = new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_250);
      const created = await dir.users.create({
        username: 'pear',
        fullName: 'Pear Person',
        email: 'pear@example.org',
        personalNumber: 'E-1001',
        language: 'fr',
        aliases: ['pp', 'p.pear'],
        pin: PIN,
        cards: [{ number: CARD }, { number: TEMP_CARD, validUntil: until }],
        groups: [
          { groupId: finance.id, accounting: true },
          { groupId: staff.id, manager: true },
        ],
        delegates: [{ user: 'boss' }, { groupId: staff.id }],
        password: PASSWORD,
      });

      const details = await dir.users.details(created.id);
      expect(details.user).to.include({
        username: 'pear',
        fullName: 'Pear Person',
        email: 'pear@example.org',
        personalNumber: 'E-1001',
        language: 'fr',
        source: 'manual',
        state: 'active',
        system: false,
        anonymised: false,
        pinKey: dir.lookupKeys.pin(PIN),
      });
      expect(details.aliases).to.deep.equal(['p.pear', 'pp']);
      expect(details.cards.map((card) => card.validUntil?.getTime() ?? null)).to.have.members([
        null,
        until.getTime(),
      ]);
      expect(details.groups).to.have.deep.members([
        { groupId: finance.id, accounting: true, manager: false },
        { groupId: staff.id, accounting: false, manager: true },
      ]);
      expect(details.delegates).to.have.deep.members([
        { kind: 'user', id: boss.id },
        { kind: 'group', id: staff.id },
      ]);
      expect(await verifyPassword(PASSWORD, details.user.passwordHash ?? '')).to.equal(true);
      expect((await dir.users.findByName('pp'))?.id).to.equal(created.id);

      const cardKeys: Array<{ card_key: string }> = await dir.dataSource.query(
        'SELECT card_key FROM directory_cards WHERE user_id = ?',
        [created.id],
      );
      expect(cardKeys.map((row) => row.card_key)).to.have.members(
        [CARD, TEMP_CARD].map((card) => dir.lookupKeys.card(card)),
      );
      const raw = (await rawSecretTables(dir.dataSource)).toUpperCase();
      for (const secret of [PIN, CARD, '99817263', TEMP_CARD, '55102947', PASSWORD.toUpperCase()]) {
        expect(raw, `raw rows hold ${secret}`).to.not.contain(secret);
      }
    });

    it('keeps usernames case-sensitive, in one namespace with aliases', async () => {
      const upper = await dir.users.create({ username: 'Pear', fullName: 'Upper Pear' });
      const lower = await dir.users.create({ username: 'pear', fullName: 'Lower Pear', aliases: ['plum'] });
      expect(upper.id).to.not.equal(lower.id);
      expect((await dir.users.findByName('Pear'))?.fullName).to.equal('Upper Pear');
      expect((await dir.users.findByName('pear'))?.fullName).to.equal('Lower Pear');
      expect(await dir.users.findByName('PEAR')).to.equal(null);

      const before = await version();
      expect(
        await rejection(
          dir.users.create({ username: 'apple', fullName: 'A', aliases: ['Pear'] }),
          ErrorCode.Conflict,
        ),
      ).to.equal('The name/alias "Pear" is already used by user "Pear"');
      expect(
        await rejection(dir.users.create({ username: 'plum', fullName: 'P' }), ErrorCode.Conflict),
      ).to.equal('The name/alias "plum" is already used by user "pear"');
      expect(await rejection(dir.users.update(upper.id, { aliases: ['plum'] }), ErrorCode.Conflict)).to.equal(
        'The name/alias "plum" is already used by user "pear"',
      );
      expect(await dir.users.findByName('apple')).to.equal(null);
      expect(await version(), 'a refused change bumps nothing').to.equal(before);

      await dir.users.update(upper.id, { aliases: ['Plum'] });
      expect((await dir.users.findByName('Plum'))?.id).to.equal(upper.id);
      expect((await dir.users.findByName('plum'))?.id).to.equal(lower.id);
    });

    it('refuses a short PIN, and a PIN or card of another user without naming them', async () => {
      expect(
        await rejection(
          dir.users.create({ username: 'short', fullName: 'S', pin: '12345' }),
          ErrorCode.ValidationFailed,
        ),
      ).to.contain('at least 6 digits');
      await dir.users.create({
        username: 'pin-owner-xyz',
        fullName: 'Owner',
        pin: '55501234',
        cards: [{ number: 'CARD-Q77' }],
      });

      const samePin = await rejection(
        dir.users.create({ username: 'second', fullName: 'Second', pin: '55501234' }),
        ErrorCode.Conflict,
      );
      const sameCard = await rejection(
        dir.users.create({ username: 'second', fullName: 'Second', cards: [{ number: ' card-q77' }] }),
        ErrorCode.Conflict,
      );
      for (const message of [samePin, sameCard]) expect(message).to.not.contain('pin-owner-xyz');
      expect(await dir.users.findByName('second')).to.equal(null);

      const second = await dir.users.create({ username: 'second', fullName: 'Second', pin: '55509999' });
      await rejection(dir.users.update(second.id, { pin: '55501234' }), ErrorCode.Conflict);
      await rejection(dir.users.update(second.id, { cards: [{ number: 'CARD-Q77' }] }), ErrorCode.Conflict);
      expect((await dir.users.get(second.id)).pinKey).to.equal(dir.lookupKeys.pin('55509999'));
    });

    it('replaces the lists given in an update and keeps the others', async () => {
      const [a, b] = [await dir.groups.create('A', null), await dir.groups.create('B', null)];
      await dir.users.create({ username: 'deputy', fullName: 'Deputy' });
      const user = await dir.users.create({
        username: 'lister',
        fullName: 'Lister',
        aliases: ['old-1', 'old-2'],
        cards: [{ number: 'OLD-CARD-1' }, { number: 'OLD-CARD-2' }],
        groups: [{ groupId: a.id, accounting: true }, { groupId: b.id }],
        delegates: [{ user: 'deputy' }, { groupId: a.id }],
      });
      await dir.users.update(user.id, {
        aliases: ['new-1'],
        cards: [{ number: 'NEW-CARD-1' }],
        groups: [{ groupId: b.id, manager: true }],
        delegates: [],
      });
      await dir.users.update(user.id, { fullName: 'Lister Renamed' });

      const details = await dir.users.details(user.id);
      expect(details.user.fullName).to.equal('Lister Renamed');
      expect(details.aliases).to.deep.equal(['new-1']);
      expect(details.groups).to.deep.equal([{ groupId: b.id, accounting: false, manager: true }]);
      expect(details.delegates).to.deep.equal([]);
      const cards: Array<{ card_key: string }> = await dir.dataSource.query(
        'SELECT card_key FROM directory_cards WHERE user_id = ?',
        [user.id],
      );
      expect(cards.map((row) => row.card_key)).to.deep.equal([dir.lookupKeys.card('NEW-CARD-1')]);
      const taker = await dir.users.create({
        username: 'old-1',
        fullName: 'Takes the freed alias and card',
        cards: [{ number: 'OLD-CARD-1' }],
      });
      expect((await dir.users.findByName('old-1'))?.id).to.equal(taker.id);
      await rejection(
        dir.users.update(user.id, {
          groups: [
            { groupId: a.id, accounting: true },
            { groupId: b.id, accounting: true },
          ],
        }),
        ErrorCode.ValidationFailed,
      );
    });

    it('soft-deletes (leaving every group), undeletes (with no groups) and anonymises for good', async () => {
      const group = await dir.groups.create('Team', null);
      const user = await dir.users.create({
        username: 'leaver',
        fullName: 'Lee Leaver',
        email: 'lee@example.org',
        personalNumber: 'P-77',
        phone: '+420 555 0100',
        aliases: ['lee'],
        pin: '90817263',
        cards: [{ number: 'LEAVER-CARD' }],
        password: PASSWORD,
        groups: [{ groupId: group.id, accounting: true }],
      });

      expect((await dir.users.remove(user.id)).state).to.equal('deleted');
      let details = await dir.users.details(user.id);
      expect(details.user.state).to.equal('deleted');
      expect(details.groups).to.deep.equal([]);
      expect((await dir.users.list({ states: ['active'], limit: 10, offset: 0 })).total).to.equal(0);

      await dir.users.undelete(user.id);
      details = await dir.users.details(user.id);
      expect(details.user.state).to.equal('active');
      expect(details.groups, 'memberships are not restored').to.deep.equal([]);
      expect(details.aliases).to.deep.equal(['lee']);

      const anonymous = await dir.users.anonymise(user.id);
      expect(anonymous.username).to.match(/^anonymous-/);
      const stored = await dir.users.get(user.id);
      expect(stored).to.include({
        username: anonymous.username,
        fullName: 'Anonymous',
        email: '',
        personalNumber: null,
        phone: null,
        pinKey: null,
        passwordHash: null,
        state: 'deleted',
        anonymised: true,
      });
      expect(await dir.users.findByName('leaver')).to.equal(null);
      expect(await dir.users.findByName('lee')).to.equal(null);
      expect((await dir.users.details(user.id)).cards).to.deep.equal([]);
      await dir.users.create({
        username: 'leaver',
        fullName: 'Reuses the freed name, PIN and card',
        pin: '90817263',
        cards: [{ number: 'LEAVER-CARD' }],
      });
      expect(await rejection(dir.users.undelete(user.id), ErrorCode.Conflict)).to.contain('anonymised');
      await rejection(dir.users.update(user.id, { fullName: 'Back' }), ErrorCode.Conflict);
    });

    it('has system users that cannot be deleted, and lists the others with search and paging', async () => {
      for (const name of ['*admin', '*unauthenticated', '*system']) {
        const system = await dir.users.findByName(name);
        expect(system, name).to.include({ username: name, system: true, state: 'active' });
        await rejection(dir.users.remove(system!.id), ErrorCode.Conflict);
        await rejection(dir.users.anonymise(system!.id), ErrorCode.Conflict);
        await rejection(dir.users.update(system!.id, { fullName: 'x' }), ErrorCode.Conflict);
      }
      for (let i = 0; i < 25; i += 1) {
        const number = String(i).padStart(2, '0');
        await dir.users.create({
          username: `user-${number}`,
          fullName: i === 7 ? 'Zed Zebra' : `Person ${number}`,
        });
      }
      const first = await dir.users.list({ limit: 10, offset: 0 });
      expect(first.total).to.equal(25);
      expect(first.users.map((u) => u.username)).to.deep.equal(
        Array.from({ length: 10 }, (_, i) => `user-0${i}`),
      );
      const last = await dir.users.list({ limit: 10, offset: 20 });
      expect(last.users.map((u) => u.username)).to.deep.equal([
        'user-20',
        'user-21',
        'user-22',
        'user-23',
        'user-24',
      ]);
      expect((await dir.users.list({ search: 'user-1', limit: 50, offset: 0 })).total).to.equal(10);
      expect(
        (await dir.users.list({ search: 'Zebra', limit: 50, offset: 0 })).users.map((u) => u.username),
      ).to.deep.equal(['user-07']);
      expect((await dir.users.list({ search: '*', limit: 50, offset: 0 })).total).to.equal(0);
    });
  });

  describe('groups', () => {
    it('nests groups 10 levels deep and refuses an 11th', async () => {
      const levels = await chain(10);
      expect(await dir.groups.withAncestors([levels[9].id])).to.have.members(levels.map((g) => g.id));
      expect(await rejection(dir.groups.create('L11', levels[9].id), ErrorCode.ValidationFailed)).to.contain(
        'at most 10 levels',
      );
      const [top] = await chain(2, 'M');
      await rejection(dir.groups.update(top.id, { parentId: levels[8].id }), ErrorCode.ValidationFailed);
      expect(await dir.groups.list()).to.have.length(12);
    });

    it('renames a group on the 10th level, and moves a subtree so that it ends on the 10th level', async () => {
      const levels = await chain(10);
      const renamed = await dir.groups.update(levels[9].id, { name: 'Tenth' });
      expect(renamed.name).to.equal('Tenth');
      const [top] = await chain(2, 'M');
      const moved = await dir.groups.update(top.id, { parentId: levels[7].id });
      expect(moved.parentId).to.equal(levels[7].id);
    });

    it('refuses to move a group under itself or one of its subgroups', async () => {
      const [a, b, c] = await chain(3);
      for (const parentId of [a.id, b.id, c.id]) {
        expect(await rejection(dir.groups.update(a.id, { parentId }), ErrorCode.ValidationFailed)).to.contain(
          'under itself or its subgroups',
        );
      }
      const other = await dir.groups.create('Other', null);
      expect((await dir.groups.update(b.id, { parentId: other.id })).parentId).to.equal(other.id);
      expect((await dir.groups.update(c.id, { parentId: null })).parentId).to.equal(null);
    });

    it('keeps sibling names unique, case-sensitively, and refuses , and | in names', async () => {
      const staff = await dir.groups.create('Staff', null);
      await dir.groups.create('staff', null);
      expect(await rejection(dir.groups.create('Staff', null), ErrorCode.Conflict)).to.contain('"Staff"');
      const itGroup = await dir.groups.create('IT', staff.id);
      await dir.groups.create('IT', null);
      await rejection(dir.groups.update(itGroup.id, { parentId: null }), ErrorCode.Conflict);
      const lab = await dir.groups.create('Lab', staff.id);
      await rejection(dir.groups.update(lab.id, { name: 'IT' }), ErrorCode.Conflict);
      for (const name of ['a,b', 'a|b', '']) {
        await rejection(dir.groups.create(name, null), ErrorCode.ValidationFailed);
        await rejection(dir.groups.update(lab.id, { name }), ErrorCode.ValidationFailed);
      }
      expect((await dir.groups.list()).map((g) => g.name).sort()).to.deep.equal([
        'IT',
        'IT',
        'Lab',
        'Staff',
        'staff',
      ]);
    });

    it('refuses to delete a group with subgroups; a leaf goes with its memberships, delegations and rights', async () => {
      const [parent, child] = await chain(2);
      const member = await dir.users.create({
        username: 'member',
        fullName: 'Member',
        groups: [{ groupId: child.id }],
        delegates: [{ groupId: child.id }],
      });
      await dir.rights.set({ subjectKind: 'group', subjectId: child.id, rights: ['manage-users'] });
      expect(await rejection(dir.groups.remove(parent.id), ErrorCode.Conflict)).to.contain('subgroups');

      await dir.groups.remove(child.id);
      const details = await dir.users.details(member.id);
      expect(details.groups).to.deep.equal([]);
      expect(details.delegates).to.deep.equal([]);
      expect(await dir.rights.list()).to.deep.equal([]);
      await dir.groups.remove(parent.id);
      expect(await dir.groups.list()).to.deep.equal([]);
      await rejection(dir.groups.remove(parent.id), ErrorCode.NotFound);
    });

    it('ensurePath creates the missing levels once and reuses existing ones', async () => {
      const manual = await dir.groups.create('Corp', null);
      const start = await version();
      const first = await dir.dataSource.transaction((tx) =>
        dir.groups.ensurePath(tx, ['Corp', 'Sales', 'North'], 'ldap:corp', new Map()),
      );
      expect(await version()).to.equal(start + 2);
      const again = await dir.dataSource.transaction((tx) =>
        dir.groups.ensurePath(tx, ['Corp', 'Sales', 'North'], 'ldap:corp', new Map()),
      );
      expect(again.id).to.equal(first.id);
      expect(await version()).to.equal(start + 2);
      await dir.dataSource.transaction((tx) =>
        dir.groups.ensurePath(tx, ['Corp', 'Sales', 'South'], 'ldap:corp', new Map()),
      );
      const groups = await dir.groups.list();
      expect(groups.map((g) => `${g.name}:${g.source}`).sort()).to.deep.equal([
        'Corp:manual',
        'North:ldap:corp',
        'Sales:ldap:corp',
        'South:ldap:corp',
      ]);
      expect(groups.find((g) => g.name === 'Sales')?.parentId).to.equal(manual.id);
      expect(first.parentId).to.equal(groups.find((g) => g.name === 'Sales')?.id);
    });
  });

  describe('rights', () => {
    it('a right granted to a parent group applies in its subgroups; administrator implies every right', async () => {
      const [staff, finance, payroll] = await chain(3, 'G');
      const user = await dir.users.create({
        username: 'clerk',
        fullName: 'Clerk',
        groups: [{ groupId: payroll.id }],
      });
      expect([...(await dir.rights.rightsOfUser(user.id))]).to.deep.equal([]);

      await dir.rights.set({ subjectKind: 'group', subjectId: staff.id, rights: ['manage-users'] });
      await dir.rights.set({ subjectKind: 'group', subjectId: finance.id, rights: ['recharge-credit'] });
      expect([...(await dir.rights.rightsOfUser(user.id))]).to.have.members([
        'manage-users',
        'recharge-credit',
      ]);

      await dir.users.update(user.id, { groups: [] });
      expect([...(await dir.rights.rightsOfUser(user.id))]).to.deep.equal([]);

      await dir.rights.set({ subjectKind: 'user', subjectId: user.id, rights: ['administrator'] });
      expect([...(await dir.rights.rightsOfUser(user.id))]).to.have.members([...RIGHTS]);
    });
  });
});
