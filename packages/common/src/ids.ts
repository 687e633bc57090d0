/**
 * Identifiers. Records get UUIDv7: time-ordered, so primary-key inserts stay append-mostly in InnoDB and SQLite
 * indexes, and ids sort by creation time across sites without coordination.
 */
import { v7 as uuidv7, validate as uuidValidate } from 'uuid';

/** A new time-ordered UUIDv7 string, e.g. `01936f1e-...`. */
export function newId(): string {
  return uuidv7();
}

/** True when `value` is a well-formed UUID of any version. */
export function isUuid(value: string): boolean {
  return uuidValidate(value);
}
