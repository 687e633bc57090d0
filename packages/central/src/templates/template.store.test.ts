/**
 * Unit tests of the template store and its federation source on an embedded SQLite database: versions bumped by
 * every write, names unique per type, tombstones, `changed` only after a commit, and the source's deltas,
 * snapshots and change signals (in-process and from the poll).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import { commonEntities, commonMigrations, ErrorCode, isQuireError, openDatabase } from '@quire/common';
import { centralMigrations } from '../migrations';
import { ConfigTemplateEntity, ConfigTemplateVersionEntity } from './config-template.entity';
import { TemplateSource } from './template-source';
import { TemplateStore } from './template.store';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isQuireError(err) ? err.code : String(err);
}

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const queue = (name: string, priority = 0) => ({
  type: 'queue' as const,
  name,
  settings: { type: 'pull', priority },
});

describe('TemplateStore and TemplateSource', () => {
  let dir: string;
  let dataSource: DataSource;
  let store: TemplateStore;
  let source: TemplateSource;
  let changed: number;

  async function open(): Promise<DataSource> {
    const { dataSource: opened } = await openDatabase({
      url: `sqlite:${path.join(dir, 'central.db')}`,
      entities: [...commonEntities, ConfigTemplateEntity, ConfigTemplateVersionEntity],
      migrations: [...commonMigrations, ...centralMigrations],
    });
    return opened;
  }

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-templates-'));
    dataSource = await open();
    store = new TemplateStore({ dataSource });
    source = new TemplateSource({ store, dataSource, pollMs: 20 });
    changed = 0;
    store.on('changed', () => (changed += 1));
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('bumps the version with every write and stamps the template', async () => {
    expect(await store.currentVersion()).to.equal(0);
    const created = await store.create(queue('Finance'));
    expect(created.version).to.equal(1);
    const updated = await store.update(created.id, { settings: { type: 'pull', priority: 3 } });
    expect(updated).to.include({ version: 2, name: 'Finance' });
    expect(updated.settings).to.deep.equal({ type: 'pull', priority: 3 });
    expect((await store.get(created.id)).version).to.equal(2);
    expect(await store.currentVersion()).to.equal(2);
    expect(changed).to.equal(2);
  });

  it('keeps names unique per type regardless of case, and frees a deleted name', async () => {
    const finance = await store.create(queue('Finance'));
    expect(await codeOf(store.create(queue('FINANCE')))).to.equal(ErrorCode.Conflict);
    await store.create({ type: 'policy', name: 'finance', settings: {} });
    const other = await store.create(queue('Sales'));
    expect(await codeOf(store.update(other.id, { name: 'finance' }))).to.equal(ErrorCode.Conflict);

    const tombstone = await store.remove(finance.id);
    expect(tombstone.deletedAt).to.be.an.instanceOf(Date);
    expect(await codeOf(store.get(finance.id))).to.equal(ErrorCode.NotFound);
    expect(await codeOf(store.remove(finance.id))).to.equal(ErrorCode.NotFound);
    const again = await store.create(queue('Finance'));
    expect(again.id).to.not.equal(finance.id);
    expect((await store.list('queue')).map((t) => t.name)).to.deep.equal(['Finance', 'Sales']);
  });

  it('checks a change against the template type and leaves the version alone when refused', async () => {
    const created = await store.create(queue('Finance'));
    const err = await store.update(created.id, { settings: { type: 'pull', rawPort: 0 } }).catch((e) => e);
    expect(isQuireError(err, ErrorCode.ValidationFailed)).to.equal(true);
    expect((err as Error).message).to.match(/^queue template is invalid: settings\.rawPort/);
    expect(await store.currentVersion()).to.equal(1);
    expect(changed).to.equal(1);
  });

  it('announces a write only once its transaction commits, and never a rolled-back one', async () => {
    await dataSource
      .transaction(async (tx) => {
        await store.create(queue('Finance'), tx);
        expect(changed).to.equal(0);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(changed).to.equal(0);
    expect(await store.list()).to.deep.equal([]);
    await dataSource.transaction(async (tx) => {
      await store.create(queue('Finance'), tx);
      await store.create(queue('Sales'), tx);
      expect(changed).to.equal(0);
    });
    expect(changed).to.equal(1);
  });

  it('lists changes since a version in pages, deletions included', async () => {
    const a = await store.create(queue('A'));
    const b = await store.create(queue('B'));
    await store.create(queue('C'));
    await store.update(a.id, { settings: { type: 'pull', priority: 9 } });
    await store.remove(b.id);

    expect(await source.changesSince(5, 10)).to.deep.equal({ version: 5, changes: [], complete: true });
    expect(await source.changesSince(6, 10)).to.equal(null);

    const first = await source.changesSince(0, 2);
    expect(first).to.include({ version: 4, complete: false });
    expect(first!.changes.map((c) => (c.op === 'upsert' ? c.template.name : c.id))).to.deep.equal(['C', 'A']);
    expect(first!.changes[1]).to.deep.equal({
      kind: 'template',
      id: a.id,
      op: 'upsert',
      template: {
        id: a.id,
        type: 'queue',
        name: 'A',
        settings: { type: 'pull', priority: 9 },
        overridable: [],
      },
    });
    const rest = await source.changesSince(first!.version, 2);
    expect(rest).to.deep.equal({
      version: 5,
      changes: [{ kind: 'template', id: b.id, op: 'delete' }],
      complete: true,
    });
  });

  it('sends a site far behind a snapshot instead of every change', async () => {
    for (let i = 0; i < 102; i++) {
      const template = await store.create(queue(`Q${i}`));
      await store.remove(template.id);
    }
    await store.create(queue('Kept'));
    expect(await source.changesSince(0, 1000)).to.equal(null);
    expect((await source.changesSince(200, 1000))!.changes).to.have.length(3);
    const snapshot = await source.snapshot();
    expect(snapshot.version).to.equal(205);
    expect(snapshot.changes.map((c) => (c.op === 'upsert' ? c.template.name : c.id))).to.deep.equal(['Kept']);
    expect(await source.snapshot()).to.equal(snapshot);
  });

  it('signals listeners after commits and, through the poll, after writes of another process', async () => {
    let signals = 0;
    const unsubscribe = source.onChange(() => (signals += 1));
    await store.create(queue('Finance'));
    expect(signals).to.be.greaterThan(0);

    await new Promise((resolve) => setTimeout(resolve, 60));
    signals = 0;
    const other = await open();
    try {
      await new TemplateStore({ dataSource: other }).create(queue('Sales'));
      await waitFor(() => signals > 0);
    } finally {
      await other.destroy();
    }
    unsubscribe();
    signals = 0;
    await store.create(queue('Paris'));
    expect(signals).to.equal(0);
  });
});
