/**
 * Unit tests of the change feed on a real SQLite database with central's directory services: each user's
 * records carry exactly their own lists (cards, groups, delegates, aliases, rights), in the feed and in the
 * snapshot; granting rights to a user or a group, renaming a group and deleting one reach the feed as changes
 * with a new version; system users never travel to sites.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import {
  commonEntities,
  commonMigrations,
  createSilentLogger,
  loadConfig,
  LookupKeys,
  openDatabase,
} from '@quire/common';
import type { DirectoryChange, UserRecord } from '@quire/shared-proto';
import { centralMigrations } from '../migrations';
import { buildDirectory, centralEntities } from '../server';
import { DirectoryUserEntity } from './directory-user.entity';

const LOOKUP_KEY = 'change-feed-test-lookup-key-0123456789';
const keys = new LookupKeys(LOOKUP_KEY);

function userOf(changes: DirectoryChange[], id: string): UserRecord {
  const change = changes.find((c) => c.id === id && 'user' in c);
  if (!change || !('user' in change)) throw new Error(`no user record for ${id}`);
  return change.user;
}

describe('DirectoryChangeFeed', function () {
  this.timeout(20000);
  let dir: string;
  let dataSource: DataSource;
  let directory: Awaited<ReturnType<typeof buildDirectory>>;
  const version = () => directory.repository.currentVersion(dataSource.manager);

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-change-feed-'));
    const url = `sqlite:${path.join(dir, 'central.db')}`;
    ({ dataSource } = await openDatabase({
      url,
      entities: [...commonEntities, ...centralEntities],
      migrations: [...commonMigrations, ...centralMigrations],
    }));
    const config = loadConfig({
      role: 'central',
      env: { QUIRE_DB_URL: url, QUIRE_DIRECTORY_LOOKUP_KEY: LOOKUP_KEY },
    });
    directory = await buildDirectory(config, createSilentLogger(), dataSource);
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every user exactly their own lists, in pages and in the snapshot', async () => {
    const staff = await directory.groups.create('Staff', null);
    const sales = await directory.groups.create('Sales', staff.id);
    const ann = await directory.users.create({
      username: 'ann',
      fullName: 'Ann',
      aliases: ['a2', 'a1'],
      pin: '314159',
      cards: [{ number: 'ANN-1' }, { number: 'ANN-2', validUntil: new Date('2032-01-01T00:00:00.000Z') }],
      groups: [{ groupId: staff.id }, { groupId: sales.id }],
    });
    const bob = await directory.users.create({
      username: 'bob',
      fullName: 'Bob',
      cards: [{ number: 'BOB-1' }],
      groups: [{ groupId: sales.id }],
      delegates: [{ user: 'ann' }, { groupId: staff.id }],
    });
    const cid = await directory.users.create({ username: 'cid', fullName: 'Cid' });
    await directory.rights.set({
      subjectKind: 'user',
      subjectId: bob.id,
      rights: ['read-jobs', 'manage-jobs'],
    });

    const page = await directory.feed.changesSince(0);
    const snapshot = await directory.feed.snapshot();
    for (const [label, records] of [
      ['page', page.changes],
      [
        'snapshot',
        snapshot.users.map((user): DirectoryChange => ({ kind: 'user', id: user.id, op: 'upsert', user })),
      ],
    ] as const) {
      const a = userOf(records, ann.id);
      expect(a.aliases, label).to.deep.equal(['a1', 'a2']);
      expect(a.pinKey, label).to.equal(keys.pin('314159'));
      expect(a.cards, label).to.have.deep.members([
        { key: keys.card('ANN-1'), validUntil: null },
        { key: keys.card('ANN-2'), validUntil: '2032-01-01T00:00:00.000Z' },
      ]);
      expect(a.groups, label).to.have.members([staff.id, sales.id]);
      expect(a, label).to.include({ auth: 'local', state: 'active' });
      expect(a.delegates, label).to.deep.equal([]);
      const b = userOf(records, bob.id);
      expect(
        b.cards.map((c) => c.key),
        label,
      ).to.deep.equal([keys.card('BOB-1')]);
      expect(b.groups, label).to.deep.equal([sales.id]);
      expect(b.delegates, label).to.have.deep.members([
        { kind: 'user', id: ann.id },
        { kind: 'group', id: staff.id },
      ]);
      expect(b.rights, label).to.deep.equal(['manage-jobs', 'read-jobs']);
      const c = userOf(records, cid.id);
      expect([c.cards, c.groups, c.delegates, c.aliases, c.rights], label).to.deep.equal([
        [],
        [],
        [],
        [],
        [],
      ]);
    }
    expect(snapshot.groups.map((g) => g.name).sort()).to.deep.equal(['Sales', 'Staff']);
  });

  it('turns a rights grant into a change of its user or group, with a new version', async () => {
    const staff = await directory.groups.create('Staff', null);
    const ann = await directory.users.create({ username: 'ann', fullName: 'Ann' });
    const before = await version();
    await directory.rights.set({ subjectKind: 'user', subjectId: ann.id, rights: ['view-log'] });
    await directory.rights.set({ subjectKind: 'group', subjectId: staff.id, rights: ['read-jobs'] });
    expect(await version()).to.equal(before + 2);
    expect((await dataSource.manager.findOneByOrFail(DirectoryUserEntity, { id: ann.id })).version).to.equal(
      before + 1,
    );
    const page = await directory.feed.changesSince(before);
    expect(userOf(page.changes, ann.id).rights).to.deep.equal(['view-log']);
    expect(page.changes.find((c) => c.id === staff.id)).to.deep.equal({
      kind: 'group',
      id: staff.id,
      op: 'upsert',
      group: { id: staff.id, name: 'Staff', parentId: null, rights: ['read-jobs'] },
    });
  });

  it('sends group renames and deletions as changes', async () => {
    const staff = await directory.groups.create('Staff', null);
    let since = await version();
    await directory.groups.update(staff.id, { name: 'Employees' });
    let page = await directory.feed.changesSince(since);
    expect(page.changes).to.deep.equal([
      {
        kind: 'group',
        id: staff.id,
        op: 'upsert',
        group: { id: staff.id, name: 'Employees', parentId: null, rights: [] },
      },
    ]);
    since = page.version;
    await directory.groups.remove(staff.id);
    page = await directory.feed.changesSince(since);
    expect(page.changes).to.deep.equal([{ kind: 'group', id: staff.id, op: 'delete' }]);
  });

  it('never sends system users: their changes travel as deletions and the snapshot leaves them out', async () => {
    const admin = await dataSource.manager.findOneByOrFail(DirectoryUserEntity, { username: '*admin' });
    const before = await version();
    await directory.rights.set({ subjectKind: 'user', subjectId: admin.id, rights: ['administrator'] });
    const page = await directory.feed.changesSince(before);
    expect(page.changes).to.deep.equal([{ kind: 'user', id: admin.id, op: 'delete' }]);
    expect((await directory.feed.snapshot()).users.map((u) => u.username)).to.not.include('*admin');
  });
});
