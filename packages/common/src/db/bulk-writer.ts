/**
 * Where a bulk transaction's writes go (see bulk-transaction.ts), and the writer that queues them on the
 * transaction's own connection: MariaDB applies them in its own process, so the caller goes on reading and
 * planning while the server writes.
 */
import { type EntityManager } from 'typeorm';

/** Placeholders per multi-row statement: SQLite allows 32,766, MySQL 65,535. */
const MAX_PARAMS = 30_000;

/** Where a bulk transaction's writes go; everything queued is applied in order, in one transaction. */
export interface BulkWriter {
  /**
   * True when the writes go through a connection of their own (SQLite): the `manager` handed to the work then
   * sees the database as it was before the transaction and must only read.
   */
  readonly ownConnection: boolean;
  /** Queue `rows` (values already in database form, in `columns` order) for INSERT INTO `table`. */
  insert(table: string, columns: string[], rows: unknown[][]): void;
  /** Queue `sql` (with `?` placeholders) run once per row of parameters: updates and deletes. */
  execute(sql: string, rows: unknown[][]): void;
  /** Resolves when everything queued so far is applied; rejects with the first failure. */
  settled(): Promise<void>;
}

/** Writes queued on the transaction's own connection, each statement after the one before. */
export class QueuedWriter implements BulkWriter {
  readonly ownConnection = false;
  private tail: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  constructor(private readonly tx: EntityManager) {}

  insert(table: string, columns: string[], rows: unknown[][]): void {
    if (rows.length === 0) return;
    const escape = (name: string) => this.tx.connection.driver.escape(name);
    const head = `INSERT INTO ${escape(table)} (${columns.map(escape).join(', ')}) VALUES `;
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
    for (let i = 0; i < rows.length; i += perStatement) {
      const chunk = rows.slice(i, i + perStatement);
      this.enqueue(head + chunk.map(() => tuple).join(', '), chunk.flat());
    }
  }

  execute(sql: string, rows: unknown[][]): void {
    for (const params of rows) this.enqueue(sql, params);
  }

  async settled(): Promise<void> {
    await this.tail;
    if (this.failure !== null) throw this.failure;
  }

  /** Skip everything still queued, and resolve once the statement in flight (if any) has ended. */
  async abandon(): Promise<void> {
    if (this.failure === null) this.failure = new Error('abandoned');
    await this.tail;
  }

  // The chain never rejects (nothing would observe it): the first failure is kept for settled().
  private enqueue(sql: string, params: unknown[]): void {
    this.tail = this.tail.then(async () => {
      if (this.failure !== null) return;
      try {
        await this.tx.query(sql, params);
      } catch (err) {
        this.failure = err;
      }
    });
  }
}
