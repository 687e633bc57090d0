/**
 * Sends the replication outbox to central over the federation session, as a LinkParticipant.
 *
 * On welcome it starts from central's `appliedSeq + 1`, whatever it sent before, since central's word is what
 * counts after a drop. It then sends OutboxBatch messages of up to `batchSize` records in sequence order, each
 * read with one query, and keeps at most `window` of them unacknowledged. Each OutboxAck names the highest
 * sequence central applied; the window moves on, and the acknowledgement is stored and those records pruned
 * (coalesced: acks that arrive while one is being stored are stored together). An ack with `error` stops the
 * flow; after `errorPauseMs` it resumes from the ack's `appliedSeq + 1`.
 *
 * The sender wakes when the outbox announces a commit, and on a slow poll as a safety net. While no session is
 * up it does nothing: the outbox simply grows on disk. Reads are short single statements outside any
 * transaction, so sending never holds up intake.
 */
import { describeError, type Logger } from '@quire/common';
import {
  int64ToNumber,
  type CentralMessage__Output,
  type OutboxAck__Output,
  type OutboxRecord,
  type SiteHeartbeat,
  type Welcome__Output,
} from '@quire/shared-proto';
import type { LinkChannel, LinkParticipant } from './link-participant';
import type { OutboxFigures, PendingOutboxRecord, ReplicationOutbox } from './replication-outbox';

/** Construction options of OutboxSender. */
export interface OutboxSenderOptions {
  outbox: ReplicationOutbox;
  logger: Logger;
  /** Most records per OutboxBatch. Default 500. */
  batchSize?: number;
  /** Most batches sent and not yet acknowledged. Default 8. */
  window?: number;
  /** Safety-net poll for new records while a session is up. Default 1000 ms. */
  pollMs?: number;
  /** Pause after central refused a batch, before sending again. Default 5000 ms. */
  errorPauseMs?: number;
}

function wireRecord(record: PendingOutboxRecord): OutboxRecord {
  return {
    seq: record.seq,
    kind: record.kind,
    key: record.key,
    atMs: record.atMs,
    body: Buffer.from(record.body, 'utf8'),
  };
}

/** The outbox's participant in the session with central; see the file comment. */
export class OutboxSender implements LinkParticipant {
  private readonly batchSize: number;
  private readonly window: number;
  private channel: LinkChannel | null = null;
  /** Numbers sessions, so work started for one session never acts on the next. */
  private session = 0;
  private nextSeq = 1;
  private highestSent = 0;
  /** The last sequence number of each unacknowledged batch, ascending. */
  private inFlight: number[] = [];
  private acked = 0;
  private paused = true;
  private pumping = false;
  private wakeAgain = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private pauseTimer: NodeJS.Timeout | null = null;
  private figures: OutboxFigures | null = null;
  private ackTarget = 0;
  private storedAck = 0;
  private storingAck = false;
  private readFailing = false;

  constructor(private readonly options: OutboxSenderOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.window = options.window ?? 8;
    options.outbox.onWritten(() => this.wake());
  }

  /** The outbox lag as of the last poll (read at most a poll interval ago). */
  heartbeat(): Partial<SiteHeartbeat> {
    const figures = this.figures;
    if (!figures) return {};
    return {
      outboxPending: figures.pending,
      outboxOldestMs: figures.oldestAt?.getTime() ?? 0,
      outboxLastSeq: figures.lastSeq,
    };
  }

  /** A session is up: start from what central says it applied. */
  onEstablished(channel: LinkChannel, welcome: Welcome__Output): void {
    this.session += 1;
    this.channel = channel;
    this.inFlight = [];
    this.paused = true;
    this.pollTimer = setInterval(() => this.poll(), this.options.pollMs ?? 1000);
    this.pollTimer.unref();
    void this.resume(this.session, int64ToNumber(welcome.appliedSeq) ?? 0);
  }

  /** Acknowledgements move the window on; anything else is another participant's. */
  onMessage(message: CentralMessage__Output): void {
    if (message.payload !== 'outboxAck' || !message.outboxAck) return;
    this.onAck(message.outboxAck);
  }

  /** The session ended: drop the window and the timers; the next welcome says where to start. */
  onClosed(): void {
    this.session += 1;
    this.channel = null;
    this.inFlight = [];
    this.paused = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pollTimer = null;
    this.pauseTimer = null;
  }

  private async resume(session: number, applied: number): Promise<void> {
    try {
      const figures = await this.options.outbox.figures();
      if (applied > figures.lastSeq && (await this.options.outbox.continueAfter(applied))) {
        this.options.logger.warn(
          'central has applied outbox records this site no longer has (was its database restored?); numbering continues after central',
          { centralAppliedSeq: applied, siteLastSeq: figures.lastSeq },
        );
      } else if (applied < figures.ackedSeq) {
        this.options.logger.error(
          'central reports fewer applied outbox records than it acknowledged before (was its database restored?); the site has pruned them and cannot send them again',
          { centralAppliedSeq: applied, siteAckedSeq: figures.ackedSeq },
        );
      }
      if (session !== this.session) return;
      this.acked = applied;
      this.nextSeq = applied + 1;
      this.highestSent = applied;
      this.paused = false;
      this.storeAck(applied);
      this.figures = await this.options.outbox.figures();
      await this.pump();
    } catch (err) {
      if (session === this.session) this.channel?.fail(`the outbox could not be read: ${describeError(err)}`);
    }
  }

  private onAck(ack: OutboxAck__Output): void {
    const applied = int64ToNumber(ack.appliedSeq) ?? 0;
    if (applied > this.highestSent) {
      this.channel?.fail(
        `central acknowledged outbox record ${applied}, but the site sent only up to ${this.highestSent}`,
      );
      return;
    }
    if (applied > this.acked) {
      this.acked = applied;
      this.storeAck(applied);
    }
    while (this.inFlight.length > 0 && this.inFlight[0] <= applied) this.inFlight.shift();
    if (ack.error) {
      this.pauseAfterRefusal(ack.error, applied);
      return;
    }
    this.wake();
  }

  /** Central refused a batch: stop, forget what is in flight, and send again from what it applied. */
  private pauseAfterRefusal(error: string, applied: number): void {
    const pauseMs = this.options.errorPauseMs ?? 5000;
    this.options.logger.warn('central refused outbox records; sending them again after a pause', {
      error,
      appliedSeq: applied,
      retryInMs: pauseMs,
    });
    this.paused = true;
    this.inFlight = [];
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    const session = this.session;
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = null;
      if (session !== this.session) return;
      this.nextSeq = this.acked + 1;
      this.paused = false;
      this.wake();
    }, pauseMs);
    this.pauseTimer.unref();
  }

  private poll(): void {
    this.options.outbox.figures().then(
      (figures) => {
        this.figures = figures;
      },
      () => undefined,
    );
    this.wake();
  }

  private wake(): void {
    if (this.channel && !this.paused) void this.pump();
  }

  /** Send while the window has room and records are waiting; one pump at a time, woken again if asked meanwhile. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.wakeAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.wakeAgain = false;
        await this.sendWhileWindowOpen();
      } while (this.wakeAgain);
      if (this.readFailing) this.options.logger.info('the outbox can be read again');
      this.readFailing = false;
    } catch (err) {
      if (!this.readFailing) {
        this.options.logger.warn('could not read the outbox; trying again at the next poll', {
          error: describeError(err),
        });
      }
      this.readFailing = true;
    } finally {
      this.pumping = false;
    }
  }

  private async sendWhileWindowOpen(): Promise<void> {
    for (;;) {
      const { channel, session } = this;
      if (!channel?.open || this.paused || this.inFlight.length >= this.window) return;
      const from = this.nextSeq;
      const records = await this.options.outbox.read(from, this.batchSize);
      // The session, a refusal or an ack may have changed where to read from while the query ran.
      if (session !== this.session || this.paused || from !== this.nextSeq) continue;
      if (records.length === 0) return;
      if (records[0].seq !== from) this.reportMissing(from, records[0].seq);
      const last = records[records.length - 1].seq;
      const accepted = channel.send({ outbox: { records: records.map(wireRecord) } });
      this.inFlight.push(last);
      this.nextSeq = last + 1;
      this.highestSent = Math.max(this.highestSent, last);
      if (!accepted) await channel.drained();
      if (records.length < this.batchSize) return;
    }
  }

  private reportMissing(from: number, found: number): void {
    this.options.logger.error(
      'outbox records central asked for are gone from the site; sending what is left',
      {
        missingFrom: from,
        missingTo: found - 1,
      },
    );
  }

  /** Store the highest acknowledgement and prune, one write at a time; later acks ride on the next write. */
  private storeAck(seq: number): void {
    this.ackTarget = Math.max(this.ackTarget, seq);
    if (this.storingAck) return;
    this.storingAck = true;
    void (async () => {
      try {
        while (this.storedAck < this.ackTarget) {
          const target = this.ackTarget;
          await this.options.outbox.acknowledge(target);
          this.storedAck = target;
        }
      } catch (err) {
        this.options.logger.warn(
          'could not store the outbox acknowledgement; it is stored with the next one',
          {
            error: describeError(err),
          },
        );
      } finally {
        this.storingAck = false;
      }
    })();
  }
}
