/**
 * Unit tests of the staggered poller on a fake clock: 600 printers at 60 s start evenly (never more than
 * ceil(600/60) + concurrency polls in any second), each once per cycle; the concurrency bound holds; a poll still
 * running at its next turn is skipped, not doubled; added and removed items are picked up at the next cycle; and
 * asked-for polls share the slots and join a poll in flight.
 */
import { expect } from 'chai';
import { StaggeredPoller, type PollTimers } from './staggered-poller';

interface FakeTimer {
  at: number;
  seq: number;
  callback: () => void;
}

/** A clock that moves only when told, running due timers in order and letting promise chains settle between. */
class FakeClock implements PollTimers {
  private time = 0;
  private seq = 0;
  private timers: FakeTimer[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, callback };
    this.timers.push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer !== handle);
  }

  /** Sleep `ms` on this clock. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const due = this.timers
        .filter((timer) => timer.at <= end)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

interface Item {
  id: string;
}

function items(count: number, prefix = 'p'): Item[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${String(i).padStart(4, '0')}` }));
}

/** A poller over `list()` whose polls take `durationOf(item)` ms of fake time, recording what happened. */
function harness(options: {
  clock: FakeClock;
  list: () => Item[];
  intervalMs: number;
  concurrency: number;
  durationOf: (item: Item) => number;
}) {
  const starts: Array<{ id: string; at: number }> = [];
  const running = new Set<string>();
  const log = { starts, doubled: 0, maxActive: 0, skipped: [] as string[], errors: 0 };
  const poller = new StaggeredPoller<Item, string>({
    intervalMs: options.intervalMs,
    concurrency: options.concurrency,
    timers: options.clock,
    list: async () => options.list(),
    keyOf: (item) => item.id,
    poll: async (item) => {
      if (running.has(item.id)) log.doubled += 1;
      running.add(item.id);
      starts.push({ id: item.id, at: options.clock.now() });
      log.maxActive = Math.max(log.maxActive, running.size);
      await options.clock.sleep(options.durationOf(item));
      running.delete(item.id);
      return item.id;
    },
    onPollError: () => {
      log.errors += 1;
    },
    onListError: () => {
      log.errors += 1;
    },
    onSkipped: (item) => log.skipped.push(item.id),
  });
  return { poller, log };
}

/** Stop the poller, moving the clock on so the polls in flight can end. */
async function stopAndDrain(poller: StaggeredPoller<Item, unknown>, clock: FakeClock): Promise<void> {
  const stopped = poller.stop();
  await clock.advance(120_000);
  await stopped;
}

function maxPerSecond(starts: Array<{ at: number }>): number {
  const perSecond = new Map<number, number>();
  for (const start of starts) {
    const second = Math.floor(start.at / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  return Math.max(...perSecond.values());
}

describe('StaggeredPoller', () => {
  it('spreads 600 printers over 60 s: at most ceil(600/60) + concurrency starts in any second', async () => {
    const clock = new FakeClock();
    const fleet = items(600);
    const { poller, log } = harness({
      clock,
      list: () => fleet,
      intervalMs: 60_000,
      concurrency: 16,
      durationOf: (item) => 200 + (Number(item.id.slice(1)) % 7) * 300,
    });
    poller.start();
    await clock.advance(179_999);
    await stopAndDrain(poller, clock);

    expect(log.starts).to.have.length(1800);
    expect(maxPerSecond(log.starts)).to.be.at.most(Math.ceil(600 / 60) + 16);
    expect(log.doubled).to.equal(0);
    expect(log.maxActive).to.be.at.most(16);
    for (let cycle = 0; cycle < 3; cycle += 1) {
      const inCycle = log.starts.filter((s) => s.at >= cycle * 60_000 && s.at < (cycle + 1) * 60_000);
      expect(new Set(inCycle.map((s) => s.id)).size, `cycle ${cycle}`).to.equal(600);
    }
    // Each printer keeps its phase: one interval between its polls.
    const first = log.starts.filter((s) => s.id === 'p0300').map((s) => s.at);
    expect(first).to.deep.equal([30_000, 90_000, 150_000]);
  });

  it('never runs more than `concurrency` polls when every poll is slow, and drops the backlog on stop', async () => {
    const clock = new FakeClock();
    const { poller, log } = harness({
      clock,
      list: () => items(100),
      intervalMs: 10_000,
      concurrency: 4,
      durationOf: () => 2_000,
    });
    poller.start();
    await clock.advance(9_000);
    expect(poller.inFlight).to.equal(4);
    expect(log.starts).to.have.length(20);
    await stopAndDrain(poller, clock);
    expect(log.starts).to.have.length(20);
    expect(log.maxActive).to.equal(4);
    expect(log.doubled).to.equal(0);
  });

  it('skips the turn of a printer whose previous poll is still running, and polls it again after', async () => {
    const clock = new FakeClock();
    const { poller, log } = harness({
      clock,
      list: () => items(3),
      intervalMs: 10_000,
      concurrency: 8,
      durationOf: (item) => (item.id === 'p0001' ? 25_000 : 100),
    });
    poller.start();
    await clock.advance(39_000);
    await stopAndDrain(poller, clock);
    const slow = log.starts.filter((s) => s.id === 'p0001').map((s) => s.at);
    expect(slow).to.deep.equal([3_333.3333333333335, 33_333.333333333336]);
    expect(log.skipped).to.deep.equal(['p0001', 'p0001']);
    expect(log.doubled).to.equal(0);
    expect(log.starts.filter((s) => s.id === 'p0000')).to.have.length(4);
  });

  it('picks up added and removed printers at the next cycle', async () => {
    const clock = new FakeClock();
    let fleet = items(4);
    const { poller, log } = harness({
      clock,
      list: () => fleet,
      intervalMs: 10_000,
      concurrency: 8,
      durationOf: () => 10,
    });
    poller.start();
    await clock.advance(5_000);
    fleet = [...items(3), { id: 'q0000' }];
    await clock.advance(14_000);
    await stopAndDrain(poller, clock);
    const ids = (from: number, to: number) =>
      log.starts.filter((s) => s.at >= from && s.at < to).map((s) => s.id);
    expect(ids(0, 10_000)).to.deep.equal(['p0000', 'p0001', 'p0002', 'p0003']);
    expect(ids(10_000, 20_000)).to.deep.equal(['p0000', 'p0001', 'p0002', 'q0000']);
  });

  it('joins an asked-for poll to one in flight and bounds asked-for polls by the same slots', async () => {
    const clock = new FakeClock();
    const { poller, log } = harness({
      clock,
      list: () => [],
      intervalMs: 60_000,
      concurrency: 3,
      durationOf: () => 1_000,
    });
    const fleet = items(10);
    const first = poller.run(fleet[0]);
    const again = poller.run(fleet[0]);
    const all = Promise.all(fleet.map((item) => poller.run(item)));
    await clock.advance(1);
    expect(poller.isBusy('p0000')).to.equal(true);
    expect(poller.inFlight).to.equal(3);
    await clock.advance(5_000);
    expect(await first).to.equal('p0000');
    expect(again).to.equal(first);
    expect(await all).to.deep.equal(fleet.map((item) => item.id));
    expect(log.starts).to.have.length(10);
    expect(log.maxActive).to.equal(3);
    expect(poller.isBusy('p0000')).to.equal(false);
  });

  it('keeps polling after a failed listing or a failed poll', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const polled: string[] = [];
    const errors: string[] = [];
    const poller = new StaggeredPoller<Item, void>({
      intervalMs: 1_000,
      concurrency: 2,
      timers: clock,
      list: async () => {
        calls += 1;
        if (calls === 1) throw new Error('database away');
        return items(2);
      },
      keyOf: (item) => item.id,
      poll: async (item) => {
        polled.push(item.id);
        if (item.id === 'p0000') throw new Error('probe broke');
      },
      onPollError: (item, err) => errors.push(`${item.id}: ${(err as Error).message}`),
      onListError: (err) => errors.push((err as Error).message),
    });
    poller.start();
    await clock.advance(2_500);
    await poller.stop();
    expect(errors).to.deep.equal(['database away', 'p0000: probe broke', 'p0000: probe broke']);
    expect(polled).to.deep.equal(['p0000', 'p0001', 'p0000', 'p0001']);
  });
});
