/**
 * Integration tests of template replication, central → site, over real gRPC on 127.0.0.1: central's real
 * FederationServer publishes its template store (SQLite) through the template publisher, and a real CentralLink
 * applies the batches through the site's template applier, on SQLite and on MariaDB. A queue template becomes a
 * queue the site's queue service (and so IPP) lists; central's changes reach it, except overridable settings a
 * local admin changed; deleting the template leaves the queue as a local one; a new site gets a snapshot and a
 * site that was away gets the changes it missed; a template the site cannot apply never stalls the rest.
 * Sites are enrolled through an in-memory SiteAuthority; the DB-backed one is tested in packages/central.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FederationServer, type SiteAuthority } from '@quire/central/dist/src/federation';
import { centralMigrations } from '@quire/central/dist/src/migrations';
import { buildTemplates, templateEntities, type TemplateStore } from '@quire/central/dist/src/templates';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import { type DataSource } from 'typeorm';
import {
  commonEntities,
  commonMigrations,
  createSilentLogger,
  ErrorCode,
  isQuireError,
  newId,
  openDatabase,
  randomToken,
} from '@quire/common';
import { type TemplateChange } from '@quire/shared-proto';
import { forEachDriver } from '@quire/testkit';
import {
  buildTemplateApplier,
  CentralLink,
  templateSinkEntities,
  type AppliedBatch,
  type TemplateSink,
  type VersionedApplier,
} from '../src/federation';
import { jobCoreEntities, jobCoreMigrations } from '../src/job-core';
import { QueueRepository, QueueService } from '../src/queues';

/** Sites the test central knows: single-use tokens, per-site credentials. */
class MemoryAuthority implements SiteAuthority {
  readonly tokens = new Set<string>();
  private readonly credentials = new Map<string, { name: string; credential: string }>();

  async enrol(token: string, info: { siteName: string }) {
    if (!this.tokens.delete(token)) throw new Error('enrolment token is invalid, used or expired');
    const siteId = newId();
    const credential = randomToken();
    this.credentials.set(siteId, { name: info.siteName, credential });
    return { siteId, siteName: info.siteName, credential };
  }

  async authenticate(siteId: string, credential: string) {
    const site = this.credentials.get(siteId);
    return site?.credential === credential ? { id: siteId, name: site.name } : null;
  }

  async recordSeen(): Promise<void> {}
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

forEachDriver('template replication', (_driver, getUrl) => {
  const logger = createSilentLogger();
  let dir: string;
  let centralDb: DataSource;
  let siteDb: DataSource;
  let templates: TemplateStore;
  let federation: FederationServer;
  let authority: MemoryAuthority;
  let port: number;
  let applied: Map<string, number>;
  let queues: QueueService;
  let sink: TemplateSink;
  let applier: VersionedApplier<TemplateChange>;
  let batches: Array<AppliedBatch<TemplateChange>>;
  let link: CentralLink | null;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-template-replication-'));
    ({ dataSource: centralDb } = await openDatabase({
      url: `sqlite:${path.join(dir, 'central.db')}`,
      entities: [...commonEntities, ...templateEntities],
      migrations: [...commonMigrations, ...centralMigrations],
    }));
    applied = new Map();
    const capability = buildTemplates({
      dataSource: centralDb,
      logger,
      recordApplied: async (siteId, version) => {
        applied.set(siteId, version);
      },
    });
    templates = capability.store;
    authority = new MemoryAuthority();
    federation = new FederationServer({
      authority,
      logger,
      metrics: new Registry(),
      heartbeatSeconds: 1,
      heartbeatTimeoutSeconds: 3,
      centralVersion: 'test',
      participants: [capability.publisher],
    });
    port = await federation.start('127.0.0.1', 0);

    ({ dataSource: siteDb } = await openDatabase({
      url: await getUrl(),
      entities: [...jobCoreEntities, ...templateSinkEntities],
      migrations: jobCoreMigrations,
    }));
    queues = new QueueService({ queues: new QueueRepository(siteDb), logger });
    ({ sink, applier } = buildTemplateApplier({ dataSource: siteDb, queues, logger }));
    batches = [];
    const apply = sink.apply.bind(sink);
    sink.apply = async (batch) => {
      batches.push(batch);
      await apply(batch);
    };
    link = null;
  });

  afterEach(async () => {
    await link?.stop();
    await federation.stop(1000);
    await centralDb.destroy();
    await siteDb.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  function connectSite(): CentralLink {
    const token = randomToken();
    authority.tokens.add(token);
    link = new CentralLink({
      address: `127.0.0.1:${port}`,
      tls: { enabled: false },
      enrolmentToken: token,
      siteName: 'Branch A',
      siteVersion: '0.1.0',
      dataDir: dir,
      heartbeatSeconds: 1,
      heartbeatTimeoutSeconds: 3,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      logger,
      metrics: new Registry(),
      participants: [applier],
    });
    link.start();
    return link;
  }

  /** Wait until the site holds central's current template version. */
  async function inStep(): Promise<number> {
    const version = await templates.currentVersion();
    await waitFor(async () => (await sink.appliedVersion()) === version);
    return version;
  }

  const finance = {
    type: 'queue' as const,
    name: 'Finance',
    settings: { type: 'pull', priority: 5, description: 'Finance department', keepForReprint: true },
    overridable: ['description'],
  };

  it('gives a new site a snapshot, and a queue template becomes a queue IPP lists', async () => {
    const template = await templates.create(finance);
    await templates.create({ type: 'policy', name: 'Mono', settings: { forceMono: true } });
    connectSite();
    const version = await inStep();

    expect(batches[0]).to.include({ snapshotId: 1, first: true, last: true, toVersion: version });
    expect(batches[0].changes).to.have.length(2);
    const queue = await queues.findByName('finance');
    expect(queue).to.include({
      name: 'Finance',
      type: 'pull',
      priority: 5,
      keepForReprint: true,
      templateId: template.id,
    });
    expect((await queues.list()).map((q) => q.name)).to.include('Finance');
    await waitFor(async () => applied.get(link!.status().siteId!) === version);
    expect(applier.lastError).to.equal(null);
  });

  it("applies central's changes but keeps an overridable setting changed at the site", async () => {
    const template = await templates.create(finance);
    connectSite();
    await inStep();
    const queue = (await queues.findByName('Finance'))!;

    await queues.update(queue.id, { description: 'Second floor, by the lifts' });
    const refused = await queues.update(queue.id, { priority: 1 }).catch((err: unknown) => err);
    expect(isQuireError(refused, ErrorCode.Conflict)).to.equal(true);

    await templates.update(template.id, {
      settings: { type: 'pull', priority: 7, description: 'Finance (central)', keepForReprint: false },
    });
    await inStep();
    expect(batches[batches.length - 1].snapshotId).to.equal(0);
    const updated = await queues.findByName('Finance');
    expect(updated).to.include({
      priority: 7,
      keepForReprint: false,
      description: 'Second floor, by the lifts',
      templateId: template.id,
    });
    expect(updated!.templateOverridden).to.deep.equal(['description']);
  });

  it('leaves the queue as a local one when the template is deleted', async () => {
    const template = await templates.create(finance);
    connectSite();
    await inStep();
    const queue = (await queues.findByName('Finance'))!;

    await templates.remove(template.id);
    await inStep();
    const local = await queues.get(queue.id);
    expect(local).to.include({ name: 'Finance', priority: 5, templateId: null });
    expect(await queues.update(queue.id, { priority: 1 })).to.include({ priority: 1 });
  });

  it('catches a site that was away up with the changes it missed', async () => {
    const template = await templates.create(finance);
    connectSite();
    await inStep();
    await link!.stop();

    await templates.update(template.id, { name: 'Accounts' });
    await templates.create({ ...finance, name: 'Payroll' });
    const before = batches.length;
    link!.start();
    await inStep();
    expect(batches.slice(before).every((batch) => batch.snapshotId === 0)).to.equal(true);
    expect(await queues.findByName('Finance')).to.equal(null);
    expect(await queues.findByName('Accounts')).to.include({ templateId: template.id });
    expect(await queues.findByName('Payroll')).to.include({ priority: 5 });
  });

  it('stores a template the site cannot apply with its error and goes on replicating', async () => {
    const ghost = await templates.create({
      type: 'queue',
      name: 'Ghost',
      settings: { type: 'direct', printers: ['No-Such-Printer'] },
    });
    connectSite();
    await inStep();
    await templates.create(finance);
    const version = await inStep();

    expect(await queues.findByName('Finance')).to.include({ priority: 5 });
    expect(await queues.findByName('Ghost')).to.equal(null);
    const failures = await sink.failures();
    expect(failures.map((f) => f.id)).to.deep.equal([ghost.id]);
    expect(failures[0].error).to.contain('no printer named or with id "No-Such-Printer" on this site');
    expect(applier.lastError).to.equal(null);
    await waitFor(async () => applied.get(link!.status().siteId!) === version);
  });
});
