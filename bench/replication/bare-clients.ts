/**
 * The anchors' site side: bare grpc-js Session calls with none of Quire's link, outbox or applier around them.
 * - `streamBatches`: prebuilt outbox batches, at most `window` unacknowledged, as fast as acks come back (the wire
 *   ceiling of up-replication);
 * - `steadyBareLoad`: the lag anchor, records made at a steady job rate and sent at once;
 * - `receiveDirectory`: receivers that take a streamed snapshot, discard each batch and acknowledge it.
 */
import * as grpc from '@grpc/grpc-js';
import {
  createFederationClient,
  int64ToNumber,
  PROTOCOL_VERSION,
  siteSessionMetadata,
  type CentralMessage__Output,
  type OutboxRecord,
  type SiteMessage,
} from '@quire/shared-proto';
import { benchWireRecord } from './records';

type Call = grpc.ClientDuplexStream<SiteMessage, CentralMessage__Output>;

/** One bare Session: hello sent, messages handed to `onMessage`, writes that respect flow control. */
class BareCall {
  private readonly client;
  readonly call: Call;
  readonly ended: Promise<void>;

  constructor(port: number, onMessage: (message: CentralMessage__Output) => void) {
    this.client = createFederationClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    this.call = this.client.Session(siteSessionMetadata('bare', 'bare'));
    this.call.on('data', onMessage);
    this.call.on('error', () => undefined);
    this.ended = new Promise((resolve) => this.call.on('status', () => resolve()));
    this.call.write({
      hello: { siteId: 'bare', siteName: 'bare', protocolVersion: PROTOCOL_VERSION, startedAtMs: Date.now() },
    });
  }

  /** Write `message`; resolves at once, or once the stream drained when its buffer is full. */
  async write(message: SiteMessage): Promise<void> {
    if (!this.call.write(message)) await new Promise((resolve) => this.call.once('drain', resolve));
  }

  close(): void {
    this.call.end();
    this.client.close();
  }
}

/** Send `batches` in order, at most `window` unacknowledged; resolves once the last one is acknowledged. */
export function streamBatches(port: number, batches: OutboxRecord[][], window: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let acked = 0;
    let sending = false;
    const lastSeq = Number(batches.at(-1)?.at(-1)?.seq ?? 0);
    const pump = async () => {
      if (sending) return;
      sending = true;
      while (next < batches.length && next - acked < window)
        await bare.write({ outbox: { records: batches[next++] } });
      sending = false;
    };
    const bare = new BareCall(port, (message) => {
      if (message.payload === 'welcome') void pump().catch(reject);
      if (message.payload !== 'outboxAck') return;
      acked += 1;
      if ((int64ToNumber(message.outboxAck?.appliedSeq) ?? 0) >= lastSeq) {
        bare.close();
        resolve();
      } else void pump().catch(reject);
    });
    void bare.ended.then(() => reject(new Error('the bare session ended early')));
  });
}

/**
 * Make the records of `rate` jobs a second (each job's two record pairs, creation and routing, at its tick) for
 * `seconds`, and send whatever is waiting at once, in batches of up to `batchSize`, at most `window` in flight.
 * Resolves with the last sequence number sent, once it is acknowledged.
 */
export function steadyBareLoad(options: {
  port: number;
  rate: number;
  seconds: number;
  batchSize: number;
  window: number;
}): Promise<{ lastSeq: number; jobs: number }> {
  const { rate, seconds, batchSize, window } = options;
  const pending: OutboxRecord[] = [];
  let made = 0;
  let jobs = 0;
  let inFlight = 0;
  let lastAcked = 0;
  let done = false;
  return new Promise((resolve, reject) => {
    const finishIfDone = () => {
      if (!done || lastAcked !== made) return;
      bare.close();
      resolve({ lastSeq: made, jobs });
    };
    const send = () => {
      while (pending.length > 0 && inFlight < window) {
        inFlight += 1;
        bare.write({ outbox: { records: pending.splice(0, batchSize) } }).catch(reject);
      }
    };
    let started = 0;
    const tick = () => {
      const elapsed = Math.min(seconds, (Date.now() - started) / 1000);
      for (const due = Math.floor(elapsed * rate); jobs < due; jobs += 1) {
        for (let r = 0; r < 4; r += 1) pending.push(benchWireRecord(made++, Date.now()));
      }
      send();
      if (elapsed < seconds) setTimeout(tick, 5);
      else {
        done = true;
        finishIfDone();
      }
    };
    const bare = new BareCall(options.port, (message) => {
      if (message.payload === 'welcome') {
        started = Date.now();
        tick();
      }
      if (message.payload !== 'outboxAck') return;
      inFlight -= 1;
      lastAcked = int64ToNumber(message.outboxAck?.appliedSeq) ?? lastAcked;
      send();
      finishIfDone();
    });
    void bare.ended.then(() => reject(new Error('the bare session ended early')));
  });
}

/**
 * `receivers` bare Sessions that each take every directory batch, discard it and acknowledge it; resolves with
 * the seconds until every receiver has the `last` batch.
 */
export async function receiveDirectory(port: number, receivers: number): Promise<number> {
  const started = process.hrtime.bigint();
  const finishes = Array.from(
    { length: receivers },
    () =>
      new Promise<number>((resolve, reject) => {
        const bare = new BareCall(port, (message) => {
          const batch = message.directory;
          if (message.payload !== 'directory' || !batch) return;
          bare.write({ directoryAck: { batch: batch.batch, version: batch.toVersion } }).catch(reject);
          if (batch.last) {
            resolve(Number(process.hrtime.bigint() - started) / 1e9);
            bare.close();
          }
        });
        void bare.ended.then(() => reject(new Error('a bare directory receiver ended early')));
      }),
  );
  return Math.max(...(await Promise.all(finishes)));
}
