/**
 * Unit tests of the directory cache's look-ups and standalone writes on a real SQLite database: users whose
 * names differ only by case stay apart and the exact case wins, a standalone save replaces the user of the same
 * name and refuses a PIN or card another user holds (naming the field), and delegates given by name (before
 * their user exists) or to a group name are found.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import { ErrorCode, isQuireError, LookupKeys, openDatabase } from '@quire/common';
import { jobCoreEntities, jobCoreMigrations } from '../job-core';
import { CacheSql } from './directory-cache-sql';
import { DirectoryCacheWriter, type CacheUserRow } from './directory-cache-writer';
import { DirectoryRepository } from './directory.repository';
import { DirectoryService } from './directory.service';

const keys = new LookupKeys('directory-service-test-key');

function row(id: string, username: string): CacheUserRow {
  return {
    id,
    username,
    aliases: [],
    fullName: username,
    email: '',
    language: null,
    pinKey: null,
    auth: 'local',
    groups: { names: [], ids: [] },
    rights: [],
    keepForReprint: false,
    enabled: true,
    cards: [],
    memberships: [],
    delegates: [],
  };
}

describe('DirectoryService', () => {
  let dir: string;
  let dataSource: DataSource;
  let directory: DirectoryService;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-directory-service-'));
    ({ dataSource } = await openDatabase({
      url: `sqlite:${path.join(dir, 'site.db')}`,
      entities: jobCoreEntities,
      migrations: jobCoreMigrations,
    }));
    directory = new DirectoryService(new DirectoryRepository(dataSource), keys);
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps users whose names differ only by case apart, preferring the exact case', async () => {
    await dataSource.transaction((tx) =>
      new DirectoryCacheWriter(new CacheSql(tx), 0, new Date()).writeUsers([
        row('00000000-0000-7000-8000-000000000002', 'pear'),
        row('00000000-0000-7000-8000-000000000001', 'Pear'),
      ]),
    );
    expect((await directory.byUsername('Pear'))?.id).to.equal('00000000-0000-7000-8000-000000000001');
    expect((await directory.byUsername('pear'))?.id).to.equal('00000000-0000-7000-8000-000000000002');
    expect((await directory.byUsername('PEAR'))?.id).to.equal('00000000-0000-7000-8000-000000000001');
  });

  it('replaces a standalone user by name and refuses a PIN or card another user holds', async () => {
    const first = await directory.saveUser({ username: 'ann', pin: '1234', card: 'A-1' });
    const again = await directory.saveUser({
      username: 'Ann',
      fullName: 'Ann Again',
      pin: '1234',
      card: 'A-1',
    });
    expect(again.id).to.equal(first.id);
    expect((await directory.byCard('a-1'))?.fullName).to.equal('Ann Again');
    for (const [input, field] of [
      [{ username: 'bob', pin: '1234' }, 'pin'],
      [{ username: 'bob', card: ' a-1 ' }, 'card'],
    ] as const) {
      const error = await directory.saveUser(input).catch((err: unknown) => err);
      expect(isQuireError(error, ErrorCode.Conflict), field).to.equal(true);
      expect((error as { details?: unknown }).details).to.deep.equal({ field });
    }
    expect(await directory.byUsername('bob')).to.equal(null);
  });

  it('finds delegators by username given before the delegate existed, and by group name', async () => {
    await directory.saveUser({ username: 'ann', delegates: ['Dave', 'group:Helpdesk'] });
    const dave = await directory.saveUser({ username: 'dave' });
    const eve = await directory.saveUser({ username: 'eve', groups: ['Helpdesk'] });
    expect(await directory.delegatorsOf(dave)).to.deep.equal(['ann']);
    expect(await directory.delegatorsOf(eve)).to.deep.equal(['ann']);
    expect(await directory.delegatorsOf((await directory.byUsername('ann'))!)).to.deep.equal([]);
  });
});
