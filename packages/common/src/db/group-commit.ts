/**
 * Group commit: many small writes that arrive together share one transaction, so they share one commit (and its
 * fsync) instead of paying one each. This is how the intake keeps "acknowledge only after the DB commit" without
 * serialising every job behind its own fsync.
 *
 * Each item runs in its own savepoint inside the batch transaction, so one failing item rolls back alone and is
 * rejected with its own error while the others commit. Every caller is resolved only after the batch committed;
 * if the commit itself fails, every item of the batch is rejected. A batch starts one event-loop turn after its
 * first item (setImmediate, so no timer latency), which lets items whose I/O completed in the same turn join it;
 * that matters on SQLite, where a batch runs synchronously and nothing else could join it while it runs. Items
 * arriving while a batch commits form the next one, up to `maxBatch`.
 */
import { type DataSource, type EntityManager } from 'typeorm';

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export interface GroupCommitOptions {
  /** Most items in one transaction. Default 64. */
  maxBatch?: number;
}

export class GroupCommit<I, O> {
  private queue: Array<Pending<I, O>> = [];
  private running = false;
  private readonly maxBatch: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly work: (item: I, manager: EntityManager) => Promise<O>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
  }

  /** Run `work(item)` in the next batch; resolves with its result once that batch has committed. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.runBatch(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async runBatch(batch: Array<Pending<I, O>>): Promise<void> {
    const outcomes: Array<{ ok: true; value: O } | { ok: false; error: unknown }> = [];
    try {
      await this.dataSource.transaction(async (tx) => {
        for (const pending of batch) {
          try {
            outcomes.push({
              ok: true,
              value: await tx.transaction((savepoint) => this.work(pending.item, savepoint)),
            });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (commitError) {
      for (const pending of batch) pending.reject(commitError);
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }
}
