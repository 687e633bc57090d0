/**
 * Runs a callback once the transaction an EntityManager belongs to has committed, or at once when there is no
 * transaction. Services use it to announce a change ("queues changed") only when other readers can see it: on
 * MySQL another connection reads the old rows until the commit, and a rolled-back change must not be announced
 * at all.
 *
 * It hooks TypeORM's transaction subscriber events. Callbacks are kept per query runner and run when the
 * outermost transaction commits (a savepoint release does not count); a rollback of the outermost transaction
 * drops them.
 */
import {
  type DataSource,
  type EntityManager,
  type QueryRunner,
  type TransactionCommitEvent,
  type TransactionRollbackEvent,
} from 'typeorm';

const pending = new WeakMap<QueryRunner, Array<() => void>>();
const hooked = new WeakSet<DataSource>();

function settle(runner: QueryRunner, run: boolean): void {
  if (runner.isTransactionActive) return;
  const callbacks = pending.get(runner) ?? [];
  pending.delete(runner);
  if (!run) return;
  for (const callback of callbacks) {
    try {
      callback();
    } catch {
      // The commit has happened; a failing announcement must not make the caller believe it did not.
    }
  }
}

function hook(dataSource: DataSource): void {
  if (hooked.has(dataSource)) return;
  hooked.add(dataSource);
  dataSource.subscribers.push({
    afterTransactionCommit: (event: TransactionCommitEvent) => settle(event.queryRunner, true),
    afterTransactionRollback: (event: TransactionRollbackEvent) => settle(event.queryRunner, false),
  });
}

/** Run `callback` after `manager`'s transaction commits; at once when `manager` is absent or not in one. */
export function afterCommit(
  dataSource: DataSource,
  manager: EntityManager | undefined,
  callback: () => void,
) {
  const runner = manager?.queryRunner;
  if (!runner || !runner.isTransactionActive) {
    callback();
    return;
  }
  hook(dataSource);
  const callbacks = pending.get(runner) ?? [];
  callbacks.push(callback);
  pending.set(runner, callbacks);
}
