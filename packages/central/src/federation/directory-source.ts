/**
 * The directory as a versioned data set for the publisher (versioned-publisher.ts): the change feed for deltas,
 * a snapshot when a site is too far behind or ahead, and a cheap signal that the version moved on.
 *
 * - Too far: a site whose version is ahead of central's (central's database was restored from a backup) or has
 *   more than `snapshotThreshold` change rows after it gets a snapshot; below that, deltas are cheaper. Every
 *   change bumps the version by exactly one and writes exactly one change row, so the row count after V is
 *   `current - V`, with no query.
 * - Shared snapshots: the snapshot of one version is computed once and handed to every session that asks at that
 *   version (ten sites reconnecting after a central restart cost one snapshot, not ten). It is kept for
 *   `snapshotKeepMs` after it was last handed out, then dropped, so a big directory does not sit in memory.
 * - The signal: one shared poll of the version (every `pollMs`, only while a session listens), plus `notify()`,
 *   which checks at once. `notifyAfterCommits()` calls it after each commit of a transaction that recorded a
 *   directory change, so sites hear of a change made through the services at once; changes written by the sync
 *   engine's bulk writer are seen by the poll.
 */
import { type DataSource } from 'typeorm';
import { describeError, type Logger } from '@quire/common';
import type { DirectoryChange } from '@quire/shared-proto';
import { type ChangePage, type DirectoryChangeFeed } from '../directory/change-feed';
import { type DirectoryRepository } from '../directory/directory.repository';
import type { SessionParticipantFactory } from './session-participant';
import {
  versionedPublisher,
  type ChangesPage,
  type VersionedPublisherOptions,
  type VersionedSource,
} from './versioned-publisher';

/** A snapshot as the publisher sends it: every group, then every user, as upserts. */
export interface DirectorySnapshot {
  version: number;
  changes: DirectoryChange[];
}

/** What the directory source reads and how it behaves. */
export interface DirectorySourceOptions {
  dataSource: DataSource;
  feed: DirectoryChangeFeed;
  repository: DirectoryRepository;
  logger: Logger;
  /** More change rows than this after a site's version: the site gets a snapshot. Default 20,000. */
  snapshotThreshold?: number;
  /** How often the version is read while a session listens. Default 500 ms. */
  pollMs?: number;
  /** How long a snapshot stays shared after it was last handed out. Default 60 s. */
  snapshotKeepMs?: number;
}

interface CachedSnapshot {
  /** The version it was asked at; moved to the snapshot's own version once known. */
  version: number;
  promise: Promise<DirectorySnapshot>;
  expiry: NodeJS.Timeout | null;
}

/** The directory's VersionedSource; see the file comment. */
export class DirectorySource implements VersionedSource<DirectoryChange> {
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private seenVersion: number | null = null;
  private checking = false;
  private checkAgain = false;
  private cached: CachedSnapshot | null = null;
  private snapshotsBuilt = 0;

  constructor(private readonly options: DirectorySourceOptions) {}

  /** Snapshots computed so far (not handed out: one computation serves every session at its version). */
  get snapshotCount(): number {
    return this.snapshotsBuilt;
  }

  currentVersion(): Promise<number> {
    return this.options.repository.currentVersion(this.options.dataSource.manager);
  }

  async changesSince(since: number, limit: number): Promise<ChangesPage<DirectoryChange> | null> {
    const current = await this.currentVersion();
    if (since > current || current - since > this.threshold) return null;
    const page: ChangePage = await this.options.feed.changesSince(since, limit);
    return page;
  }

  snapshot(): Promise<DirectorySnapshot> {
    return this.currentVersion().then((version) => {
      const cached = this.cached;
      if (cached && cached.version === version) {
        this.keep(cached);
        return cached.promise;
      }
      return this.buildSnapshot(version);
    });
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.seenVersion = null;
      this.timer = setInterval(() => this.check(), this.options.pollMs ?? 500);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** The directory may have changed: read the version now (not at the next poll) and tell the listeners. */
  notify(): void {
    if (this.listeners.size > 0) this.check();
  }

  /**
   * Call `notify()` after every commit of a transaction in which DirectoryRepository.recordChange ran. Returns
   * the function that stops it.
   */
  notifyAfterCommits(): () => void {
    return this.options.repository.onCommittedChange(() => this.notify());
  }

  /** Stop polling and drop the shared snapshot. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
    this.dropSnapshot();
  }

  private get threshold(): number {
    return this.options.snapshotThreshold ?? 20_000;
  }

  private buildSnapshot(askedAt: number): Promise<DirectorySnapshot> {
    this.dropSnapshot();
    this.snapshotsBuilt += 1;
    const started = Date.now();
    const promise = this.options.feed.snapshot().then(({ version, users, groups }) => {
      const changes: DirectoryChange[] = [
        ...groups.map((group) => ({ kind: 'group' as const, id: group.id, op: 'upsert' as const, group })),
        ...users.map((user) => ({ kind: 'user' as const, id: user.id, op: 'upsert' as const, user })),
      ];
      this.options.logger.info('directory snapshot built', {
        version,
        users: users.length,
        groups: groups.length,
        ms: Date.now() - started,
      });
      return { version, changes };
    });
    const entry: CachedSnapshot = { version: askedAt, promise, expiry: null };
    this.cached = entry;
    this.keep(entry);
    promise.then(
      (snapshot) => {
        if (this.cached === entry) entry.version = snapshot.version;
      },
      () => {
        if (this.cached === entry) this.dropSnapshot();
      },
    );
    return promise;
  }

  /** Keep `entry` for another `snapshotKeepMs`. */
  private keep(entry: CachedSnapshot): void {
    if (entry.expiry) clearTimeout(entry.expiry);
    entry.expiry = setTimeout(() => {
      if (this.cached === entry) this.cached = null;
    }, this.options.snapshotKeepMs ?? 60_000);
    entry.expiry.unref();
  }

  private dropSnapshot(): void {
    if (this.cached?.expiry) clearTimeout(this.cached.expiry);
    this.cached = null;
  }

  /** Read the version; when it moved (or on the first read after listening began), wake every listener. */
  private check(): void {
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    this.currentVersion()
      .then((version) => {
        const moved = this.seenVersion === null || version !== this.seenVersion;
        this.seenVersion = version;
        if (moved) for (const listener of [...this.listeners]) listener();
      })
      .catch((err: unknown) =>
        this.options.logger.warn('could not read the directory version', { error: describeError(err) }),
      )
      .finally(() => {
        this.checking = false;
        if (this.checkAgain) {
          this.checkAgain = false;
          if (this.listeners.size > 0) this.check();
        }
      });
  }
}

/** What central's server gives to publish the directory to sites. */
export interface DirectoryPublisherOptions
  extends
    DirectorySourceOptions,
    Pick<
      VersionedPublisherOptions<DirectoryChange>,
      'recordApplied' | 'recordError' | 'batchSize' | 'window'
    > {}

/** The directory publisher of central: its source, the session participant, and `close` for shutdown. */
export interface DirectoryPublisher {
  source: DirectorySource;
  participant: SessionParticipantFactory;
  close(): void;
}

/**
 * Publish the directory to every site session: a DirectorySource that hears of commits at once, under the
 * generic versioned publisher (payload `directory`, acks `directoryAck`, the hello's `directoryVersion`).
 */
export function directoryPublisher(options: DirectoryPublisherOptions): DirectoryPublisher {
  const source = new DirectorySource(options);
  const stopWatching = source.notifyAfterCommits();
  const participant = versionedPublisher<DirectoryChange>({
    payload: 'directory',
    ack: 'directoryAck',
    source,
    helloVersion: (hello) => Number(hello.directoryVersion),
    recordApplied: options.recordApplied,
    recordError: options.recordError,
    logger: options.logger,
    batchSize: options.batchSize,
    window: options.window,
  });
  return {
    source,
    participant,
    close: () => {
      stopWatching();
      source.close();
    },
  };
}
