/**
 * Central's end of up-replication: the session participant that takes a site's outbox batches, applies them and
 * acknowledges the highest sequence applied (docs/federation-protocol.md, "Up").
 *
 * Order: batches of one session are planned and submitted strictly one after another, and acknowledged
 * strictly one after another, so acks go out in the order the batches came. Each batch must be in sequence
 * order with no holes. Records at or below the stored sequence are replays of batches whose ack was lost, and
 * are skipped; the rest must start right after it, or the whole batch is refused with an OutboxAck error naming
 * the sequence central expects, and nothing of it is applied. The site then sends again from `appliedSeq + 1`.
 * A few batches may be in the database at once (the next one continuing where the one before will leave the
 * sequence): each is stored only if the sequence is exactly where it expects (see OutboxApplier), so when one
 * fails, the ones behind it fail too, are refused as gaps, and the plan restarts from the stored sequence.
 *
 * Trust: the site id is the channel's, that is, the one the session authenticated; nothing in a record can name
 * another site. A body central cannot store (unknown kind, not JSON, wrong fields) refuses the batch with an
 * error saying which record and why; it is logged and kept as the site's last error, and never ends the session
 * or the process. The outbox figures of each heartbeat go to the shared ReplicationStatus.
 */
import { describeError, ErrorCode, QuireError, type Logger } from '@quire/common';
import {
  int64ToNumber,
  type OutboxRecord__Output,
  type SiteHeartbeat__Output,
  type SiteMessage__Output,
  type Welcome,
} from '@quire/shared-proto';
import { type OutboxApplier } from '../replication/outbox-applier';
import { OutboxRefusal } from '../replication/record-codec';
import { type SitesService } from '../sites/sites.service';
import type { SessionChannel, SessionParticipant, SessionParticipantFactory } from './session-participant';

/** Batches one session may have waiting before central ends it: a site waits for acks, it does not flood. */
export const MAX_QUEUED_BATCHES = 64;
/** Batches of one session being stored at the same time (decoded, submitted, not yet acknowledged). */
export const MAX_BATCHES_APPLYING = 4;

/** What the inbox needs. */
export interface ReplicationInboxOptions {
  applier: Pick<OutboxApplier, 'decode' | 'apply'>;
  sites: Pick<SitesService, 'replicationState' | 'recordError' | 'replication'>;
  logger: Logger;
}

const STORE_FAILED = 'central could not store the batch (see the central server log); send it again';

/** The participant factory of up-replication, for FederationServer's `participants`. */
export function replicationInbox(options: ReplicationInboxOptions): SessionParticipantFactory {
  return (channel) => new InboxSession(channel, options);
}

/** Where one batch stands between being planned and being acknowledged. */
type Submission =
  | { kind: 'skipped' }
  | { kind: 'replay'; last: number }
  | { kind: 'refused'; reason: string }
  | { kind: 'failed'; error: unknown; epoch: number }
  | { kind: 'submitted'; last: number; epoch: number; applied: Promise<boolean> };

/** One session's inbox; see the file comment. */
class InboxSession implements SessionParticipant {
  /** The highest sequence stored at central, as far as this session knows. */
  private appliedSeq = 0;
  /** Where the next batch continues, once every batch submitted before it is stored. */
  private plannedSeq = 0;
  /** Bumped whenever the plan is reset to the stored sequence, so older failures do not reset it again. */
  private epoch = 0;
  private planning: Promise<unknown> = Promise.resolve();
  private acking: Promise<void> = Promise.resolve();
  private queued = 0;
  private inFlight = 0;
  private slotWaiters: Array<() => void> = [];
  private errorShown = false;

  constructor(
    private readonly channel: SessionChannel,
    private readonly options: ReplicationInboxOptions,
  ) {}

  async welcome(): Promise<Partial<Welcome>> {
    const state = await this.options.sites.replicationState(this.channel.siteId);
    // A revocation between the credential check and here: end the session before anything is exchanged.
    if (state.revoked) throw new QuireError(ErrorCode.SiteCredentialInvalid, 'the site is revoked');
    this.appliedSeq = state.appliedSeq;
    this.plannedSeq = state.appliedSeq;
    return { appliedSeq: String(state.appliedSeq) };
  }

  /**
   * Two chains keep the order: batches are planned and submitted one after another (each continuing where the
   * one before will leave the stored sequence), and acknowledged one after another. Between the two, up to
   * MAX_BATCHES_APPLYING batches are being stored, so decoding the next batch overlaps storing this one.
   */
  onMessage(message: SiteMessage__Output): void {
    if (message.payload !== 'outbox' || !message.outbox) return;
    if (this.queued >= MAX_QUEUED_BATCHES) {
      this.channel.fail(`more than ${MAX_QUEUED_BATCHES} outbox batches sent without waiting for their acks`);
      return;
    }
    const records = message.outbox.records;
    this.queued += 1;
    const submitted = this.planning.then(() => this.submit(records));
    this.planning = submitted;
    this.acking = this.acking.then(async () => {
      const submission = await submitted;
      try {
        await this.settle(submission);
      } catch (err) {
        this.failed(err);
      } finally {
        if (submission.kind === 'submitted') this.releaseSlot();
        this.queued -= 1;
      }
    });
  }

  onHeartbeat(heartbeat: SiteHeartbeat__Output): void {
    const oldestMs = int64ToNumber(heartbeat.outboxOldestMs) ?? 0;
    this.options.sites.replication.report(this.channel.siteId, {
      pending: int64ToNumber(heartbeat.outboxPending) ?? 0,
      oldestAt: oldestMs > 0 ? new Date(oldestMs) : null,
      lastSeq: int64ToNumber(heartbeat.outboxLastSeq) ?? 0,
      reportedAt: new Date(),
    });
  }

  /** Check, decode and submit one batch on top of the planned sequence; never rejects. */
  private async submit(records: OutboxRecord__Output[]): Promise<Submission> {
    if (!this.channel.open) return { kind: 'skipped' };
    await this.takeSlot();
    const epoch = this.epoch;
    try {
      const fresh = this.freshRecords(records, this.plannedSeq);
      if (fresh.length === 0) {
        this.releaseSlot();
        return { kind: 'replay', last: int64ToNumber(records.at(-1)?.seq) ?? 0 };
      }
      const rows = this.options.applier.decode(this.channel.siteId, fresh);
      const expected = this.plannedSeq;
      const last = expected + fresh.length;
      const applied = this.options.applier.apply(this.channel.siteId, expected, last, rows);
      // Settled in the ack chain; this keeps an early rejection from counting as unhandled meanwhile.
      applied.catch(() => undefined);
      this.plannedSeq = last;
      return { kind: 'submitted', last, epoch, applied };
    } catch (err) {
      this.releaseSlot();
      if (err instanceof OutboxRefusal) return { kind: 'refused', reason: err.message };
      return { kind: 'failed', error: err, epoch };
    }
  }

  /** Acknowledge one batch once it is stored (or known not to be). */
  private async settle(submission: Submission): Promise<void> {
    switch (submission.kind) {
      case 'skipped':
        return;
      case 'replay':
        // Judged against the plan: when a batch it relied on then failed, its records were never stored.
        if (submission.last <= this.appliedSeq) return this.ack();
        return this.refuse(this.gap());
      case 'refused':
        return this.refuse(submission.reason);
      case 'failed':
        this.resetPlan(submission.epoch);
        return this.failed(submission.error);
    }
    let applied: boolean;
    try {
      applied = await submission.applied;
    } catch (err) {
      this.resetPlan(submission.epoch);
      return this.failed(err);
    }
    if (applied) {
      this.appliedSeq = submission.last;
      this.ack();
      return this.clearError();
    }
    // The stored sequence was not where the plan expected: an earlier batch failed, another session of this
    // site stored records meanwhile, or the site was revoked.
    const state = await this.options.sites.replicationState(this.channel.siteId);
    if (state.revoked) return this.channel.fail('the site is revoked');
    this.appliedSeq = state.appliedSeq;
    this.resetPlan(submission.epoch);
    if (submission.last <= this.appliedSeq) return this.ack();
    this.refuse(this.gap());
  }

  private gap(): string {
    const expected = this.appliedSeq + 1;
    return `gap in the outbox: expected seq ${expected}; send from seq ${expected}`;
  }

  /** After a batch was not stored, plan the following ones from the stored sequence again (once per failure). */
  private resetPlan(epoch: number): void {
    if (epoch !== this.epoch) return;
    this.epoch += 1;
    this.plannedSeq = this.appliedSeq;
  }

  private async takeSlot(): Promise<void> {
    while (this.inFlight >= MAX_BATCHES_APPLYING) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    this.inFlight += 1;
  }

  private releaseSlot(): void {
    this.inFlight -= 1;
    this.slotWaiters.shift()?.();
  }

  /**
   * The records of `records` after `storedSeq`. Refuses a batch whose sequence numbers are not valid
   * and consecutive, or that leaves a gap after the applied sequence.
   */
  private freshRecords(records: OutboxRecord__Output[], storedSeq: number): OutboxRecord__Output[] {
    let previous: number | null = null;
    for (const record of records) {
      const seq = int64ToNumber(record.seq);
      if (seq === null || seq < 1) {
        throw new OutboxRefusal(`record seq "${String(record.seq).slice(0, 24)}" is not a sequence number`);
      }
      if (previous !== null && seq !== previous + 1) {
        throw new OutboxRefusal(`records must be consecutive: seq ${seq} follows seq ${previous}`);
      }
      previous = seq;
    }
    if (records.length === 0) return [];
    const expected = storedSeq + 1;
    const first = int64ToNumber(records[0].seq) as number;
    if (first > expected) {
      throw new OutboxRefusal(
        `gap in the outbox: expected seq ${expected}, the batch starts at seq ${first}; send from seq ${expected}`,
      );
    }
    return records.slice(expected - first);
  }

  private ack(error = ''): void {
    if (this.channel.open) this.channel.send({ outboxAck: { appliedSeq: String(this.appliedSeq), error } });
  }

  private refuse(reason: string): void {
    this.options.logger.warn('outbox batch refused', {
      siteId: this.channel.siteId,
      appliedSeq: this.appliedSeq,
      reason,
    });
    this.ack(reason);
    this.showError(`outbox batch refused: ${reason}`);
  }

  private failed(err: unknown): void {
    this.options.logger.error('could not apply an outbox batch', {
      siteId: this.channel.siteId,
      appliedSeq: this.appliedSeq,
      error: describeError(err),
    });
    this.ack(STORE_FAILED);
    this.showError(`outbox batch not stored: ${describeError(err)}`);
  }

  private showError(error: string): void {
    this.errorShown = true;
    this.recordError(error);
  }

  /** The inbox clears only an error it recorded itself, once a batch is applied again. */
  private clearError(): void {
    if (!this.errorShown) return;
    this.errorShown = false;
    this.recordError(null);
  }

  private recordError(error: string | null): void {
    this.options.sites.recordError(this.channel.siteId, error).catch((err: unknown) => {
      this.options.logger.warn('could not record a site replication error', {
        siteId: this.channel.siteId,
        error: describeError(err),
      });
    });
  }
}
