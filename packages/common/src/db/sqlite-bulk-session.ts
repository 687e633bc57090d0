/**
 * The main-thread side of a SQLite bulk transaction (see bulk-writer.ts): a worker thread with its own
 * connection opens BEGIN IMMEDIATE, applies the rows posted to it in order, and commits or rolls back when told.
 * Posting never waits, so the caller reads and plans while the thread writes; rows travel as one JSON string
 * per message (values in database form are strings, numbers and nulls), which costs the posting thread a third
 * of what cloning the arrays did; the first failure is kept by the
 * thread, which then skips everything after it, and is reported by `settled()` and `commit()`.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ErrorCode, QuireError } from '../errors';
import { type BulkWriter } from './bulk-writer';
import { type BulkReply, type BulkRequest } from './sqlite-bulk-thread';

const BUSY_TIMEOUT_MS = 5000;

/** One open bulk transaction on its own thread and connection. */
export class SqliteBulkSession implements BulkWriter {
  readonly ownConnection = true;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private gone: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: BulkReply) => this.onReply(reply));
    worker.on('error', (err) => this.onGone(err.message));
    worker.on('exit', (code) => this.onGone(`the bulk writer thread exited with code ${code}`));
  }

  /** Start the thread and take the write lock (waiting up to the busy timeout for another writer). */
  static async begin(file: string): Promise<SqliteBulkSession> {
    const worker = new Worker(path.join(__dirname, 'sqlite-bulk-thread.js'), {
      workerData: { file, busyTimeoutMs: BUSY_TIMEOUT_MS },
    });
    const session = new SqliteBulkSession(worker);
    try {
      await session.roundTrip('begin');
    } catch (err) {
      await session.close();
      throw err;
    }
    return session;
  }

  insert(table: string, columns: string[], rows: unknown[][]): void {
    if (rows.length === 0) return;
    const names = columns.map(quote).join(', ');
    const sql = `INSERT INTO ${quote(table)} (${names}) VALUES (${columns.map(() => '?').join(', ')})`;
    this.post({ kind: 'write', sql, rows: JSON.stringify(rows) });
  }

  execute(sql: string, rows: unknown[][]): void {
    if (rows.length > 0) this.post({ kind: 'write', sql, rows: JSON.stringify(rows) });
  }

  settled(): Promise<void> {
    return this.roundTrip('settle');
  }

  /** Commit everything (after the last write is applied); rejects, having rolled back, on any earlier failure. */
  async commit(): Promise<void> {
    try {
      await this.roundTrip('commit');
    } finally {
      await this.close();
    }
  }

  /** Roll back and stop the thread; never rejects (the caller already has the error that caused it). */
  async rollback(): Promise<void> {
    await this.roundTrip('rollback').catch(() => undefined);
    await this.close();
  }

  private roundTrip(kind: 'begin' | 'settle' | 'commit' | 'rollback'): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      if (this.gone) return reject(this.gone);
      this.waiting.set(id, { resolve, reject });
      this.post({ kind, id });
    });
  }

  private post(request: BulkRequest): void {
    if (!this.gone) this.worker.postMessage(request);
  }

  private onReply(reply: BulkReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (reply.error === undefined) waiter.resolve();
    else
      waiter.reject(
        new QuireError(ErrorCode.Internal, `The database could not store the bulk change: ${reply.error}`),
      );
  }

  private onGone(reason: string): void {
    if (this.gone) return;
    this.gone = new QuireError(ErrorCode.Internal, `The database could not store the bulk change: ${reason}`);
    for (const waiter of this.waiting.values()) waiter.reject(this.gone);
    this.waiting.clear();
  }

  private async close(): Promise<void> {
    if (this.gone) return;
    this.gone = new QuireError(ErrorCode.Internal, 'The bulk transaction is over');
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
