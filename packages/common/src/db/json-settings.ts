/**
 * A key → JSON settings table, as the site's `site_settings` and central's `directory_settings` are: one row per
 * key, the value as JSON text. Values are validated on every write by the caller and on every read here: a row
 * edited by hand into something invalid reads as unset rather than breaking whatever uses it.
 */
import { type DataSource, type EntityManager, type EntityTarget } from 'typeorm';

/** The columns of a settings row. */
export interface JsonSettingRow {
  key: string;
  value: string;
  updatedAt: Date;
}

/** Reads and writes one settings table. */
export class JsonSettingsStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly entity: EntityTarget<JsonSettingRow>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The stored value of `key`, or null when there is none or it is not JSON. */
  async read(key: string): Promise<unknown> {
    const row = await this.dataSource.manager.findOneBy(this.entity, { key });
    if (!row) return null;
    try {
      return JSON.parse(row.value) as unknown;
    } catch {
      return null;
    }
  }

  /** The value of `key` as `parse` accepts it, or null when it is unset or no longer valid. */
  async readParsed<T>(key: string, parse: (raw: unknown) => T): Promise<T | null> {
    const raw = await this.read(key);
    if (raw === null) return null;
    try {
      return parse(raw);
    } catch {
      return null;
    }
  }

  /** Replace the value of `key`, in the caller's transaction when given one. */
  async write(key: string, value: unknown, manager?: EntityManager): Promise<void> {
    const tx = manager ?? this.dataSource.manager;
    await tx.delete(this.entity, { key });
    await tx.insert(this.entity, { key, value: JSON.stringify(value), updatedAt: this.now() });
  }
}
