/**
 * Multi-row INSERTs for the sync engine's bulk writes. TypeORM's insert builder names one parameter per value and
 * spends most of a 100,000-user sync building them; this writes `INSERT ... VALUES (?, ...), (?, ...)` itself,
 * with each value converted by the driver exactly as TypeORM would persist it (dates, booleans), in chunks that
 * stay under SQLite's and MySQL's placeholder limits.
 */
import { type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';

/** Placeholders per statement: SQLite allows 32,766, MySQL 65,535. */
const MAX_PARAMS = 30_000;

/** Insert `rows` of `entity` (every column given) in as few statements as the placeholder limit allows. */
export async function insertRows<T extends ObjectLiteral>(
  tx: EntityManager,
  entity: EntityTarget<T>,
  rows: T[],
): Promise<void> {
  if (rows.length === 0) return;
  const metadata = tx.connection.getMetadata(entity);
  const driver = tx.connection.driver;
  const columns = metadata.columns;
  const head = `INSERT INTO ${driver.escape(metadata.tableName)} (${columns
    .map((column) => driver.escape(column.databaseName))
    .join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const params: unknown[] = [];
    for (const row of chunk) {
      for (const column of columns)
        params.push(driver.preparePersistentValue(column.getEntityValue(row), column));
    }
    await tx.query(head + chunk.map(() => tuple).join(', '), params);
  }
}
