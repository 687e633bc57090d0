/**
 * Unit tests of the site's template sink on an embedded SQLite database, fed batches directly: queue templates
 * becoming managed queues (printers by name), a template the site cannot apply stored with its error while the
 * rest of the batch applies, failed templates applied once they can be, snapshots over several batches removing
 * what they did not list, versions stored only when a batch settles one, and malformed batches refused whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import { createLogger, createSilentLogger, ErrorCode, isQuireError, openDatabase } from '@quire/common';
import { type TemplateChange, type TemplateRecord } from '@quire/shared-proto';
import { jobCoreEntities, jobCoreMigrations } from '../job-core';
import { PrinterRepository, PrinterService } from '../printers';
import { QueueRepository, QueueService } from '../queues';
import { buildTemplateApplier, type TemplateSink } from './template-sink';
import { SiteTemplateEntity, templateSinkEntities } from './template-sink.entities';
import { type AppliedBatch } from './versioned-applier';

const FINANCE = '0190a000-0000-7000-8000-000000000001';
const SALES = '0190a000-0000-7000-8000-000000000002';
const POLICY = '0190a000-0000-7000-8000-000000000003';

function upsert(id: string, template: Omit<TemplateRecord, 'id'>): TemplateChange {
  return { kind: 'template', id, op: 'upsert', template: { id, ...template } };
}

function queueTemplate(
  id: string,
  name: string,
  settings: Record<string, unknown>,
  overridable: string[] = [],
) {
  return upsert(id, { type: 'queue', name, settings: { type: 'pull', ...settings }, overridable });
}

function delta(
  fromVersion: number,
  toVersion: number,
  changes: TemplateChange[],
): AppliedBatch<TemplateChange> {
  return { snapshotId: 0, first: false, last: false, fromVersion, toVersion, changes };
}

function snapshotPart(
  snapshotId: number,
  part: { first: boolean; last: boolean },
  toVersion: number,
  changes: TemplateChange[],
): AppliedBatch<TemplateChange> {
  return { snapshotId, ...part, fromVersion: 0, toVersion, changes };
}

describe('TemplateSink', () => {
  let dir: string;
  let dataSource: DataSource;
  let queues: QueueService;
  let printers: PrinterService;
  let sink: TemplateSink;
  let logLines: string[];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'quire-template-sink-'));
    ({ dataSource } = await openDatabase({
      url: `sqlite:${path.join(dir, 'site.db')}`,
      entities: [...jobCoreEntities, ...templateSinkEntities],
      migrations: jobCoreMigrations,
    }));
    const printerRepository = new PrinterRepository(dataSource);
    queues = new QueueService({
      queues: new QueueRepository(dataSource),
      logger: createSilentLogger(),
      unknownPrinters: async (ids, manager) => {
        const found = new Set((await printerRepository.findByIds(ids, manager)).map((p) => p.id));
        return ids.filter((id) => !found.has(id));
      },
    });
    printers = new PrinterService({ printers: printerRepository, logger: createSilentLogger() });
    logLines = [];
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => logLines.push(...chunk.toString('utf8').trim().split('\n')));
    ({ sink } = buildTemplateApplier({ dataSource, queues, logger: createLogger({ stream }) }));
  });

  afterEach(async () => {
    await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  async function errorOf(id: string): Promise<string | null | undefined> {
    return (await dataSource.manager.findOneBy(SiteTemplateEntity, { id }))?.error;
  }

  it('turns a queue template into a managed queue, printers named as central knows them', async () => {
    const printer = await printers.create({ name: 'HQ-Colour', uri: 'socket://127.0.0.1:9100' });
    await sink.apply(
      delta(0, 3, [
        queueTemplate(FINANCE, 'Finance', { priority: 5, printers: ['hq-colour'] }, ['priority']),
        upsert(POLICY, { type: 'policy', name: 'Mono', settings: { forceMono: true }, overridable: [] }),
      ]),
    );
    const queue = await queues.findByName('finance');
    expect(queue).to.include({ name: 'Finance', type: 'pull', priority: 5, templateId: FINANCE });
    expect(queue!.printers).to.deep.equal([printer.id]);
    expect(queue!.templateLocked).to.deep.equal(['name', 'type', 'printers']);
    const policy = await dataSource.manager.findOneBy(SiteTemplateEntity, { id: POLICY });
    expect(policy).to.include({ type: 'policy', name: 'Mono', error: null });
    expect(policy!.settings).to.deep.equal({ forceMono: true });
    expect(await sink.appliedVersion()).to.equal(3);
  });

  it('stores a template it cannot apply with its error, applies the rest, and applies it once it can', async () => {
    await sink.apply(
      delta(0, 2, [
        queueTemplate(FINANCE, 'Finance', { printers: ['Ghost'] }),
        queueTemplate(SALES, 'Sales', { rawPort: 9101 }),
      ]),
    );
    expect(await sink.appliedVersion()).to.equal(2);
    expect(await queues.findByName('Sales')).to.include({ rawPort: 9101, templateId: SALES });
    expect(await queues.findByName('Finance')).to.equal(null);
    const error = await errorOf(FINANCE);
    expect(error).to.equal(
      'Queue template "Finance" cannot be applied on this site: Queue template settings are invalid: printers: no printer named or with id "Ghost" on this site',
    );
    expect(await sink.failures()).to.deep.equal([{ id: FINANCE, type: 'queue', name: 'Finance', error }]);
    await new Promise((resolve) => setImmediate(resolve));
    const ghostLines = () => logLines.filter((line) => line.includes('Ghost'));
    expect(ghostLines()).to.have.length(1);
    expect(JSON.parse(ghostLines()[0])).to.include({ level: 'error', message: error });

    await sink.apply(delta(2, 3, [queueTemplate(SALES, 'Sales', { rawPort: 9102 })]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(ghostLines()).to.have.length(1);

    await printers.create({ name: 'Ghost', uri: 'socket://127.0.0.1:9100' });
    await sink.reapplyFailed();
    expect(await errorOf(FINANCE)).to.equal(null);
    expect(await queues.findByName('Finance')).to.include({ templateId: FINANCE });
    expect(await sink.failures()).to.deep.equal([]);
  });

  it('takes over a local queue of the same name, and leaves it local when the template goes', async () => {
    const local = await queues.create({ name: 'Finance', type: 'pull', description: 'local' });
    await sink.apply(delta(0, 1, [queueTemplate(FINANCE, 'Finance', { description: 'central' })]));
    const managed = await queues.get(local.id);
    expect(managed).to.include({ description: 'central', templateId: FINANCE });
    const refused = await queues.remove(local.id).catch((err: unknown) => err);
    expect(isQuireError(refused, ErrorCode.Conflict)).to.equal(true);

    await sink.apply(delta(1, 2, [{ kind: 'template', id: FINANCE, op: 'delete' }]));
    expect(await queues.get(local.id)).to.include({ templateId: null, description: 'central' });
    expect(await dataSource.manager.findOneBy(SiteTemplateEntity, { id: FINANCE })).to.equal(null);
    await queues.update(local.id, { priority: 3 });
  });

  it('retries a template blocked by another one once a later change in the batch frees its name', async () => {
    await sink.apply(delta(0, 1, [queueTemplate(FINANCE, 'Shared', {})]));
    await sink.apply(
      delta(1, 3, [queueTemplate(SALES, 'Shared', { priority: 2 }), queueTemplate(FINANCE, 'Finance', {})]),
    );
    expect(await errorOf(SALES)).to.equal(null);
    expect(await queues.findByName('Shared')).to.include({ templateId: SALES, priority: 2 });
    expect(await queues.findByName('Finance')).to.include({ templateId: FINANCE });
  });

  it('replaces everything with a snapshot, removing at its last batch what it did not list', async () => {
    await sink.apply(
      delta(0, 2, [
        queueTemplate(FINANCE, 'Finance', {}),
        upsert(POLICY, { type: 'policy', name: 'Mono', settings: {}, overridable: [] }),
      ]),
    );
    await sink.apply(snapshotPart(1, { first: true, last: false }, 9, [queueTemplate(SALES, 'Sales', {})]));
    expect(await sink.appliedVersion()).to.equal(2);
    expect(await dataSource.manager.count(SiteTemplateEntity)).to.equal(3);
    await sink.apply(
      snapshotPart(1, { first: false, last: true }, 9, [queueTemplate(FINANCE, 'Finance', { priority: 4 })]),
    );
    expect(await sink.appliedVersion()).to.equal(9);
    const rows = await dataSource.manager.find(SiteTemplateEntity, { order: { name: 'ASC' } });
    expect(rows.map((row) => row.name)).to.deep.equal(['Finance', 'Sales']);
    expect(await queues.findByName('Finance')).to.include({ priority: 4, templateId: FINANCE });
  });

  it('refuses a malformed batch whole, changing nothing', async () => {
    const broken = [
      queueTemplate(FINANCE, 'Finance', {}),
      { kind: 'template', id: SALES, op: 'rename' },
    ] as unknown as TemplateChange[];
    const err = await sink.apply(delta(0, 5, broken)).catch((e: unknown) => e);
    expect(isQuireError(err, ErrorCode.ValidationFailed)).to.equal(true);
    expect((err as Error).message).to.match(/^Template batch is malformed: 1\.op/);
    expect(await sink.appliedVersion()).to.equal(0);
    expect(await queues.findByName('Finance')).to.equal(null);
  });
});
