/**
 * Watches what a central (Quire's, or the bare anchor server) acknowledges, from inside its process: when each
 * sequence number was acknowledged as applied, and so each record's lag (ack time minus the record's `at_ms`,
 * the time the site wrote it; both clocks are this machine's). For Quire it wraps the real replication inbox as
 * a session participant and sees the inbox's own OutboxAck messages go out, so nothing in production code
 * changes and "applied" means what the site hears: stored, committed and acknowledged.
 */
import type { CentralMessage, OutboxRecord__Output, SiteMessage__Output } from '@quire/shared-proto';
import type {
  SessionChannel,
  SessionParticipant,
  SessionParticipantFactory,
} from '@quire/central/dist/src/federation';
import { percentiles, type Percentiles } from './stats';

/** Ack times and lags by sequence number; see the file comment. */
export class AppliedWatcher {
  private writtenAt = new Float64Array(1 << 16);
  private lag = new Float64Array(1 << 16);
  private appliedSeq = 0;
  private waiters: Array<{ seq: number; resolve: (atMs: number) => void }> = [];

  /** The highest sequence acknowledged so far. */
  get applied(): number {
    return this.appliedSeq;
  }

  /** A batch arrived: remember when the site wrote each of its records. */
  received(records: readonly Pick<OutboxRecord__Output, 'seq' | 'atMs'>[]): void {
    for (const record of records) {
      const seq = Number(record.seq);
      this.ensure(seq);
      this.writtenAt[seq] = Number(record.atMs);
    }
  }

  /** Everything up to `seq` was acknowledged now: their lags are fixed, and waiters up to `seq` are told. */
  acknowledged(seq: number): void {
    if (seq <= this.appliedSeq) return;
    const now = Date.now();
    this.ensure(seq);
    for (let s = this.appliedSeq + 1; s <= seq; s += 1) this.lag[s] = now - this.writtenAt[s];
    this.appliedSeq = seq;
    const due = this.waiters.filter((waiter) => waiter.seq <= seq);
    this.waiters = this.waiters.filter((waiter) => waiter.seq > seq);
    for (const waiter of due) waiter.resolve(now);
  }

  /** Resolves with the wall-clock time (ms) at which `seq` was acknowledged (at once if it already was). */
  reached(seq: number): Promise<number> {
    if (seq <= this.appliedSeq) return Promise.resolve(Date.now());
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Lag percentiles of records `fromSeq .. toSeq`, all acknowledged. */
  lags(fromSeq: number, toSeq: number): Percentiles {
    return percentiles(Array.from(this.lag.subarray(fromSeq, toSeq + 1)));
  }

  private ensure(seq: number): void {
    if (seq < this.writtenAt.length) return;
    let size = this.writtenAt.length;
    while (size <= seq) size *= 2;
    const grow = (from: Float64Array) => {
      const to = new Float64Array(size);
      to.set(from);
      return to;
    };
    this.writtenAt = grow(this.writtenAt);
    this.lag = grow(this.lag);
  }
}

/** The channel a wrapped participant gets: the real one, with its OutboxAck messages reported to `watcher`. */
function watchedChannel(channel: SessionChannel, watcher: AppliedWatcher): SessionChannel {
  return {
    siteId: channel.siteId,
    siteName: channel.siteName,
    send(message: CentralMessage) {
      const sent = channel.send(message);
      const ack = message.outboxAck;
      if (ack && !ack.error) watcher.acknowledged(Number(ack.appliedSeq));
      return sent;
    },
    drained: () => channel.drained(),
    fail: (reason, internal) => channel.fail(reason, internal),
    get open() {
      return channel.open;
    },
  };
}

/** `inner` (the replication inbox), with every batch it receives and every ack it sends seen by `watcher`. */
export function watchedParticipant(
  inner: SessionParticipantFactory,
  watcher: AppliedWatcher,
): SessionParticipantFactory {
  return (channel, hello) => {
    const participant: SessionParticipant = inner(watchedChannel(channel, watcher), hello);
    return {
      welcome: participant.welcome && (() => participant.welcome!()),
      onEstablished: participant.onEstablished && (() => participant.onEstablished!()),
      onHeartbeat: participant.onHeartbeat && ((heartbeat) => participant.onHeartbeat!(heartbeat)),
      onClosed: participant.onClosed && (() => participant.onClosed!()),
      onMessage(message: SiteMessage__Output) {
        if (message.payload === 'outbox' && message.outbox) watcher.received(message.outbox.records);
        participant.onMessage?.(message);
      },
    };
  };
}
