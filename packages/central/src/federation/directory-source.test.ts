/**
 * Unit tests of the directory source on a real SQLite database with central's directory services: when a site
 * gets deltas and when a snapshot (ahead of central, too far behind), one snapshot computation shared by every
 * session at a version (groups first), the commit hook that wakes listeners at once, and the shared poll that
 * sees changes written behind the services' back and stops when nobody listens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  commonEntities,
  commonMigrations,
  createSilentLogger,
  loadConfig,
  openDatabase,
} from '@quire/common';
import { centralMigrations } from '../migrations';
import { buildDirectory, centralEntities } from '../server';
import { DirectorySource } from './directory-source';

type Directory = Awaited<ReturnType<typeof buildDirectory>>;

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Date.now() - started;
}

describe('DirectorySource', function () {
  this.timeout(20000);
  let dir: string;
  let directory: Directory;
  let dataSource: Awaited<ReturnType<typeof openDatabase>>['dataSource'];
  const sources: DirectorySource[] = [];

  function newSource(options: { snapshotThreshold?: number; pollMs?: number } = {}): DirectorySource {
    const source = new DirectorySource({
      dataSource,
      feed: directory.feed,
      repository: directory.repository,
      logger: createSilentLogger(),
      ...options,
    });
    sources.push(source);
    return source;
  }

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-directory-source-'));
    const url = `sqlite:${path.join(dir, 'central.db')}`;
    ({ dataSource } = await openDatabase({
      url,
      entities: [...commonEntities, ...centralEntities],
      migrations: [...commonMigrations, ...centralMigrations],
    }));
    const config = loadConfig({
      role: 'central',
      env: { QUIRE_DB_URL: url, QUIRE_DIRECTORY_LOOKUP_KEY: 'directory-source-test-key-0123456789' },
    });
    directory = await buildDirectory(config, createSilentLogger(), dataSource);
  });

  afterEach(async () => {
    for (const source of sources.splice(0)) source.close();
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives deltas within the threshold, and a snapshot to a site ahead of central or too far behind', async () => {
    const source = newSource({ snapshotThreshold: 3 });
    for (const name of ['a', 'b', 'c', 'd']) await directory.users.create({ username: name, fullName: name });
    expect(await source.currentVersion()).to.equal(4);
    const page = await source.changesSince(1, 1000);
    expect(page).to.include({ version: 4, complete: true });
    expect(page?.changes.map((c) => ('user' in c ? c.user.username : c.id))).to.deep.equal(['b', 'c', 'd']);
    expect(await source.changesSince(0, 1000)).to.equal(null);
    expect(await source.changesSince(5, 1000)).to.equal(null);
    expect(await source.changesSince(4, 1000)).to.deep.equal({ version: 4, changes: [], complete: true });
  });

  it('computes one snapshot per version for every session, groups before users', async () => {
    const source = newSource();
    const staff = await directory.groups.create('Staff', null);
    await directory.users.create({ username: 'ann', fullName: 'Ann', groups: [{ groupId: staff.id }] });
    const [first, second, third] = await Promise.all([
      source.snapshot(),
      source.snapshot(),
      source.snapshot(),
    ]);
    expect(source.snapshotCount).to.equal(1);
    expect(second).to.equal(first);
    expect(third).to.equal(first);
    expect(await source.snapshot()).to.equal(first);
    expect(first.version).to.equal(2);
    expect(first.changes.map((c) => c.kind)).to.deep.equal(['group', 'user']);

    await directory.users.create({ username: 'bob', fullName: 'Bob' });
    const next = await source.snapshot();
    expect(source.snapshotCount).to.equal(2);
    expect(next.version).to.equal(3);
    expect(next.changes).to.have.length(3);
  });

  it('wakes listeners right after a commit that changed the directory, without waiting for the poll', async () => {
    const source = newSource({ pollMs: 60_000 });
    const stop = source.notifyAfterCommits();
    let wakes = 0;
    const unsubscribe = source.onChange(() => (wakes += 1));
    await directory.users.create({ username: 'quick', fullName: 'Quick' });
    const delay = await waitFor(() => wakes > 0, 2000);
    expect(delay).to.be.lessThan(1000);
    const before = wakes;
    await directory.users.list({ limit: 10, offset: 0 });
    await dataSource.transaction((tx) => tx.query('SELECT 1'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(wakes).to.equal(before);
    unsubscribe();
    stop();
    expect(dataSource.subscribers).to.have.length(0);
  });

  it('polls one shared version read while someone listens, and stops when nobody does', async () => {
    const source = newSource({ pollMs: 20 });
    let a = 0;
    let b = 0;
    const stopA = source.onChange(() => (a += 1));
    const stopB = source.onChange(() => (b += 1));
    await waitFor(() => a > 0 && b > 0, 2000);
    const [seenA, seenB] = [a, b];
    // A change the commit hook cannot see (as the sync engine's bulk writer makes them): the poll does.
    await dataSource.query("UPDATE directory_version SET value = value + 1 WHERE id = 'directory'");
    await waitFor(() => a > seenA && b > seenB, 2000);
    stopA();
    stopB();
    const settled = a;
    await dataSource.query("UPDATE directory_version SET value = value + 1 WHERE id = 'directory'");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(a).to.equal(settled);
  });
});
