/**
 * Unit tests of UpsertStatements: chunking, the MariaDB dialect's text, and the SQLite dialect's behaviour on a
 * real in-memory database (the MariaDB behaviour is covered by test/replication-inbox.test.ts).
 */
import { expect } from 'chai';
import { createUnitWriter, openDatabase, type SqlValue, type UnitWriter } from '@quire/common';
import { type DataSource } from 'typeorm';
import { UpsertStatements, type UpsertTarget } from './upsert-statements';
import { REPLICATED_ENTITIES } from './entities';
import { SiteEntity } from '../sites/site.entity';
import { CreateSites1763700100000 } from '../migrations/1763700100000-create-sites';
import { ReplicatedRecords1763700800000 } from '../migrations/1763700800000-replicated-records';

const EVENTS: UpsertTarget = {
  table: 'site_job_events',
  columns: ['site_id', 'event_id', 'job_id', 'at', 'from_state', 'to_state', 'reason', 'actor'],
  keyColumns: ['site_id', 'event_id'],
  rule: { kind: 'keep-first' },
};

const JOB_STATE: UpsertTarget = {
  table: 'site_jobs',
  columns: ['site_id', 'job_id', 'state', 'last_seq'],
  keyColumns: ['site_id', 'job_id'],
  rule: { kind: 'latest-wins', seqColumn: 'last_seq' },
};

function fakeDataSource(type: 'mysql' | 'better-sqlite3'): DataSource {
  const quote = type === 'mysql' ? '`' : '"';
  return {
    options: { type },
    driver: { escape: (name: string) => `${quote}${name}${quote}` },
  } as unknown as DataSource;
}

describe('UpsertStatements', () => {
  it('cuts rows into chunks of a few fixed sizes, so few statement texts exist', () => {
    const upserts = new UpsertStatements(fakeDataSource('better-sqlite3'), EVENTS);
    const rows = Array.from({ length: 300 }, (_, i) => EVENTS.columns.map((c) => `${c}${i}`));
    const statements = upserts.statements(rows);
    const sizes = statements.map((s) => s.params.length / EVENTS.columns.length);
    expect(sizes).to.deep.equal([256, 16, 16, 4, 4, 4]);
    expect(new Set(statements.map((s) => s.sql)).size).to.equal(3);
    expect(statements.flatMap((s) => s.params)).to.deep.equal(rows.flat());
    expect(upserts.statements([])).to.deep.equal([]);
  });

  it('writes MariaDB upserts that keep the first event and let only a later job record win', () => {
    const events = new UpsertStatements(fakeDataSource('mysql'), EVENTS).statements([[...EVENTS.columns]]);
    expect(events[0].sql).to.match(/ON DUPLICATE KEY UPDATE `site_id` = `site_id`$/);
    const jobs = new UpsertStatements(fakeDataSource('mysql'), JOB_STATE).statements([
      [...JOB_STATE.columns],
    ]);
    expect(jobs[0].sql).to.contain(
      'ON DUPLICATE KEY UPDATE `state` = IF(VALUES(`last_seq`) > `last_seq`, VALUES(`state`), `state`), ' +
        '`last_seq` = GREATEST(`last_seq`, VALUES(`last_seq`))',
    );
  });

  describe('on SQLite', () => {
    let dataSource: DataSource;
    let writer: UnitWriter;

    before(async () => {
      ({ dataSource } = await openDatabase({
        url: 'sqlite::memory:',
        entities: [SiteEntity, ...REPLICATED_ENTITIES],
        migrations: [CreateSites1763700100000, ReplicatedRecords1763700800000],
      }));
      writer = createUnitWriter(dataSource);
    });

    after(async () => {
      await writer.close();
      await dataSource.destroy();
    });

    const job = (state: string, seq: number): SqlValue[] => [
      's1',
      'j1',
      1,
      'doc',
      'alice',
      'sender',
      'q',
      'secure',
      state,
      null,
      'ipp',
      '::1',
      null,
      '2025-03-01 10:00:00.000',
      null,
      null,
      10,
      null,
      null,
      1,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      0,
      null,
      0,
      null,
      null,
      seq,
    ];
    const JOB_COLUMNS = [
      'site_id',
      'job_id',
      'number',
      'name',
      'owner',
      'owner_method',
      'queue_id',
      'queue_name',
      'state',
      'state_reason',
      'protocol',
      'client_address',
      'sender_host',
      'submitted_at',
      'processed_at',
      'completed_at',
      'size_bytes',
      'document_format',
      'pdl',
      'copies',
      'pages',
      'color_pages',
      'mono_pages',
      'duplex',
      'paper',
      'impressions',
      'sheets',
      'favourite',
      'printer_id',
      'print_attempts',
      'released_by',
      'document_removed_at',
      'last_seq',
    ];

    async function upsertJobs(rows: SqlValue[][]): Promise<void> {
      const upserts = new UpsertStatements(dataSource, { ...JOB_STATE, columns: JOB_COLUMNS });
      await writer.submit({ statements: upserts.statements(rows) });
    }

    async function stored(): Promise<{ state: string; last_seq: number }[]> {
      return dataSource.query('SELECT state, last_seq FROM site_jobs');
    }

    it('lets a job row change only for a later sequence number', async () => {
      await upsertJobs([job('processing', 5)]);
      await upsertJobs([job('printing', 3)]);
      expect(await stored()).to.deep.equal([{ state: 'processing', last_seq: 5 }]);
      await upsertJobs([job('printed', 7), job('ready', 6)]);
      expect(await stored()).to.deep.equal([{ state: 'printed', last_seq: 7 }]);
    });

    it('keeps the first copy of an event', async () => {
      const upserts = new UpsertStatements(dataSource, EVENTS);
      const event = (actor: string) => [
        's1',
        'e1',
        'j1',
        '2025-03-01 10:00:00.000',
        null,
        'ready',
        null,
        actor,
      ];
      await writer.submit({ statements: upserts.statements([event('intake'), event('replayed')]) });
      await writer.submit({ statements: upserts.statements([event('again')]) });
      expect(await dataSource.query('SELECT actor FROM site_job_events')).to.deep.equal([
        { actor: 'intake' },
      ]);
    });
  });
});
