/**
 * The sync engine fed page by page (as an LDAP source feeds it), on SQLite and MariaDB: counts add up across
 * pages, a delegate may name a user of a later page, a feed that fails after some pages applies nothing, and
 * cards generated into a slot (primary, secondary) are the directory's own and survive every sync.
 */
import { expect } from 'chai';
import { forEachDriver } from '@quire/testkit';
import { type SourceUser } from '../src/directory';
import { DirectoryCardEntity } from '../src/directory/directory-user.entity';
import { type SyncFeed } from '../src/directory/directory-sync.service';
import {
  dumpDirectory,
  listsOf,
  openDirectory,
  sourceUser,
  syncRules,
  type DirectoryFixture,
} from './directory-fixture';

/** A feed handing `pages` over one by one, yielding to the event loop between pages as a socket read would. */
function pagedFeed(pages: SourceUser[][], failAfter = Infinity): SyncFeed {
  return async (emit) => {
    for (const [index, page] of pages.entries()) {
      if (index === failAfter) throw new Error(`the connection was lost after ${index} pages`);
      await new Promise((resolve) => setImmediate(resolve));
      emit(page);
    }
    return [];
  };
}

function usersNamed(prefix: string, count: number): SourceUser[] {
  return Array.from({ length: count }, (_, i) =>
    sourceUser(`${prefix}${i}`, { groups: [['Staff', prefix]] }),
  );
}

forEachDriver('directory sync fed page by page', (_driver, getUrl) => {
  let dir: DirectoryFixture;

  beforeEach(async () => {
    dir = await openDirectory(await getUrl());
  });
  afterEach(() => dir?.close());

  it('adds every page, counts across pages, and resolves a delegate named before its user is read', async () => {
    const pages = [
      [sourceUser('assistant', { delegates: ['boss'] }), ...usersNamed('a', 50)],
      usersNamed('b', 50),
      [sourceUser('boss'), ...usersNamed('c', 20)],
    ];
    const rules = syncRules('csv');
    const report = await dir.sync.runFeed(pagedFeed(pages), rules, false);
    expect({ status: report.status, counts: report.counts }).to.deep.equal({
      status: 'ok',
      counts: { added: 122, updated: 0, disabled: 0, unchanged: 0, conflicts: 0, skipped: 0 },
    });
    expect((await listsOf(dir, 'assistant')).delegates).to.deep.equal(['boss']);
    expect((await listsOf(dir, 'b7')).groups).to.deep.equal(['Staff/b']);
    const again = await dir.sync.runFeed(pagedFeed(pages), rules, false);
    expect(again.counts.unchanged).to.equal(122);
  });

  it('reports a delegate no page ever names, and stores the user without it', async () => {
    const pages = [[sourceUser('lonely', { delegates: ['nobody'] })], usersNamed('x', 3)];
    const report = await dir.sync.runFeed(pagedFeed(pages), syncRules('csv'), false);
    expect(report.conflicts).to.deep.equal([
      { origin: 'record lonely', message: 'Delegate nobody names no user or group; not stored' },
    ]);
    expect((await listsOf(dir, 'lonely')).delegates).to.deep.equal([]);
  });

  it('applies nothing when the feed fails after two pages, and reports zero counts', async () => {
    await dir.sync.run({ users: usersNamed('old', 5), groups: [], problems: [] }, syncRules('csv'), false);
    const before = await dumpDirectory(dir.dataSource);
    const pages = [usersNamed('p', 40), usersNamed('q', 40), usersNamed('r', 40)];
    const report = await dir.sync.runFeed(pagedFeed(pages, 2), syncRules('csv'), false);
    expect({ status: report.status, added: report.counts.added, error: report.error }).to.deep.equal({
      status: 'failed',
      added: 0,
      error: 'the connection was lost after 2 pages',
    });
    expect(await dumpDirectory(dir.dataSource)).to.deep.equal(before);
  });

  it('keeps cards generated into a slot through a sync that rewrites the cards of their user', async () => {
    await dir.sync.run(
      { users: [sourceUser('carl', { cards: ['SRC-1'] })], groups: [], problems: [] },
      syncRules('ldap:corp'),
      false,
    );
    const carl = (await dir.users.findByName('carl'))!;
    const generated = dir.lookupKeys.card('GEN-1');
    await dir.dataSource.manager.insert(DirectoryCardEntity, {
      cardKey: generated,
      userId: carl.id,
      validUntil: null,
      slot: 'primary',
    });
    // The source now lists another card, and the generated one too: it is not added a second time.
    const report = await dir.sync.run(
      { users: [sourceUser('carl', { cards: ['SRC-2', 'GEN-1'] })], groups: [], problems: [] },
      syncRules('ldap:corp'),
      false,
    );
    expect({ status: report.status, updated: report.counts.updated }).to.deep.equal({
      status: 'ok',
      updated: 1,
    });
    const cards = await dir.dataSource.manager.findBy(DirectoryCardEntity, { userId: carl.id });
    expect(cards.map((c) => [c.cardKey, c.slot ?? null]).sort()).to.deep.equal(
      [
        [dir.lookupKeys.card('SRC-2'), null],
        [generated, 'primary'],
      ].sort(),
    );
    const stranger = await dir.sync.run(
      { users: [sourceUser('eve', { cards: ['GEN-1'] })], groups: [], problems: [] },
      syncRules('ldap:corp'),
      false,
    );
    expect(stranger.conflicts.map((c) => c.message)).to.deep.equal([
      'A card is already registered to another user',
    ]);
  });
});
