/**
 * Receives a versioned data set from central (the directory, or the configuration templates) and applies it,
 * batch by batch, through a sink that owns the tables. The sink applies each batch in one transaction and
 * stores the version it reached in the same transaction, so a crash between two batches leaves the site at a
 * version it really holds; hello reports that version and central continues from it.
 *
 * Batches are applied strictly in the order they arrive, one at a time, and each is acknowledged once applied
 * (or with the error that stopped it; central then ends the session and the site starts again from the version
 * it holds). A snapshot replaces the site's copy: rows the snapshot did not list are removed when its `last`
 * batch is applied.
 */
import { describeError, type Logger } from '@quire/common';
import {
  decodeJson,
  int64ToNumber,
  type CentralMessage__Output,
  type Hello,
  type VersionedBatch__Output,
} from '@quire/shared-proto';
import type { LinkChannel, LinkParticipant } from './link-participant';

/** One batch as a sink applies it. */
export interface AppliedBatch<C> {
  /** Non-zero for the batches of a snapshot (all of one snapshot share it). */
  snapshotId: number;
  first: boolean;
  last: boolean;
  fromVersion: number;
  toVersion: number;
  changes: C[];
}

/** Where a versioned data set is stored on the site. */
export interface VersionedSink<C> {
  /** The version the site holds (0 before the first snapshot). */
  appliedVersion(): Promise<number>;
  /**
   * Apply one batch in one transaction. A delta, or the last batch of a snapshot, also stores `toVersion` as the
   * version held. Throws a QuireError naming what is wrong when the batch cannot be applied.
   */
  apply(batch: AppliedBatch<C>): Promise<void>;
}

/** What an applier receives and where it reports. */
export interface VersionedApplierOptions<C> {
  /** The CentralMessage payload it applies. */
  payload: 'directory' | 'templates';
  /** The SiteMessage payload of its acks. */
  ack: 'directoryAck' | 'templateAck';
  /** The hello field that reports the version held. */
  helloField: 'directoryVersion' | 'templateVersion';
  sink: VersionedSink<C>;
  logger: Logger;
  /** Called after each applied batch, with the version now held (metrics, status). */
  onApplied?(version: number): void;
}

/**
 * The site-side participant that applies `payload` batches through `sink` and acknowledges them. `lastError` is
 * the most recent failure, for the site status API.
 */
export class VersionedApplier<C> implements LinkParticipant {
  lastError: string | null = null;
  private channel: LinkChannel | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: VersionedApplierOptions<C>) {}

  async hello(): Promise<Partial<Hello>> {
    return { [this.options.helloField]: await this.options.sink.appliedVersion() };
  }

  onEstablished(channel: LinkChannel): void {
    this.channel = channel;
  }

  onMessage(message: CentralMessage__Output): void {
    if (message.payload !== this.options.payload) return;
    const batch = message[this.options.payload];
    const channel = this.channel;
    if (!batch || !channel) return;
    this.queue = this.queue.then(() => this.applyAndAck(batch, channel));
  }

  onClosed(): void {
    this.channel = null;
  }

  /** Resolves when every batch received so far has been applied (or has failed). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async applyAndAck(raw: VersionedBatch__Output, channel: LinkChannel): Promise<void> {
    // A batch still queued when its session ended is dropped: central sends it again on the next session.
    if (!channel.open) return;
    const number = int64ToNumber(raw.batch) ?? 0;
    const toVersion = int64ToNumber(raw.toVersion) ?? 0;
    try {
      const batch: AppliedBatch<C> = {
        snapshotId: int64ToNumber(raw.snapshotId) ?? 0,
        first: raw.first,
        last: raw.last,
        fromVersion: int64ToNumber(raw.fromVersion) ?? 0,
        toVersion,
        changes: decodeJson<C[]>(raw.changes, `${this.options.payload} batch ${number}`),
      };
      if (!Array.isArray(batch.changes))
        throw new Error(`${this.options.payload} batch ${number} is not a list`);
      await this.options.sink.apply(batch);
      this.lastError = null;
      const settled = batch.snapshotId === 0 || batch.last;
      if (settled) this.options.onApplied?.(toVersion);
      channel.send({ [this.options.ack]: { batch: number, version: settled ? toVersion : 0 } });
    } catch (err) {
      this.lastError = describeError(err);
      this.options.logger.error(`could not apply a ${this.options.payload} batch from central`, {
        batch: number,
        error: this.lastError,
      });
      channel.send({ [this.options.ack]: { batch: number, error: this.lastError } });
    }
  }
}
