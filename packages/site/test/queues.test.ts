/**
 * Integration tests of the queues capability against real databases, on SQLite and on MariaDB: the migration,
 * QueueRepository and QueueService (default queues, CRUD, case-insensitive names, raw port uniqueness including
 * concurrent writers, `changed` events only after commit, raw port mappings, stored detection rules, queues
 * another process (the CLI) created).
 * The REST API is tested in queues-api.test.ts.
 */
import { expect } from 'chai';
import { type DataSource } from 'typeorm';
import { createSilentLogger, ErrorCode, isQuireError, newId, openDatabase } from '@quire/common';
import { forEachDriver } from '@quire/testkit';
import { jobCoreEntities, jobCoreMigrations } from '../src/job-core';
import {
  type QueueEntity,
  QueueRepository,
  QueueService,
  QUEUE_CACHE_MISS_AGE_MS,
  toQueueSummary,
  type DetectionRule,
} from '../src/queues';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isQuireError(err) ? err.code : err === undefined ? undefined : String(err);
}

forEachDriver('site queues', (_driver, getUrl) => {
  let dataSource: DataSource;
  let repository: QueueRepository;
  let service: QueueService;
  let changes: number;

  beforeEach(async () => {
    ({ dataSource } = await openDatabase({
      url: await getUrl(),
      entities: jobCoreEntities,
      migrations: jobCoreMigrations,
    }));
    repository = new QueueRepository(dataSource);
    service = new QueueService({ queues: repository, logger: createSilentLogger() });
    changes = 0;
    service.on('changed', () => {
      changes += 1;
    });
  });

  afterEach(async () => {
    await dataSource?.destroy();
  });

  it('creates Default and Web on first start only, and never brings back a deleted one', async () => {
    await service.ensureDefaultQueues();
    await service.ensureDefaultQueues();
    const queues = await service.list();
    expect(queues.map((q) => [q.name, q.type, q.online])).to.deep.equal([
      ['Default', 'pull', true],
      ['Web', 'pull', true],
    ]);
    expect(queues[0].userDetection).to.deep.equal([
      { kind: 'pjl', variable: 'USERNAME' },
      { kind: 'sender' },
    ]);
    expect(queues[1].userDetection).to.deep.equal([{ kind: 'sender' }]);
    expect(queues.every((q) => q.description.length > 20 && q.unknownOwnerPolicy === 'reject')).to.equal(
      true,
    );
    expect(changes).to.equal(1);

    await service.remove(queues[1].id);
    await service.ensureDefaultQueues();
    expect((await service.list()).map((q) => q.name)).to.deep.equal(['Default']);
    expect(changes).to.equal(2);
  });

  it('creates, reads, updates and deletes a queue, finding it by name in any case', async () => {
    const rules: DetectionRule[] = [
      { kind: 'sender-if', sender: 'SYSTEM', then: { kind: 'job-name', pattern: '^(\\w+)_' } },
      { kind: 'sender', pattern: '^([^@]+)' },
    ];
    const created = await service.create({
      name: 'Finance-2F',
      type: 'tandem',
      description: 'Second floor',
      rawPort: 9101,
      unknownOwnerPolicy: 'unauthenticated',
      userDetection: rules,
      detectionCaseSensitive: true,
    });
    const stored = await service.get(created.id);
    expect(stored).to.deep.equal(created);
    expect(stored).to.include({ name: 'Finance-2F', nameKey: 'finance-2f', online: true, rawPort: 9101 });
    expect(stored.userDetection).to.deep.equal(rules);
    expect((await service.findByName('FINANCE-2f'))?.id).to.equal(created.id);
    expect(await service.findByName('finance')).to.equal(null);
    expect(toQueueSummary(stored)).to.deep.equal({
      id: created.id,
      name: 'Finance-2F',
      type: 'tandem',
      online: true,
      description: 'Second floor',
    });

    const updated = await service.update(created.id, { name: 'Finance', online: false, rawPort: null });
    expect(updated).to.include({ name: 'Finance', nameKey: 'finance', online: false, rawPort: null });
    expect(await service.get(created.id)).to.deep.equal(updated);
    expect(updated.updatedAt.getTime()).to.be.at.least(created.updatedAt.getTime());
    expect((await service.findByName('finance'))?.id).to.equal(created.id);

    await service.remove(created.id);
    expect(await codeOf(service.get(created.id))).to.equal(ErrorCode.NotFound);
    expect(await codeOf(service.remove(created.id))).to.equal(ErrorCode.NotFound);
    expect(await codeOf(service.update(newId(), { online: true }))).to.equal(ErrorCode.NotFound);
    expect(changes).to.equal(3);
  });

  it('refuses a name taken in any case and a taken raw port, on create and on update', async () => {
    const sales = await service.create({ name: 'Sales', type: 'pull', rawPort: 9100 });
    const other = await service.create({ name: 'Other', type: 'direct' });
    const conflicts = [
      service.create({ name: 'SALES', type: 'pull' }),
      service.create({ name: 'Fresh', type: 'pull', rawPort: 9100 }),
      service.update(other.id, { name: 'sales' }),
      service.update(other.id, { rawPort: 9100 }),
    ];
    for (const attempt of conflicts) expect(await codeOf(attempt)).to.equal(ErrorCode.Conflict);
    const err = await service.create({ name: 'x', type: 'pull', rawPort: 9100 }).catch((e: unknown) => e);
    expect((err as Error).message).to.equal('Raw port 9100 is already mapped to queue "Sales"');

    const renamed = await service.update(sales.id, { name: 'SALES', rawPort: 9100 });
    expect(renamed.name).to.equal('SALES');
    expect(await codeOf(service.create({ name: 'bad name', type: 'pull' }))).to.equal(
      ErrorCode.ValidationFailed,
    );
    expect((await service.list()).map((q) => q.name)).to.deep.equal(['Other', 'SALES']);
  });

  it('turns a unique-index violation (a concurrent writer won the race) into CONFLICT', async () => {
    // A repository that never sees a clash makes the service meet the DB's unique indexes, as a racing writer would.
    class BlindRepository extends QueueRepository {
      override async findClash() {
        return null;
      }
    }
    const blind = new QueueService({ queues: new BlindRepository(dataSource), logger: createSilentLogger() });
    await blind.create({ name: 'Race', type: 'pull', rawPort: 9200 });
    const byName = await blind.create({ name: 'RACE', type: 'pull' }).catch((e: unknown) => e);
    expect(isQuireError(byName, ErrorCode.Conflict), String(byName)).to.equal(true);
    expect((byName as { details?: unknown }).details).to.deep.equal({ field: 'name' });
    const byPort = await blind
      .create({ name: 'Other', type: 'pull', rawPort: 9200 })
      .catch((e: unknown) => e);
    expect(isQuireError(byPort, ErrorCode.Conflict), String(byPort)).to.equal(true);
    expect((byPort as Error).message).to.equal('Raw port 9200 is already mapped to another queue');
    const other = await blind.create({ name: 'Other', type: 'pull' });
    expect(await codeOf(blind.update(other.id, { rawPort: 9200 }))).to.equal(ErrorCode.Conflict);

    const outcomes = await Promise.allSettled([
      service.create({ name: 'Twin', type: 'pull' }),
      service.create({ name: 'TWIN', type: 'pull' }),
    ]);
    expect(outcomes.map((r) => r.status).sort()).to.deep.equal(['fulfilled', 'rejected']);
    expect((await service.list()).map((q) => q.nameKey)).to.deep.equal(['other', 'race', 'twin']);
  });

  it('lists raw port mappings by port, offline queues included', async () => {
    await service.create({ name: 'Late', type: 'pull', rawPort: 9105 });
    await service.create({ name: 'Early', type: 'direct', rawPort: 9100, online: false });
    await service.create({ name: 'NoPort', type: 'pull' });
    expect(await service.rawPortMappings()).to.deep.equal([
      { port: 9100, queueName: 'Early' },
      { port: 9105, queueName: 'Late' },
    ]);
  });

  it('announces a change made in a transaction only after it commits, and never a rolled-back one', async () => {
    let seenInside = -1;
    await dataSource.transaction(async (manager) => {
      await service.create({ name: 'InTx', type: 'pull' }, manager);
      seenInside = changes;
    });
    expect(seenInside).to.equal(0);
    expect(changes).to.equal(1);

    const failed = dataSource.transaction(async (manager) => {
      await service.create({ name: 'RolledBack', type: 'pull' }, manager);
      throw new Error('abort');
    });
    expect(await codeOf(failed)).to.equal('Error: abort');
    expect(changes).to.equal(1);
    expect(await service.findByName('RolledBack')).to.equal(null);

    // A later commit on the same connection must not announce the rolled-back change either.
    await dataSource.transaction(async (manager) => {
      await manager.query('SELECT 1');
    });
    expect(changes).to.equal(1);
  });

  it('keeps working when a listener throws', async () => {
    service.on('changed', () => {
      throw new Error('listener bug');
    });
    const queue = await service.create({ name: 'Sturdy', type: 'pull' });
    expect(queue.name).to.equal('Sturdy');
    expect(changes).to.equal(1);
  });

  it('reads a hand-corrupted rule list as no rules instead of failing', async () => {
    const queue = await service.create({ name: 'Corrupt', type: 'pull' });
    await dataSource.query('UPDATE queues SET user_detection = ? WHERE id = ?', ['{not json', queue.id]);
    expect((await service.get(queue.id)).userDetection).to.deep.equal([]);
    await dataSource.query('UPDATE queues SET user_detection = ? WHERE id = ?', [
      '[{"kind":"telepathy"}]',
      queue.id,
    ]);
    const stored = await service.get(queue.id);
    expect(stored.userDetection).to.deep.equal([]);
    const result = service.detectOwner(stored, { senderUser: 'alice', jobName: null, pjl: {} });
    expect(result).to.deep.equal({
      ok: false,
      reason:
        'No owner found for the job on queue "Corrupt" (the queue has no user detection rules), and the queue rejects jobs whose owner is unknown',
    });
  });

  it('detects owners with the stored rules of a queue', async () => {
    const queue = await service.create({ name: 'Sap', type: 'pull', unknownOwnerPolicy: 'unauthenticated' });
    const stored = (await service.findByName('sap')) as QueueEntity;
    expect(
      service.detectOwner(stored, { senderUser: 'svc', jobName: null, pjl: { USERNAME: 'ann' } }),
    ).to.deep.equal({ ok: true, owner: 'ann', method: 'pjl' });
    expect(service.detectOwner(queue, { senderUser: null, jobName: null, pjl: {} })).to.deep.equal({
      ok: true,
      owner: '*unauthenticated',
      method: 'unauthenticated',
    });
  });

  it('finds a queue another process created, such as a direct queue from a CLI discovery', async () => {
    expect(await service.findByName('Default')).to.equal(null);
    const cli = new QueueService({ queues: new QueueRepository(dataSource), logger: createSilentLogger() });
    await cli.create({ name: 'HP-M507-12', type: 'pull' });
    // The map just loaded stays for a moment; a name it lacks is looked up again once it is a second old.
    await new Promise((resolve) => setTimeout(resolve, QUEUE_CACHE_MISS_AGE_MS + 100));
    expect((await service.findByName('hp-m507-12'))?.name).to.equal('HP-M507-12');
    expect(changes, 'no change of this process').to.equal(0);
  });
});
