/**
 * Spreads periodic polls of many items evenly over an interval, with a bound on how many run at once.
 *
 * Each cycle re-lists the items (so added, removed and changed printers are picked up within one interval) and
 * gives item i of n the phase i/n of the interval: 600 printers at 60 s start one every 100 ms, never in a
 * burst. Items are listed in a stable order (printer ids are time-ordered UUIDs, so new printers go last), which
 * keeps each one's phase nearly fixed from cycle to cycle. Cycles start at exact multiples of the interval from
 * the first, so late timers do not make the schedule drift.
 *
 * An item is busy from the moment it is due until its poll ends, including while it waits for a slot; when its
 * next turn comes while it is still busy, that turn is skipped, never doubled. Polls asked for outside the
 * schedule (a sweep, an admin's "poll now") share the same slots and join a poll of the same item in flight.
 * Stopping drops the scheduled polls still waiting for a slot, so a backlog of silent printers, each holding
 * its slot for a timeout, cannot hold up a shutdown.
 */

/** Why a scheduled poll that was waiting for a slot did not run: the poller stopped. */
class PollCancelled extends Error {}

/** The clock and timers the poller runs on (injectable, so tests drive it with a fake clock). */
export interface PollTimers {
  /** Milliseconds on a monotonic-enough scale. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers; they do not keep the process alive on their own. */
export const realPollTimers: PollTimers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Construction options of StaggeredPoller. */
export interface StaggeredPollerOptions<T, R> {
  intervalMs: number;
  /** Most polls running at once (scheduled or asked for). */
  concurrency: number;
  /** The items of one cycle, in a stable order. */
  list: () => Promise<T[]>;
  keyOf: (item: T) => string;
  poll: (item: T) => Promise<R>;
  timers?: PollTimers;
  /** A scheduled poll failed (asked-for polls reject to their caller instead). */
  onPollError: (item: T, err: unknown) => void;
  /** Listing the items failed; the cycle polls nothing and the next one tries again. */
  onListError: (err: unknown) => void;
  /** An item's turn came while its previous poll was still running. */
  onSkipped?: (item: T) => void;
}

interface SlotWaiter {
  grant: () => void;
  cancel: () => void;
  scheduled: boolean;
}

interface Cycle<T> {
  start: number;
  items: T[];
  next: number;
}

/** Runs polls on a staggered schedule; see the file comment. */
export class StaggeredPoller<T, R> {
  private readonly timers: PollTimers;
  private readonly busy = new Map<string, Promise<R>>();
  private slotWaiters: SlotWaiter[] = [];
  private active = 0;
  private running = false;
  private timer: unknown = null;
  private cycle: Cycle<T> | null = null;

  constructor(private readonly options: StaggeredPollerOptions<T, R>) {
    if (!(options.intervalMs > 0)) throw new RangeError('The poll interval must be positive');
    if (!(options.concurrency >= 1)) throw new RangeError('The poll concurrency must be at least 1');
    this.timers = options.timers ?? realPollTimers;
  }

  /** Start the schedule: the first cycle begins now. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.beginCycle(this.timers.now());
  }

  /**
   * Stop scheduling and drop the scheduled polls waiting for a slot; resolve once every poll in flight (and
   * every asked-for one) has ended.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.cycle = null;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    const dropped = this.slotWaiters.filter((waiter) => waiter.scheduled);
    this.slotWaiters = this.slotWaiters.filter((waiter) => !waiter.scheduled);
    for (const waiter of dropped) waiter.cancel();
    await Promise.allSettled([...this.busy.values()]);
  }

  /** True while `key` is being polled or waits for a slot. */
  isBusy(key: string): boolean {
    return this.busy.has(key);
  }

  /** Polls running now (not those waiting for a slot). */
  get inFlight(): number {
    return this.active;
  }

  /** Poll `item` within the concurrency bound, or join its poll already under way. */
  run(item: T): Promise<R> {
    return this.launch(item, false);
  }

  private launch(item: T, scheduled: boolean): Promise<R> {
    const key = this.options.keyOf(item);
    const existing = this.busy.get(key);
    if (existing) return existing;
    const poll = this.bounded(() => this.options.poll(item), scheduled).finally(() => {
      if (this.busy.get(key) === poll) this.busy.delete(key);
    });
    this.busy.set(key, poll);
    return poll;
  }

  private async bounded(work: () => Promise<R>, scheduled: boolean): Promise<R> {
    if (this.active >= this.options.concurrency) {
      await new Promise<void>((grant, reject) =>
        this.slotWaiters.push({ grant, cancel: () => reject(new PollCancelled()), scheduled }),
      );
    } else {
      this.active += 1;
    }
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter, so `active` never dips while others wait.
      const next = this.slotWaiters.shift();
      if (next) next.grant();
      else this.active -= 1;
    }
  }

  private async beginCycle(start: number): Promise<void> {
    this.timer = null;
    let items: T[] = [];
    try {
      items = await this.options.list();
    } catch (err) {
      this.options.onListError(err);
    }
    if (!this.running) return;
    // After a long stall (a suspended process), start afresh rather than run the missed cycles back to back.
    const now = this.timers.now();
    this.cycle = { start: now - start > this.options.intervalMs ? now : start, items, next: 0 };
    this.tick();
  }

  private tick(): void {
    this.timer = null;
    const cycle = this.cycle;
    if (!this.running || !cycle) return;
    const now = this.timers.now();
    const spacing = this.options.intervalMs / Math.max(1, cycle.items.length);
    while (cycle.next < cycle.items.length && cycle.start + cycle.next * spacing <= now) {
      this.due(cycle.items[cycle.next]);
      cycle.next += 1;
    }
    if (cycle.next < cycle.items.length) {
      this.timer = this.timers.setTimeout(() => this.tick(), cycle.start + cycle.next * spacing - now);
      return;
    }
    const nextStart = cycle.start + this.options.intervalMs;
    this.timer = this.timers.setTimeout(() => void this.beginCycle(nextStart), Math.max(0, nextStart - now));
  }

  private due(item: T): void {
    if (this.busy.has(this.options.keyOf(item))) {
      this.options.onSkipped?.(item);
      return;
    }
    this.launch(item, true).catch((err: unknown) => {
      if (!(err instanceof PollCancelled)) this.options.onPollError(item, err);
    });
  }
}
