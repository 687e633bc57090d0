/**
 * Sends a versioned data set down one site session: the directory, or the configuration templates. One piece
 * serves both, because both move the same way (docs/federation-protocol.md, "Down"):
 *
 *   1. The site's hello says which version it holds. Version 0, a version central never had, or one so far
 *      behind that its changes are no longer cheaper than the whole set, gets a snapshot: a run of batches
 *      sharing a snapshot id, the first marked `first` and the last `last`.
 *   2. Otherwise the site gets the changes since its version, in pages, each page one delta batch.
 *   3. Then the publisher waits for the source to announce a new version and sends the changes since the last
 *      one sent.
 *
 * At most `window` batches are unacknowledged at a time, so a slow site slows central's sending rather than
 * growing a queue. Every ack names its batch and the version the site now holds; central records that version
 * (the sites API shows it). A site that acks with an error, or acks a batch it was not sent, breaks the
 * session; it reconnects and starts again from the version it really holds.
 */
import { describeError, type Logger } from '@quire/common';
import {
  encodeJson,
  int64ToNumber,
  type BatchAck__Output,
  type SiteMessage__Output,
} from '@quire/shared-proto';
import type { SessionChannel, SessionParticipant, SessionParticipantFactory } from './session-participant';

/** One page of changes after a version. */
export interface ChangesPage<C> {
  /** The version the site holds once it applied these changes. */
  version: number;
  changes: C[];
  /** False when more changes follow at once. */
  complete: boolean;
}

/** Where a publisher reads its data set. */
export interface VersionedSource<C> {
  currentVersion(): Promise<number>;
  /** Changes after `since`, at most about `limit`; null when the site should take a snapshot instead. */
  changesSince(since: number, limit: number): Promise<ChangesPage<C> | null>;
  /** Every live entity as an upsert change, and the version they are at. */
  snapshot(): Promise<{ version: number; changes: C[] }>;
  /** Calls `listener` when the version may have moved on; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** What a publisher is and where it reports. */
export interface VersionedPublisherOptions<C> {
  /** `directory` or `templates`: the CentralMessage payload it sends, and the name in logs. */
  payload: 'directory' | 'templates';
  /** The SiteMessage payload that acknowledges its batches. */
  ack: 'directoryAck' | 'templateAck';
  source: VersionedSource<C>;
  /** Which version of the hello the site holds. */
  helloVersion(hello: { directoryVersion: string; templateVersion: string }): number;
  /** Record the version a site has applied (after each ack). */
  recordApplied(siteId: string, version: number): Promise<void>;
  /** Record (or clear, with null) the last replication error of a site. */
  recordError?(siteId: string, error: string | null): void;
  logger: Logger;
  /** Changes per batch; default 1000. */
  batchSize?: number;
  /** Unacknowledged batches allowed in flight; default 4. */
  window?: number;
}

/** A participant factory that publishes `source` to every site session. */
export function versionedPublisher<C>(options: VersionedPublisherOptions<C>): SessionParticipantFactory {
  return (channel, hello) => new PublisherSession(options, channel, options.helloVersion(hello));
}

interface Sent {
  batch: number;
  version: number;
  /** True for a delta or the last batch of a snapshot: the version the site holds once it is applied. */
  settles: boolean;
}

/** The publisher of one session. */
class PublisherSession<C> implements SessionParticipant {
  private nextBatch = 1;
  private nextSnapshot = 1;
  private readonly inFlight: Sent[] = [];
  private ackWaiters: Array<() => void> = [];
  private wake: (() => void) | null = null;
  private pendingChange = false;
  private unsubscribe: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly options: VersionedPublisherOptions<C>,
    private readonly channel: SessionChannel,
    private sentVersion: number,
  ) {}

  onEstablished(): void {
    this.unsubscribe = this.options.source.onChange(() => this.signal());
    this.run().catch((err: unknown) => {
      if (this.closed) return;
      this.options.logger.error(`${this.options.payload} replication to a site failed`, {
        siteId: this.channel.siteId,
        error: describeError(err),
      });
      this.options.recordError?.(this.channel.siteId, describeError(err));
      this.channel.fail(`central could not send the ${this.options.payload}`, true);
    });
  }

  onMessage(message: SiteMessage__Output): void {
    if (message.payload !== this.options.ack) return;
    const ack = message[this.options.ack];
    if (ack) this.onAck(ack);
  }

  onClosed(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.signal();
    this.releaseAckWaiters();
  }

  private async run(): Promise<void> {
    const { source } = this.options;
    const current = await source.currentVersion();
    let page = this.sentVersion > 0 && this.sentVersion <= current ? await this.nextPage() : null;
    if (page === null) await this.sendSnapshot();
    while (!this.closed) {
      page ??= await this.nextPage();
      if (page === null) {
        await this.sendSnapshot();
      } else if (page.changes.length > 0 || page.version !== this.sentVersion) {
        await this.send({ fromVersion: this.sentVersion, toVersion: page.version, changes: page.changes });
        this.sentVersion = page.version;
      }
      const more = page !== null && !page.complete;
      page = null;
      if (!more) await this.waitForChange();
    }
  }

  private nextPage(): Promise<ChangesPage<C> | null> {
    this.pendingChange = false;
    return this.options.source.changesSince(this.sentVersion, this.batchSize);
  }

  private async sendSnapshot(): Promise<void> {
    this.pendingChange = false;
    const { version, changes } = await this.options.source.snapshot();
    const snapshotId = this.nextSnapshot++;
    const size = this.batchSize;
    const chunks = Math.max(1, Math.ceil(changes.length / size));
    for (let i = 0; i < chunks && !this.closed; i++) {
      await this.send({
        snapshotId,
        first: i === 0,
        last: i === chunks - 1,
        fromVersion: 0,
        toVersion: version,
        changes: changes.slice(i * size, (i + 1) * size),
      });
    }
    this.sentVersion = version;
  }

  private async send(batch: {
    snapshotId?: number;
    first?: boolean;
    last?: boolean;
    fromVersion: number;
    toVersion: number;
    changes: C[];
  }): Promise<void> {
    while (!this.closed && this.inFlight.length >= this.window) await this.nextAck();
    if (this.closed) return;
    const number = this.nextBatch++;
    const settles = !batch.snapshotId || Boolean(batch.last);
    this.inFlight.push({ batch: number, version: batch.toVersion, settles });
    const written = this.channel.send({
      [this.options.payload]: {
        batch: number,
        snapshotId: batch.snapshotId ?? 0,
        first: batch.first ?? false,
        last: batch.last ?? false,
        fromVersion: batch.fromVersion,
        toVersion: batch.toVersion,
        changes: encodeJson(batch.changes),
      },
    });
    if (!written) await this.channel.drained();
  }

  private onAck(ack: BatchAck__Output): void {
    const number = int64ToNumber(ack.batch);
    const expected = this.inFlight[0];
    if (ack.error) {
      this.options.logger.warn(`a site could not apply a ${this.options.payload} batch`, {
        siteId: this.channel.siteId,
        error: ack.error,
      });
      this.options.recordError?.(this.channel.siteId, ack.error);
      this.channel.fail(`the site could not apply ${this.options.payload} batch ${number}: ${ack.error}`);
      return;
    }
    if (!expected || number !== expected.batch) {
      this.channel.fail(
        `${this.options.ack} names batch ${number}, but batch ${expected?.batch ?? '(none)'} was next`,
      );
      return;
    }
    this.inFlight.shift();
    if (expected.settles) {
      this.options.recordError?.(this.channel.siteId, null);
      this.options.recordApplied(this.channel.siteId, expected.version).catch((err: unknown) =>
        this.options.logger.warn(`could not record a site's ${this.options.payload} version`, {
          siteId: this.channel.siteId,
          error: describeError(err),
        }),
      );
    }
    this.releaseAckWaiters();
  }

  private nextAck(): Promise<void> {
    return new Promise((resolve) => this.ackWaiters.push(resolve));
  }

  private releaseAckWaiters(): void {
    const waiters = this.ackWaiters;
    this.ackWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private waitForChange(): Promise<void> {
    if (this.pendingChange || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private signal(): void {
    this.pendingChange = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private get batchSize(): number {
    return this.options.batchSize ?? 1000;
  }

  private get window(): number {
    return this.options.window ?? 4;
  }
}
