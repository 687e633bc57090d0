/**
 * The configuration templates as the federation publisher reads them (a VersionedSource): the changes after a
 * version, each template once as it is now or as a deletion; a snapshot of every live template; and a signal
 * when the version may have moved on.
 *
 * The signal comes from the store after each commit, in-process, so sites hear of a change at once; a cheap
 * poll of the version counter is the safety net for writes this process did not make (another central process,
 * a restore). A snapshot is computed once per version and shared by every site that asks for it, so a fan-out
 * to many sites costs one read.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { type TemplateChange } from '@quire/shared-proto';
import { type ChangesPage, type VersionedSource } from '../federation';
import { type ConfigTemplateEntity } from './config-template.entity';
import { type TemplateStore } from './template.store';

/** Below this many changed templates a site always gets deltas, whatever the number of live ones. */
const DELTAS_ALWAYS_BELOW = 100;

/** Construction options of TemplateSource. */
export interface TemplateSourceOptions {
  store: TemplateStore;
  dataSource: DataSource;
  /** How often the version counter is polled while anyone listens; default 500 ms. */
  pollMs?: number;
}

/** A template row as the change sites receive: the template as it is now, or its deletion. */
export function templateChange(row: ConfigTemplateEntity): TemplateChange {
  if (row.deletedAt !== null) return { kind: 'template', id: row.id, op: 'delete' };
  return {
    kind: 'template',
    id: row.id,
    op: 'upsert',
    template: {
      id: row.id,
      type: row.type,
      name: row.name,
      settings: row.settings,
      overridable: row.overridable,
    },
  };
}

/** The templates' VersionedSource for `versionedPublisher`; see the file comment. */
export class TemplateSource implements VersionedSource<TemplateChange> {
  private readonly listeners = new Set<() => void>();
  private snapshotCache: { version: number; changes: TemplateChange[] } | null = null;
  private poller: NodeJS.Timeout | null = null;
  private polledVersion: number | null = null;
  private readonly onStoreChange = () => this.notify();

  constructor(private readonly options: TemplateSourceOptions) {}

  /** The version of the last template write. */
  currentVersion(): Promise<number> {
    return this.options.store.currentVersion();
  }

  /**
   * Templates written after `since`, at most `limit`. Null (take a snapshot) when `since` is ahead of central
   * (central was restored from a backup), or when more templates changed than live ones exist and over
   * DELTAS_ALWAYS_BELOW: the snapshot is then the smaller message.
   */
  changesSince(since: number, limit: number): Promise<ChangesPage<TemplateChange> | null> {
    return this.read(async (tx) => {
      const { store } = this.options;
      const current = await store.currentVersion(tx);
      if (since > current) return null;
      if (since === current) return { version: current, changes: [], complete: true };
      const changed = await store.countChangedSince(since, tx);
      if (changed > DELTAS_ALWAYS_BELOW && changed > (await store.live(tx)).length) return null;
      const rows = await store.changedSince(since, limit, tx);
      const complete = rows.length < limit;
      const version = complete ? current : rows[rows.length - 1].version;
      return { version, changes: rows.map(templateChange), complete };
    });
  }

  /** Every live template as an upsert, and the version they are at. */
  snapshot(): Promise<{ version: number; changes: TemplateChange[] }> {
    return this.read(async (tx) => {
      const version = await this.options.store.currentVersion(tx);
      if (this.snapshotCache?.version === version) return this.snapshotCache;
      const changes = (await this.options.store.live(tx)).map(templateChange);
      this.snapshotCache = { version, changes };
      return this.snapshotCache;
    });
  }

  /** Call `listener` whenever the templates may have changed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.startWatching();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopWatching();
    };
  }

  /** Reads that must agree with each other (a version and its rows) share one transaction. */
  private read<T>(fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.options.dataSource.transaction(fn);
  }

  private startWatching(): void {
    this.options.store.on('changed', this.onStoreChange);
    this.poller = setInterval(() => void this.poll(), this.options.pollMs ?? 500);
    this.poller.unref();
  }

  private stopWatching(): void {
    this.options.store.off('changed', this.onStoreChange);
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    this.polledVersion = null;
  }

  private async poll(): Promise<void> {
    let version: number;
    try {
      version = await this.options.store.currentVersion();
    } catch {
      // The database is away; the next tick tries again, and /readyz reports the outage.
      return;
    }
    const previous = this.polledVersion;
    this.polledVersion = version;
    if (previous !== null && previous !== version) this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
