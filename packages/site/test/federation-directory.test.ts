/**
 * The directory going down, end to end in one process over gRPC on 127.0.0.1: a real central (its directory
 * services and sites service on SQLite, its FederationServer with the directory publisher) and real sites
 * (CentralLink with the directory applier and sink on their own SQLite databases). A user created at central
 * with a PIN signs in at the site by PIN (the delay is printed); disabling them at central refuses the PIN at the
 * site; a site that was away catches up with deltas; a new site takes a snapshot; 10,000 users fan out to two
 * sites from one shared snapshot (the time is printed). A second block runs the cache v2 migration over
 * rows of the old shape, and a snapshot over it, on SQLite and on MariaDB.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { type DataSource } from 'typeorm';
import {
  commonEntities,
  commonMigrations,
  createSilentLogger,
  loadConfig,
  LookupKeys,
  openDatabase,
} from '@quire/common';
import type { DirectoryChange } from '@quire/shared-proto';
import { forEachDriver } from '@quire/testkit';
import { type SourceUser } from '@quire/central/dist/src/directory';
import {
  directoryPublisher,
  FederationServer,
  type DirectoryPublisher,
} from '@quire/central/dist/src/federation';
import { centralMigrations } from '@quire/central/dist/src/migrations';
import { buildDirectory, centralEntities } from '@quire/central/dist/src/server';
import { SiteRepository } from '@quire/central/dist/src/sites/site.repository';
import { SitesService } from '@quire/central/dist/src/sites/sites.service';
import { DirectoryRepository, DirectoryService } from '../src/directory';
import {
  CentralLink,
  directoryApplier,
  DirectorySink,
  type AppliedBatch,
  type VersionedSink,
} from '../src/federation';
import { jobCoreEntities, jobCoreMigrations } from '../src/job-core';
import { siteMigrations } from '../src/migrations';

const LOOKUP_KEY = 'federation-directory-test-lookup-key-01234';
const keys = new LookupKeys(LOOKUP_KEY);

/** The sink of a test site, recording each batch it applied. */
class RecordingSink implements VersionedSink<DirectoryChange> {
  readonly batches: Array<Omit<AppliedBatch<DirectoryChange>, 'changes'> & { size: number }> = [];

  constructor(private readonly inner: DirectorySink) {}

  appliedVersion(): Promise<number> {
    return this.inner.appliedVersion();
  }

  async apply(batch: AppliedBatch<DirectoryChange>): Promise<void> {
    await this.inner.apply(batch);
    const { changes, ...rest } = batch;
    this.batches.push({ ...rest, size: changes.length });
  }
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs = 15000): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - started;
}

function report(line: string): void {
  // eslint-disable-next-line no-console -- the figures this test exists to record
  console.log(`      ${line}`);
}

describe('directory replication from central to sites', function () {
  this.timeout(120_000);
  let base: string;
  let central: {
    dataSource: DataSource;
    directory: Awaited<ReturnType<typeof buildDirectory>>;
    sites: SitesService;
    publisher: DirectoryPublisher;
    server: FederationServer;
    port: number;
  };
  const openSites: Array<{ stop(): Promise<void> }> = [];

  /** A site on its own SQLite database and data dir (`name` picks both), linked to central. */
  async function startSite(name: string, enrolmentToken = '') {
    const { dataSource } = await openDatabase({
      url: `sqlite:${path.join(base, `${name}.db`)}`,
      entities: jobCoreEntities,
      migrations: jobCoreMigrations,
    });
    const sink = new RecordingSink(new DirectorySink({ dataSource }));
    const applier = directoryApplier({ sink, logger: createSilentLogger() });
    const link = new CentralLink({
      address: `127.0.0.1:${central.port}`,
      tls: { enabled: false },
      enrolmentToken,
      siteName: name,
      siteVersion: '0.1.0',
      dataDir: path.join(base, name),
      heartbeatSeconds: 1,
      heartbeatTimeoutSeconds: 3,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      logger: createSilentLogger(),
      metrics: new Registry(),
      participants: [applier],
    });
    const site = {
      dataSource,
      sink,
      link,
      directory: new DirectoryService(new DirectoryRepository(dataSource), keys),
      /** Connected (with a batch applied, unless `anyBatch` is false), at central's version. */
      caughtUp: async (anyBatch = true) =>
        link.status().state === 'connected' &&
        (!anyBatch || sink.batches.length > 0) &&
        (await sink.appliedVersion()) ===
          (await central.directory.repository.currentVersion(central.dataSource.manager)),
      async stop() {
        await link.stop();
        await applier.idle();
        await dataSource.destroy();
        openSites.splice(openSites.indexOf(site), 1);
      },
    };
    openSites.push(site);
    link.start();
    return site;
  }

  async function enrolled(name: string) {
    return (await central.sites.create(name)).enrolmentToken;
  }

  before(async () => {
    base = mkdtempSync(path.join(tmpdir(), 'quire-federation-directory-'));
    const url = `sqlite:${path.join(base, 'central.db')}`;
    const { dataSource } = await openDatabase({
      url,
      entities: [...commonEntities, ...centralEntities],
      migrations: [...commonMigrations, ...centralMigrations],
    });
    const config = loadConfig({
      role: 'central',
      env: { QUIRE_DB_URL: url, QUIRE_DIRECTORY_LOOKUP_KEY: LOOKUP_KEY },
    });
    const logger = createSilentLogger();
    const directory = await buildDirectory(config, logger, dataSource);
    const sites = new SitesService({
      sites: new SiteRepository(dataSource),
      logger,
      enrolmentTokenTtlHours: 1,
    });
    const publisher = directoryPublisher({
      dataSource,
      feed: directory.feed,
      repository: directory.repository,
      logger,
      recordApplied: (siteId, version) => sites.recordDirectoryVersion(siteId, version),
      recordError: (siteId, error) => void sites.recordError(siteId, error).catch(() => undefined),
    });
    const server = new FederationServer({
      authority: sites,
      logger,
      metrics: new Registry(),
      heartbeatSeconds: 1,
      heartbeatTimeoutSeconds: 3,
      centralVersion: 'test',
      participants: [publisher.participant],
    });
    const port = await server.start('127.0.0.1', 0);
    central = { dataSource, directory, sites, publisher, server, port };
  });

  after(async () => {
    for (const site of [...openSites]) await site.stop();
    await central.server.stop(500);
    central.publisher.close();
    await central.dataSource.destroy();
    rmSync(base, { recursive: true, force: true });
  });

  it('signs in a user created at central by PIN at the site, and refuses them once disabled', async () => {
    const site = await startSite('branch-a', await enrolled('branch-a'));
    await waitFor(() => site.caughtUp());
    const started = performance.now();
    const carol = await central.directory.users.create({
      username: 'carol',
      fullName: 'Carol',
      pin: '246813',
    });
    const delay = await waitFor(async () => (await site.directory.byPin('246813')) !== null);
    report(
      `user created at central found by PIN at the site after ${(performance.now() - started).toFixed(0)} ms`,
    );
    expect((await site.directory.byPin('246813'))?.id).to.equal(carol.id);
    expect(delay).to.be.lessThan(5000);

    await central.directory.users.update(carol.id, { state: 'disabled' });
    await waitFor(async () => (await site.directory.byPin('246813')) === null);
    expect((await site.directory.byUsername('carol'))?.enabled).to.equal(false);
    const siteId = (await central.sites.find('branch-a')).id;
    await waitFor(
      async () => (await central.sites.get(siteId)).directoryVersion === (await site.sink.appliedVersion()),
    );
    await site.stop();
  });

  it('catches a returning site up with deltas, and gives a new site a snapshot', async () => {
    let site = await startSite('branch-a');
    await waitFor(() => site.caughtUp(false));
    const away = await site.sink.appliedVersion();
    await site.stop();
    const staff = await central.directory.groups.create('Staff', null);
    await central.directory.users.create({
      username: 'dave',
      fullName: 'Dave',
      pin: '135792',
      groups: [{ groupId: staff.id }],
    });
    await central.directory.groups.update(staff.id, { name: 'Employees' });

    site = await startSite('branch-a');
    await waitFor(() => site.caughtUp());
    expect(site.sink.batches.length).to.be.greaterThan(0);
    expect(site.sink.batches.every((batch) => batch.snapshotId === 0)).to.equal(true);
    expect(site.sink.batches[0].fromVersion).to.equal(away);
    expect((await site.directory.byPin('135792'))?.groups).to.deep.equal(['Employees']);
    await site.stop();

    const fresh = await startSite('branch-b', await enrolled('branch-b'));
    await waitFor(() => fresh.caughtUp());
    expect(fresh.sink.batches[0]).to.include({ first: true, fromVersion: 0 });
    expect(fresh.sink.batches[0].snapshotId).to.be.greaterThan(0);
    expect(fresh.sink.batches.at(-1)?.last).to.equal(true);
    expect((await fresh.directory.byPin('135792'))?.username).to.equal('dave');
    await fresh.stop();
  });

  it('fans 10,000 users out to two sites from one snapshot', async () => {
    const users: SourceUser[] = Array.from({ length: 10_000 }, (_, i) => ({
      username: `fan${i}`,
      aliases: [],
      fullName: `Fan ${i}`,
      email: `fan${i}@example.test`,
      personalNumber: null,
      phone: null,
      language: null,
      pins: [String(5_000_000 + i)],
      cards: [`FAN-${i}`],
      groups: [['Fans', `Team ${i % 50}`]],
      managedGroups: [],
      delegates: [],
      origin: `record ${i}`,
    }));
    const merge = { cards: 'full', pin: 'full', groups: 'full', delegates: 'full' } as const;
    const sync = await central.directory.sync.run(
      { users, groups: [], problems: [] },
      {
        source: 'csv',
        addNew: true,
        disableMissing: false,
        lowercaseUsernames: false,
        pairByPersonalNumber: false,
        merge,
      },
      false,
    );
    expect(sync.counts.added).to.equal(10_000);
    const snapshotsBefore = central.publisher.source.snapshotCount;
    const tokens = [await enrolled('fan-1'), await enrolled('fan-2')];
    const started = performance.now();
    const fans = await Promise.all(tokens.map((token, i) => startSite(`fan-${i + 1}`, token)));
    await waitFor(async () => (await fans[0].caughtUp()) && (await fans[1].caughtUp()), 60_000);
    const ms = performance.now() - started;
    report(
      `10,000 users fanned out to 2 sites in ${ms.toFixed(0)} ms (SQLite both sides, one shared snapshot)`,
    );
    expect(central.publisher.source.snapshotCount - snapshotsBefore).to.equal(1);
    for (const fan of fans) {
      const found = await fan.directory.byCard('fan-9999');
      expect(found?.username).to.equal('fan9999');
      expect(found?.groups).to.deep.equal(['Team 49', 'Fans']);
      expect(fan.sink.batches.filter((batch) => batch.snapshotId > 0)).to.have.length.greaterThan(9);
    }
    for (const fan of fans) await fan.stop();
  });
});

forEachDriver('directory cache v2 migration', (_driver, getUrl) => {
  it('keeps the cache of the old shape (cards, delegates) and takes a snapshot over it', async () => {
    const url = await getUrl();
    const before = siteMigrations.findIndex((m) => m.name === 'DirectoryCacheV21763700810000');
    const old = await openDatabase({
      url,
      entities: jobCoreEntities,
      migrations: [...commonMigrations, ...siteMigrations.slice(0, before)],
    });
    const insert =
      'INSERT INTO directory_users (id, username, username_key, full_name, email, pin_key, card_key, password_hash, ' +
      'user_groups, keep_for_reprint, enabled, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, 0, 1, ?)';
    const at = new Date('2031-01-01T00:00:00.000Z');
    const stamp = old.dataSource.driver.options.type === 'mysql' ? at : '2031-01-01 00:00:00.000';
    await old.dataSource.query(insert, [
      'u-alice',
      'alice',
      'alice',
      'Alice',
      '',
      keys.pin('1357'),
      keys.card('OLD1'),
      '["Staff"]',
      stamp,
    ]);
    await old.dataSource.query(insert, ['u-bob', 'Bob', 'bob', 'Bob', '', null, null, '[]', stamp]);
    await old.dataSource.query(
      "INSERT INTO directory_delegates (owner_key, delegate_kind, delegate_key) VALUES ('alice', 'user', 'bob')",
    );
    await old.dataSource.destroy();

    const { dataSource } = await openDatabase({
      url,
      entities: jobCoreEntities,
      migrations: jobCoreMigrations,
    });
    try {
      const directory = new DirectoryService(new DirectoryRepository(dataSource), keys);
      expect((await directory.byCard('old1'))?.id).to.equal('u-alice');
      expect((await directory.byPin('1357'))?.groups).to.deep.equal(['Staff']);
      const bob = (await directory.byUsername('BOB'))!;
      expect(await directory.delegatorsOf(bob)).to.deep.equal(['alice']);
      expect((await directory.byUsername('alice'))?.aliases).to.deep.equal([]);

      const sink = new DirectorySink({ dataSource });
      const team = { id: 'g-team', name: 'Team', parentId: null, rights: ['read-jobs'] };
      const validUntil = new Date(Date.now() + 3600_000).toISOString();
      await sink.apply({
        snapshotId: 1,
        first: true,
        last: true,
        fromVersion: 0,
        toVersion: 12,
        changes: [
          { kind: 'group', id: team.id, op: 'upsert', group: team },
          {
            kind: 'user',
            id: 'u-bob',
            op: 'upsert',
            user: {
              id: 'u-bob',
              username: 'Bob',
              aliases: ['robert'],
              fullName: 'Bob B',
              email: '',
              language: 'de',
              pinKey: keys.pin('1357'),
              cards: [{ key: keys.card('OLD1'), validUntil }],
              groups: [team.id],
              delegates: [],
              keepForReprint: true,
              state: 'active',
              auth: 'ldap:corp',
              rights: [],
            },
          },
        ],
      });
      expect(await sink.appliedVersion()).to.equal(12);
      expect(await directory.byUsername('alice')).to.equal(null);
      const moved = await directory.byCard('OLD1');
      expect(moved).to.include({ id: 'u-bob', auth: 'ldap:corp', keepForReprint: true, language: 'de' });
      expect(moved?.groups).to.deep.equal(['Team']);
      expect((await directory.byPin('1357'))?.id).to.equal('u-bob');
    } finally {
      await dataSource.destroy();
    }
  });
});
