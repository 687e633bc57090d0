/**
 * The worker thread of a SQLite bulk transaction (sqlite-bulk-session.ts): one connection of its own, one
 * BEGIN IMMEDIATE, the posted statements applied in order with statements prepared once per SQL text, then COMMIT
 * or ROLLBACK. After the first failure every later write is skipped, so nothing partial can be committed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite, type SqliteStatement } from './sqlite-native';

/** What the main thread sends: writes (no answer), and steps that are answered with their `id`. */
export type BulkRequest =
  | { kind: 'write'; sql: string; rows: string }
  | { kind: 'begin' | 'settle' | 'commit' | 'rollback'; id: number };

/** The answer to a step: `error` is the first failure of the transaction, if there was one. */
export interface BulkReply {
  id: number;
  error?: string;
}

interface BulkThreadData {
  file: string;
  busyTimeoutMs: number;
}

const { file, busyTimeoutMs } = workerData as BulkThreadData;
const db = openSqlite(file, busyTimeoutMs);
// As the main connection (data-source.ts): a durable commit. A bigger page cache keeps the index pages of a
// 100,000-row run in memory instead of spilling them to the WAL and reading them back.
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma('cache_size = -65536');

const prepared = new Map<string, SqliteStatement>();
let failure: string | null = null;

/** Run `sql` once per row of `rows`, a JSON array of parameter arrays. */
function write(sql: string, rows: string): void {
  if (failure !== null) return;
  try {
    let statement = prepared.get(sql);
    if (!statement) prepared.set(sql, (statement = db.prepare(sql)));
    for (const row of JSON.parse(rows) as unknown[][]) statement.run(row);
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
}

function attempt(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function finish(commit: boolean): string | undefined {
  const error = commit && failure === null ? attempt(() => db.exec('COMMIT')) : (failure ?? undefined);
  if (db.inTransaction) attempt(() => db.exec('ROLLBACK'));
  attempt(() => db.close());
  return commit ? error : undefined;
}

function step(request: Exclude<BulkRequest, { kind: 'write' }>): BulkReply {
  switch (request.kind) {
    case 'begin':
      return { id: request.id, error: attempt(() => db.exec('BEGIN IMMEDIATE')) };
    case 'settle':
      return { id: request.id, error: failure ?? undefined };
    case 'commit':
      return { id: request.id, error: finish(true) };
    case 'rollback':
      return { id: request.id, error: finish(false) };
  }
}

parentPort?.on('message', (request: BulkRequest) => {
  if (request.kind === 'write') write(request.sql, request.rows);
  else parentPort?.postMessage(step(request));
});
