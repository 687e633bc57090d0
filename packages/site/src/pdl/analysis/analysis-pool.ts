/**
 * The analysis worker pool: PDL analysis runs on worker threads so a 1 GB job never blocks the event loop that
 * accepts the next one. The pool has at most `workers` threads (started when first needed), a FIFO queue, and
 * for every task a time limit in two stages: the analysers stop by themselves at the deadline (and report a
 * partial result); a worker still busy `graceMs` later is terminated and replaced, and its task answered with
 * a partial result. Each worker's heap is capped (`resourceLimits`), so a hostile document that makes an
 * analyser allocate kills only that worker.
 *
 * No analysis error escapes: a file that cannot be read, an analyser bug, a worker crash or an out-of-memory
 * kill all answer with a partial result whose warning says what happened. The only rejection is for tasks still
 * waiting or running when the pool is closed (NOT_READY): their jobs are analysed again at the next start.
 *
 * Idle workers are unref'd, so a pool nobody closed does not keep a process alive.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ErrorCode, QuireError, type Logger } from '@quire/common';
import { DEFAULT_MAX_BUFFER_BYTES, emptyLanguageAnalysis, type DetectedDocument } from './analyse-file';
import { combineAnalysis, type AnalysisMode, type JobAnalysis } from './job-analysis';
import { type WorkerMessage, type WorkerTask } from './worker-host';

/** One file to analyse. */
export interface AnalysisRequest {
  path: string;
  /** The copies the protocol asked for (the job's `copies`). */
  protocolCopies: number;
  /** Overrides the pool's mode for this request (the CLI's `--mode`). */
  mode?: AnalysisMode;
}

/** How the pool runs. */
export interface AnalysisPoolOptions {
  /** Most worker threads at once. */
  workers: number;
  /** The per-task time limit, from when a worker picks the task up. */
  timeLimitMs: number;
  mode: AnalysisMode;
  /** How long past the deadline a worker may take to answer before it is terminated. Default 2 s. */
  graceMs?: number;
  /** Most bytes one analyser holds at once. */
  maxBufferBytes?: number;
  /** Heap limit of each worker, MiB. Default 256. */
  maxHeapMb?: number;
  /** The worker's script: the compiled `analysis-worker.js` next to this file unless a test brings its own. */
  workerScript?: string;
  logger?: Logger;
}

interface Pending {
  request: AnalysisRequest;
  resolve(analysis: JobAnalysis): void;
  reject(err: unknown): void;
}

interface Running extends Pending {
  id: number;
  timer: NodeJS.Timeout;
  detected: DetectedDocument | null;
}

interface Slot {
  worker: Worker;
  /** The worker has loaded its analysers (module loading does not count against a task's time). */
  ready: boolean;
  running: Running | null;
  /** Why the worker failed, kept until it has exited (see `spawn`). */
  failure?: string;
}

const DEFAULT_GRACE_MS = 2000;
const DEFAULT_MAX_HEAP_MB = 256;

/**
 * The answer for a task the worker could not finish: no pages, partial, and why, keeping what detection
 * found (the language, the PJL header's copies) when the worker got that far.
 */
export function failedAnalysis(
  request: AnalysisRequest,
  mode: AnalysisMode,
  detected: DetectedDocument | null,
  warning: string,
): JobAnalysis {
  return combineAnalysis({
    language: emptyLanguageAnalysis(detected?.pdl ?? 'unknown', warning),
    pjl: detected?.pjl ?? {
      variables: {},
      copies: null,
      quantity: null,
      duplex: null,
      paper: null,
      grayscale: false,
    },
    protocolCopies: request.protocolCopies,
    mode: request.mode ?? mode,
    partial: true,
  });
}

/** A pool of analysis worker threads; see the file comment. */
export class AnalysisPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly exits = new Set<Promise<unknown>>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: AnalysisPoolOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) {
      throw new QuireError(ErrorCode.ConfigInvalid, 'The analysis pool needs at least one worker');
    }
  }

  /** Analyse one file on a worker; resolves with its analysis (partial when anything went wrong). */
  analyse(request: AnalysisRequest): Promise<JobAnalysis> {
    if (this.closed) return Promise.reject(this.closedError());
    return new Promise<JobAnalysis>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  /** Tasks waiting for a worker. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Worker threads alive now. */
  get threads(): number {
    return this.slots.length;
  }

  /** Stop every worker. Tasks not yet answered are rejected with NOT_READY. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(this.closedError());
    for (const slot of this.slots.splice(0)) {
      if (slot.running) {
        clearTimeout(slot.running.timer);
        slot.running.reject(this.closedError());
        slot.running = null;
      }
      this.track(slot.worker.terminate());
    }
    await Promise.allSettled([...this.exits]);
  }

  private closedError(): QuireError {
    return new QuireError(ErrorCode.NotReady, 'The analysis pool is closed');
  }

  /** Hand queued tasks to idle workers, starting workers up to the limit. */
  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const slot = this.slots.find((candidate) => candidate.ready && candidate.running === null);
      if (slot) {
        this.start(slot, this.queue.shift() as Pending);
        continue;
      }
      const booting = this.slots.filter((candidate) => !candidate.ready).length;
      if (booting >= this.queue.length || this.slots.length >= this.options.workers) return;
      this.spawn();
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.options.workerScript ?? path.join(__dirname, 'analysis-worker.js'), {
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxHeapMb ?? DEFAULT_MAX_HEAP_MB },
    });
    // Referenced while it boots (queued tasks wait for it), unreferenced whenever it is idle.
    const slot: Slot = { worker, ready: false, running: null };
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    // A failed worker is retired on its 'exit', not its 'error': Node delivers the messages the worker posted
    // before it died (what it detected) by then, and 'error' can come first.
    worker.on('error', (err) => {
      slot.failure ??= `the analysis worker failed: ${err.message}`;
    });
    worker.on('exit', (code) =>
      this.retire(slot, slot.failure ?? `the analysis worker exited (code ${code})`),
    );
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, pending: Pending): void {
    const id = this.nextId++;
    const mode = pending.request.mode ?? this.options.mode;
    const task: WorkerTask = {
      id,
      path: pending.request.path,
      mode,
      deadline: Date.now() + this.options.timeLimitMs,
      protocolCopies: pending.request.protocolCopies,
      maxBufferBytes: this.options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES,
    };
    const timer = setTimeout(
      () => this.overrun(slot),
      this.options.timeLimitMs + (this.options.graceMs ?? DEFAULT_GRACE_MS),
    );
    timer.unref();
    slot.running = { ...pending, id, timer, detected: null };
    slot.worker.ref();
    slot.worker.postMessage(task);
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    if (message.kind === 'ready') {
      slot.ready = true;
      slot.worker.unref();
      this.pump();
      return;
    }
    const running = slot.running;
    if (!running || running.id !== message.id) return;
    if (message.kind === 'detected') {
      running.detected = message.detected;
      return;
    }
    const analysis =
      message.kind === 'done'
        ? message.analysis
        : this.failure(running, `The document could not be analysed: ${message.message}`);
    this.finish(slot, analysis);
  }

  /** Answer the slot's task and make the worker available again. */
  private finish(slot: Slot, analysis: JobAnalysis): void {
    const running = slot.running;
    if (!running) return;
    clearTimeout(running.timer);
    slot.running = null;
    slot.worker.unref();
    running.resolve(analysis);
    this.pump();
  }

  private failure(running: Running, warning: string): JobAnalysis {
    return failedAnalysis(running.request, this.options.mode, running.detected, warning);
  }

  /** The task ran past its deadline and grace: terminate the worker, answer partial, start a fresh one. */
  private overrun(slot: Slot): void {
    const running = slot.running;
    if (!running) return;
    const seconds = Math.round(this.options.timeLimitMs / 100) / 10;
    this.options.logger?.warn('analysis worker overran its time limit; terminating it', {
      file: running.request.path,
      timeLimitSeconds: seconds,
    });
    this.remove(slot);
    this.track(slot.worker.terminate());
    slot.running = null;
    clearTimeout(running.timer);
    running.resolve(this.failure(running, `The analysis did not finish within ${seconds} s and was stopped`));
    this.pump();
  }

  /**
   * A worker died (crash, out of memory): answer its task partial and forget it; `pump` starts another. One
   * that died before it was ready cannot load at all: the oldest waiting task is answered partial, so a broken
   * installation fails each task once instead of respawning workers forever.
   */
  private retire(slot: Slot, why: string): void {
    if (!this.remove(slot)) return;
    const running = slot.running;
    if (running) {
      this.options.logger?.warn('analysis worker died', { file: running.request.path, reason: why });
      slot.running = null;
      clearTimeout(running.timer);
      running.resolve(this.failure(running, `The analysis stopped: ${why}`));
    } else if (!slot.ready) {
      this.options.logger?.error('an analysis worker could not start', { reason: why });
      const waiting = this.queue.shift();
      waiting?.resolve(
        failedAnalysis(waiting.request, this.options.mode, null, `The analysis could not start: ${why}`),
      );
    }
    this.track(slot.worker.terminate());
    this.pump();
  }

  /** Remember a worker's termination until it completes, so `close` can wait for it. */
  private track(exit: Promise<unknown>): void {
    const tracked = exit.catch(() => undefined).finally(() => this.exits.delete(tracked));
    this.exits.add(tracked);
  }

  private remove(slot: Slot): boolean {
    const index = this.slots.indexOf(slot);
    if (index < 0) return false;
    this.slots.splice(index, 1);
    return true;
  }
}
