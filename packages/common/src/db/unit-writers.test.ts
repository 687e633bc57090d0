/**
 * The unit writers against real SQLite databases: the writer thread on a file, the transaction writer in memory.
 * Both must apply units all-or-nothing, report an unmet expectation without applying anything of that unit,
 * isolate a failing statement to its own unit, store values exactly as TypeORM reads them back, and apply
 * everything submitted before close.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Column, Entity, PrimaryColumn, type DataSource } from 'typeorm';
import { isQuireError } from '../errors';
import { openDatabase } from './data-source';
import { SqliteThreadWriter, TransactionUnitWriter } from './unit-writers';
import { EntityStatements, type UnitWriter } from './write-unit';

@Entity({ name: 'unit_probe' })
class ProbeEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'integer' })
  value!: number;

  @Column({ name: 'seen_at', type: 'datetime', precision: 3 })
  seenAt!: Date;

  @Column({ type: 'boolean' })
  flag!: boolean;
}

const CREATE_TABLE =
  'CREATE TABLE unit_probe (id varchar(36) PRIMARY KEY, value integer NOT NULL, seen_at datetime(3) NOT NULL, flag boolean NOT NULL)';

for (const kind of ['writer thread (file)', 'transactions (memory)'] as const) {
  describe(`unit writer: ${kind}`, () => {
    let base: string;
    let dataSource: DataSource;
    let writer: UnitWriter;
    let rows: EntityStatements<ProbeEntity>;

    const probe = (id: string, value: number): ProbeEntity => ({
      id,
      value,
      seenAt: new Date(Date.UTC(2026, 10, 21, 12, 0, 0, value % 1000)),
      flag: value % 2 === 0,
    });

    before(async () => {
      base = mkdtempSync(path.join(tmpdir(), 'quire-unit-writer-'));
      const url =
        kind === 'writer thread (file)' ? `sqlite:${path.join(base, 'db.sqlite')}` : 'sqlite::memory:';
      ({ dataSource } = await openDatabase({ url, entities: [ProbeEntity], migrations: [] }));
      await dataSource.query(CREATE_TABLE);
      rows = new EntityStatements(dataSource, ProbeEntity);
      writer =
        kind === 'writer thread (file)'
          ? new SqliteThreadWriter(path.join(base, 'db.sqlite'))
          : new TransactionUnitWriter(dataSource);
    });

    after(async () => {
      await writer?.close();
      await dataSource?.destroy();
      rmSync(base, { recursive: true, force: true });
    });

    it('applies concurrent units, storing values exactly as TypeORM reads them', async () => {
      const written = Array.from({ length: 100 }, (_, i) => probe(`a-${i}`, i));
      const outcomes = await Promise.all(
        written.map((row) => writer.submit({ statements: [rows.insert(row)] })),
      );
      expect(outcomes.every((outcome) => outcome.applied)).to.equal(true);
      const read = await dataSource.getRepository(ProbeEntity).find({ where: { flag: true } });
      expect(read).to.have.length(50);
      const byId = new Map(read.map((row) => [row.id, row]));
      for (const row of written.filter((w) => w.flag)) expect(byId.get(row.id)).to.deep.equal(row);
    });

    it('rolls back a unit whose expectation fails, and only that unit', async () => {
      const [missed, applied] = await Promise.all([
        writer.submit({
          statements: [rows.insert(probe('b-1', 1)), rows.update({ value: 2 }, { id: 'nobody' }, 1)],
        }),
        writer.submit({ statements: [rows.insert(probe('b-2', 2))] }),
      ]);
      expect(missed).to.deep.equal({ applied: false, failedStatement: 1, changes: 0 });
      expect(applied.applied).to.equal(true);
      const repo = dataSource.getRepository(ProbeEntity);
      expect(await repo.findOneBy({ id: 'b-1' })).to.equal(null);
      expect(await repo.findOneBy({ id: 'b-2' })).to.deep.equal(probe('b-2', 2));
    });

    it('rejects a unit whose statement fails, keeping the others of its batch', async () => {
      const [duplicate, fine] = await Promise.allSettled([
        writer.submit({ statements: [rows.insert(probe('c-1', 1)), rows.insert(probe('a-0', 0))] }),
        writer.submit({ statements: [rows.insert(probe('c-2', 2))] }),
      ]);
      expect(duplicate.status).to.equal('rejected');
      expect(fine.status).to.equal('fulfilled');
      const reason = (duplicate as PromiseRejectedResult).reason as Error;
      expect(reason.message).to.match(/UNIQUE constraint failed/);
      if (kind === 'writer thread (file)') expect(isQuireError(reason)).to.equal(true);
      const repo = dataSource.getRepository(ProbeEntity);
      expect(await repo.findOneBy({ id: 'c-1' })).to.equal(null);
      expect(await repo.findOneBy({ id: 'c-2' })).to.not.equal(null);
    });

    it('returns selected rows and increments in one unit', async () => {
      const outcome = await writer.submit({
        statements: [
          rows.increment('value', 10, { id: 'b-2' }, 1),
          rows.select(['id', 'value'], { id: 'b-2' }),
        ],
      });
      expect(outcome).to.deep.equal({
        applied: true,
        outputs: [{ changes: 1 }, { changes: 1, rows: [{ id: 'b-2', value: 12 }] }],
      });
    });

    it('lets a TypeORM transaction read, then write, while the writer commits', async () => {
      const repo = dataSource.getRepository(ProbeEntity);
      const background = Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          writer.submit({ statements: [rows.insert(probe(`d-${i}`, i))] }),
        ),
      );
      await dataSource.transaction(async (tx) => {
        const row = await tx.getRepository(ProbeEntity).findOneByOrFail({ id: 'a-1' });
        await new Promise((resolve) => setTimeout(resolve, 5));
        await tx.getRepository(ProbeEntity).update({ id: row.id }, { value: row.value + 1000 });
      });
      await background;
      expect((await repo.findOneByOrFail({ id: 'a-1' })).value).to.equal(1001);
      expect(await repo.countBy({})).to.equal(152);
    });

    it('applies everything submitted before close, and refuses units after it', async () => {
      const last = writer.submit({ statements: [rows.insert(probe('e-1', 1))] });
      await writer.close();
      expect((await last).applied).to.equal(true);
      expect(await dataSource.getRepository(ProbeEntity).findOneBy({ id: 'e-1' })).to.not.equal(null);
      if (kind === 'writer thread (file)') {
        const refused = await writer.submit({ statements: [] }).catch((err: unknown) => err);
        expect(isQuireError(refused) && refused.code).to.equal('NOT_READY');
      }
    });
  });
}
