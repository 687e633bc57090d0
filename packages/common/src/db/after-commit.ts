/**
 * Runs a callback once the transaction an EntityManager belongs to has committed, or at once when there is no
 * transaction; and tells a unique-index violation from other write failures on either driver. Services use
 * `afterCommit` to announce a change ("queues changed", "the directory moved on") only when other readers can see
 * it: on MySQL another connection reads the old rows until the commit, and a rolled-back change must not be
 * announced at all.
 *
 * It hooks TypeORM's transaction subscriber events. Callbacks are kept per query runner and run when the
 * outermost transaction commits (a savepoint release does not count); a rollback of the outermost transaction
 * drops them. The subscriber is on the DataSource only while some transaction has callbacks waiting, so nothing
 * stays behind once they have run.
 */
import {
  type DataSource,
  type EntityManager,
  type EntitySubscriberInterface,
  type QueryRunner,
} from 'typeorm';

interface Pending {
  callbacks: Array<() => void>;
  /** Keys of the callbacks given with one: each key runs once per transaction. */
  keys: Set<string>;
}

interface Hook {
  subscriber: EntitySubscriberInterface;
  /** Runners with callbacks waiting; at 0 the subscriber is taken off. */
  runners: number;
}

const pending = new WeakMap<QueryRunner, Pending>();
const hooks = new WeakMap<DataSource, Hook>();

function settle(dataSource: DataSource, runner: QueryRunner, run: boolean): void {
  if (runner.isTransactionActive) return;
  const waiting = pending.get(runner);
  if (!waiting) return;
  pending.delete(runner);
  release(dataSource);
  if (!run) return;
  for (const callback of waiting.callbacks) {
    try {
      callback();
    } catch {
      // The commit has happened; a failing announcement must not make the caller believe it did not.
    }
  }
}

function hook(dataSource: DataSource): void {
  let current = hooks.get(dataSource);
  if (!current) {
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event) => settle(dataSource, event.queryRunner, true),
      afterTransactionRollback: (event) => settle(dataSource, event.queryRunner, false),
    };
    dataSource.subscribers.push(subscriber);
    current = { subscriber, runners: 0 };
    hooks.set(dataSource, current);
  }
  current.runners += 1;
}

function release(dataSource: DataSource): void {
  const current = hooks.get(dataSource);
  if (!current) return;
  current.runners -= 1;
  // TypeORM is still walking the subscriber list for this event: take ours off once it is done.
  queueMicrotask(() => {
    if (current.runners > 0 || hooks.get(dataSource) !== current) return;
    hooks.delete(dataSource);
    const index = dataSource.subscribers.indexOf(current.subscriber);
    if (index >= 0) dataSource.subscribers.splice(index, 1);
  });
}

/**
 * Run `callback` after `manager`'s transaction commits; at once when `manager` is absent or not in one. With a
 * `key`, a callback of that key runs once per transaction however often it is asked for (a transaction that
 * changes ten templates announces once).
 */
export function afterCommit(
  dataSource: DataSource,
  manager: EntityManager | undefined,
  callback: () => void,
  key?: string,
) {
  const runner = manager?.queryRunner;
  if (!runner || !runner.isTransactionActive) {
    callback();
    return;
  }
  let waiting = pending.get(runner);
  if (!waiting) {
    waiting = { callbacks: [], keys: new Set() };
    pending.set(runner, waiting);
    hook(dataSource);
  }
  if (key !== undefined) {
    if (waiting.keys.has(key)) return;
    waiting.keys.add(key);
  }
  waiting.callbacks.push(callback);
}

/** True when `err` is a unique-index violation on MySQL/MariaDB or SQLite. */
export function isUniqueViolation(err: unknown): boolean {
  const driverError = (err as { driverError?: { code?: unknown; errno?: unknown } } | null)?.driverError;
  const code = driverError?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || driverError?.errno === 1062;
}
