/**
 * The two ways write units (write-unit.ts) reach the database, behind one `UnitWriter` contract:
 *
 * - `SqliteThreadWriter`, for a file-backed SQLite database: units are batched on the event loop and applied by
 *   a dedicated writer thread (sqlite-writer-thread.ts) with its own connection, one transaction and one fsync
 *   per batch. The event loop never waits for a commit, which is most of what an intake job used to cost it.
 *   Two connections on one WAL database are safe: SQLite lets one writer in at a time, and the busy timeout
 *   makes the other wait its (short) turn. The writer must never be awaited from inside a TypeORM transaction
 *   that has already written, or both would wait for each other until the busy timeout.
 * - `TransactionUnitWriter`, for MySQL and in-memory SQLite: a group commit (group-commit.ts) over the
 *   DataSource, each unit in its own savepoint.
 *
 * `createUnitWriter` picks one from the DataSource's options.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type DataSource } from 'typeorm';
import { ErrorCode, QuireError } from '../errors';
import { GroupCommit } from './group-commit';
import { type WriterReply, type WriterRequest } from './sqlite-writer-thread';
import { executeUnit, UnitNotApplied, type UnitOutcome, type UnitWriter, type WriteUnit } from './write-unit';

/** Most units in one writer-thread transaction. */
const MAX_BATCH = 256;
/** How long either connection waits for the other's write turn before failing. */
const BUSY_TIMEOUT_MS = 5000;

interface Pending {
  unit: WriteUnit;
  resolve(outcome: UnitOutcome): void;
  reject(err: unknown): void;
}

function dbFailure(reason: string): QuireError {
  return new QuireError(ErrorCode.Internal, `The database could not store the change: ${reason}`);
}

/** Applies units on a dedicated SQLite writer thread; see the file comment. */
export class SqliteThreadWriter implements UnitWriter {
  private worker: Worker | null = null;
  private queue: Pending[] = [];
  private inFlight: { id: number; batch: Pending[] } | null = null;
  private nextId = 1;
  private closing: Promise<void> | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly file: string) {}

  /** Queue `unit` for the next batch; resolves once that batch has committed. */
  submit(unit: WriteUnit): Promise<UnitOutcome> {
    if (this.closing) return Promise.reject(new QuireError(ErrorCode.NotReady, 'The database is closing'));
    return new Promise((resolve, reject) => {
      this.queue.push({ unit, resolve, reject });
      this.flush();
    });
  }

  /** Send the queued units, unless a batch is already being applied (they go when it answers). */
  private flush(): void {
    if (this.inFlight) return;
    if (this.queue.length === 0) {
      for (const wake of this.idleWaiters.splice(0)) wake();
      return;
    }
    const batch = this.queue.splice(0, MAX_BATCH);
    const id = this.nextId++;
    this.inFlight = { id, batch };
    const request: WriterRequest = { kind: 'batch', id, units: batch.map((pending) => pending.unit) };
    this.thread().postMessage(request);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, 'sqlite-writer-thread.js'), {
      workerData: { file: this.file, busyTimeoutMs: BUSY_TIMEOUT_MS },
    });
    worker.on('message', (reply: WriterReply) => this.onReply(reply));
    worker.on('error', (err) => this.onThreadGone(err.message));
    worker.on('exit', (code) => this.onThreadGone(`the writer thread exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private onReply(reply: WriterReply): void {
    if (reply.kind === 'closed') return;
    const current = this.inFlight;
    if (!current || current.id !== reply.id) return;
    this.inFlight = null;
    if (reply.kind === 'batch-failed') {
      for (const pending of current.batch) pending.reject(dbFailure(reply.error));
    } else {
      current.batch.forEach((pending, index) => {
        const outcome = reply.outcomes[index];
        if ('error' in outcome) pending.reject(dbFailure(outcome.error));
        else pending.resolve(outcome);
      });
    }
    this.flush();
  }

  /** A dead thread fails the batch it held (nothing of it committed) and is replaced at the next batch. */
  private onThreadGone(reason: string): void {
    if (!this.worker) return;
    this.worker.removeAllListeners();
    this.worker = null;
    const current = this.inFlight;
    this.inFlight = null;
    if (current) for (const pending of current.batch) pending.reject(dbFailure(reason));
    this.flush();
  }

  /** Apply everything submitted so far, then stop the thread. */
  close(): Promise<void> {
    this.closing ??= this.drainAndStop();
    return this.closing;
  }

  private async drainAndStop(): Promise<void> {
    if (this.inFlight || this.queue.length > 0) {
      await new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        this.flush();
      });
    }
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    worker.removeAllListeners();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ kind: 'close' } satisfies WriterRequest);
    await exited;
  }
}

/** Applies units through TypeORM transactions, group-committed; see the file comment. */
export class TransactionUnitWriter implements UnitWriter {
  private readonly commits: GroupCommit<WriteUnit, UnitOutcome>;

  constructor(dataSource: DataSource) {
    this.commits = new GroupCommit(dataSource, async (unit, savepoint) => ({
      applied: true,
      outputs: await executeUnit(savepoint, unit),
    }));
  }

  /** Apply `unit` in the next group commit. */
  async submit(unit: WriteUnit): Promise<UnitOutcome> {
    try {
      return await this.commits.submit(unit);
    } catch (err) {
      if (err instanceof UnitNotApplied) {
        return { applied: false, failedStatement: err.failedStatement, changes: err.changes };
      }
      throw err;
    }
  }

  /** Nothing to release: the DataSource belongs to the caller. */
  async close(): Promise<void> {}
}

/** The writer for `dataSource`: the writer thread for a file-backed SQLite database, transactions otherwise. */
export function createUnitWriter(dataSource: DataSource): UnitWriter {
  const options = dataSource.options;
  if (options.type === 'better-sqlite3' && options.database !== ':memory:') {
    return new SqliteThreadWriter(path.resolve(options.database));
  }
  return new TransactionUnitWriter(dataSource);
}
