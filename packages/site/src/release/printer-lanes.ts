/**
 * One lane per printer: the documents released to a printer are sent one after the other, in the order they
 * were released (a printer takes one job per connection at a time, and jobs released together must come out in
 * queue-priority order). The lanes also know which printers are idle and how many pages each has waiting, which
 * is what tandem queues choose by.
 */

interface Lane {
  tail: Promise<void>;
  jobs: number;
  pages: number;
}

/** The send lanes of every printer of this site. */
export class PrinterLanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly running = new Set<Promise<void>>();

  /**
   * Queue `task` behind the printer's earlier sends. `pages` counts as waiting on the printer until the task has
   * settled. The task must not reject; a rejection is swallowed so it cannot stop the lane.
   */
  enqueue(printerId: string, pages: number, task: () => Promise<void>): Promise<void> {
    const lane = this.lanes.get(printerId) ?? { tail: Promise.resolve(), jobs: 0, pages: 0 };
    this.lanes.set(printerId, lane);
    lane.jobs += 1;
    lane.pages += pages;
    const done = lane.tail
      .then(task)
      .catch(() => undefined)
      .finally(() => {
        lane.jobs -= 1;
        lane.pages -= pages;
        this.running.delete(done);
        if (lane.jobs === 0 && this.lanes.get(printerId) === lane) this.lanes.delete(printerId);
      });
    lane.tail = done;
    this.running.add(done);
    return done;
  }

  /** True when nothing is being sent or waiting for the printer. */
  isIdle(printerId: string): boolean {
    return !this.lanes.has(printerId);
  }

  /** Pages released to the printer and not yet sent. */
  pagesWaiting(printerId: string): number {
    return this.lanes.get(printerId)?.pages ?? 0;
  }

  /** Resolves once every send queued so far has settled. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
