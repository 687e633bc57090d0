/**
 * The SQLite writer thread (see sqlite-writer.ts): owns one better-sqlite3 connection to the site database and
 * applies batches of write units, each batch in one transaction with one commit, each unit in its own savepoint.
 * Statements are prepared once and cached by their SQL text. The commit's fsync blocks this thread only, never
 * the event loop that accepts jobs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite, type SqliteDatabase, type SqliteStatement } from './sqlite-native';
import { type StatementOutput, type UnitOutcome, type WriteUnit } from './write-unit';

/** What the main thread sends. */
export type WriterRequest = { kind: 'batch'; id: number; units: WriteUnit[] } | { kind: 'close' };

/** What this thread answers: one outcome per unit, or the error that failed the whole batch. */
export type WriterReply =
  | { kind: 'batch'; id: number; outcomes: Array<UnitOutcome | { error: string }> }
  | { kind: 'batch-failed'; id: number; error: string }
  | { kind: 'closed' };

interface WriterThreadData {
  file: string;
  busyTimeoutMs: number;
}

class UnitRejected extends Error {
  constructor(readonly outcome: UnitOutcome & { applied: false }) {
    super('unit not applied');
  }
}

function openDatabase({ file, busyTimeoutMs }: WriterThreadData): SqliteDatabase {
  const db = openSqlite(file, busyTimeoutMs);
  // The same settings as the main connection (data-source.ts): WAL, and a durable commit.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  return db;
}

const db = openDatabase(workerData as WriterThreadData);
const prepared = new Map<string, SqliteStatement>();

function statement(sql: string): SqliteStatement {
  let found = prepared.get(sql);
  if (!found) {
    found = db.prepare(sql);
    prepared.set(sql, found);
  }
  return found;
}

function runUnit(unit: WriteUnit): StatementOutput[] {
  const outputs: StatementOutput[] = [];
  unit.statements.forEach((planned, index) => {
    const prepared = statement(planned.sql);
    let output: StatementOutput;
    if (planned.returnRows) {
      const rows = prepared.all(...planned.params) as Array<Record<string, unknown>>;
      output = { changes: rows.length, rows };
    } else {
      output = { changes: prepared.run(...planned.params).changes };
    }
    if (planned.expectChanges !== undefined && output.changes !== planned.expectChanges) {
      throw new UnitRejected({ applied: false, failedStatement: index, changes: output.changes });
    }
    outputs.push(output);
  });
  return outputs;
}

function applyInSavepoint(unit: WriteUnit): UnitOutcome | { error: string } {
  db.exec('SAVEPOINT unit');
  try {
    const outputs = runUnit(unit);
    db.exec('RELEASE unit');
    return { applied: true, outputs };
  } catch (err) {
    db.exec('ROLLBACK TO unit');
    db.exec('RELEASE unit');
    if (err instanceof UnitRejected) return err.outcome;
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

function applyBatch(id: number, units: WriteUnit[]): WriterReply {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (err) {
    return { kind: 'batch-failed', id, error: (err as Error).message };
  }
  try {
    const outcomes = units.map(applyInSavepoint);
    db.exec('COMMIT');
    return { kind: 'batch', id, outcomes };
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    return { kind: 'batch-failed', id, error: (err as Error).message };
  }
}

parentPort?.on('message', (request: WriterRequest) => {
  if (request.kind === 'batch') {
    parentPort?.postMessage(applyBatch(request.id, request.units));
    return;
  }
  db.close();
  parentPort?.postMessage({ kind: 'closed' } satisfies WriterReply);
  parentPort?.close();
});
