/**
 * The outbox records of `bench/replication`: a deterministic stream of realistic `job` and `job_event` records,
 * the shapes the site's job observer queues, so the site's outbox and the bare-stream anchor carry the very same
 * bytes (record `index` always has the same kind, key and body).
 *
 * The stream models a site taking a job every 5 ms: each step queues the new job's creation (its `job` record
 * in `processing`, and the creation event), and from step 100 on also the routing of the job created 100 steps
 * earlier (the job, now `ready` and analysed, and its event), as analysis finishes behind intake. So a job's two
 * changes are about 400 records apart and usually land in different batches, as they do on a busy site.
 */
import { type JobEventRecord, type JobRecord, type OutboxRecord } from '@quire/shared-proto';
import { type OutboxDraft } from '@quire/site/dist/src/federation/replication-outbox';

/** Steps between a job's creation and its routing. */
const ROUTING_DELAY = 100;
/** Records queued before the first routing: the first ROUTING_DELAY steps queue only the creation pair. */
const LEAD_IN = 2 * ROUTING_DELAY;
const BASE_MS = Date.parse('2025-06-02T08:00:00.000Z');
const STEP_MS = 5;
const OWNERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const QUEUES = [
  { id: '01975a3c-0000-7000-8000-0000000000a1', name: 'secure-print' },
  { id: '01975a3c-0000-7000-8000-0000000000a2', name: 'colour-a3' },
  { id: '01975a3c-0000-7000-8000-0000000000a3', name: 'finance-mono' },
];

/** A UUIDv7-shaped id, unique per (`space`, `n`), the same in every run. */
function benchUuid(space: number, n: number): string {
  const time = (0x01975a3c0000 + space).toString(16).padStart(12, '0');
  const rest = n.toString(16).padStart(18, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${rest.slice(0, 3)}-8${rest.slice(3, 6)}-${rest.slice(6)}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Job `k` as it is after its creation (`processing`) or its routing (`ready`, analysed). */
function jobBody(k: number, routed: boolean): JobRecord {
  const queue = QUEUES[k % QUEUES.length];
  const submitted = BASE_MS + k * STEP_MS;
  const pages = 1 + (k % 37);
  const colour = k % 5 === 0 ? Math.ceil(pages / 2) : 0;
  return {
    id: benchUuid(1, k),
    number: 1 + (k % 2_000_000_000),
    name: `Quarterly report ${k % 997} - draft ${k % 13}.pdf`,
    owner: OWNERS[k % OWNERS.length],
    ownerMethod: 'sender',
    queueId: queue.id,
    queueName: queue.name,
    state: routed ? 'ready' : 'processing',
    stateReason: null,
    protocol: k % 4 === 0 ? 'lpd' : 'ipp',
    clientAddress: `10.20.${(k >> 8) % 256}.${k % 256}`,
    senderHost: k % 4 === 0 ? `pc-${k % 500}` : null,
    submittedAt: iso(submitted),
    processedAt: routed ? iso(submitted + 480) : null,
    completedAt: null,
    sizeBytes: 48_000 + (k % 1000) * 731,
    documentFormat: 'application/pdf',
    pdl: routed ? 'pdf' : null,
    copies: 1 + (k % 3 === 0 ? 1 : 0),
    pages: routed ? pages : null,
    colorPages: routed ? colour : null,
    monoPages: routed ? pages - colour : null,
    duplex: routed ? (k % 2 === 0 ? 'long-edge' : 'simplex') : null,
    paper: routed ? 'iso_a4_210x297mm' : null,
    impressions: routed ? pages : null,
    sheets: routed ? (k % 2 === 0 ? Math.ceil(pages / 2) : pages) : null,
    favourite: false,
    printerId: null,
    printAttempts: 0,
    releasedBy: null,
    documentRemovedAt: null,
  };
}

/** The event of job `k`'s creation, or of its routing. */
function eventBody(k: number, routed: boolean): JobEventRecord {
  const submitted = BASE_MS + k * STEP_MS;
  return {
    id: benchUuid(routed ? 3 : 2, k),
    jobId: benchUuid(1, k),
    at: iso(routed ? submitted + 480 : submitted),
    fromState: routed ? 'processing' : null,
    toState: routed ? 'ready' : 'processing',
    reason: routed ? 'analysed; queue holds jobs for release' : null,
    actor: routed ? 'analysis' : 'intake',
  };
}

/** Which job and which change record `index` (0-based) describes, and whether it is the `job` or the event. */
function locate(index: number): { job: number; routed: boolean; isEvent: boolean } {
  if (index < LEAD_IN) return { job: Math.floor(index / 2), routed: false, isEvent: index % 2 === 1 };
  const offset = index - LEAD_IN;
  const step = ROUTING_DELAY + Math.floor(offset / 4);
  const slot = offset % 4;
  return slot < 2
    ? { job: step, routed: false, isEvent: slot === 1 }
    : { job: step - ROUTING_DELAY, routed: true, isEvent: slot === 3 };
}

/** Outbox record `index` (its seq is `index + 1` in a fresh outbox) as the job observer would queue it. */
export function benchDraft(index: number): OutboxDraft {
  const { job, routed, isEvent } = locate(index);
  if (isEvent)
    return { kind: 'job_event', key: benchUuid(routed ? 3 : 2, job), body: eventBody(job, routed) };
  return { kind: 'job', key: benchUuid(1, job), body: jobBody(job, routed) };
}

/** Record `index` as it goes on the wire, with the bytes the outbox stores (`JSON.stringify` of the body). */
export function benchWireRecord(index: number, atMs: number): OutboxRecord {
  const draft = benchDraft(index);
  return {
    seq: index + 1,
    kind: draft.kind,
    key: draft.key,
    atMs,
    body: Buffer.from(JSON.stringify(draft.body), 'utf8'),
  };
}

/** Records `0 .. count - 1` cut into wire batches of `batchSize`, built up front (outside any timing). */
export function benchWireBatches(count: number, batchSize: number, atMs: number): OutboxRecord[][] {
  const batches: OutboxRecord[][] = [];
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const batch: OutboxRecord[] = [];
    for (let index = start; index < end; index += 1) batch.push(benchWireRecord(index, atMs));
    batches.push(batch);
  }
  return batches;
}

/** Mean body size of records `0 .. count - 1` in bytes, sampled every `stride` records (for the report). */
export function meanBodyBytes(count: number, stride = 97): number {
  let bytes = 0;
  let samples = 0;
  for (let index = 0; index < count; index += stride) {
    bytes += Buffer.byteLength(JSON.stringify(benchDraft(index).body));
    samples += 1;
  }
  return samples === 0 ? 0 : bytes / samples;
}
