import { expect } from 'chai';
import { ErrorCode, QuireError } from '@quire/common';
import { DiscoveryRuns, ENDED_RUNS_KEPT, type DiscoveryReport, type NewDiscoveryRun } from './discovery-runs';

const NEW_RUN: NewDiscoveryRun = { discovery: null, dryRun: false, startedBy: 'admin', addresses: 254 };

const REPORT: DiscoveryReport = {
  found: [
    {
      address: '10.0.0.7',
      model: 'HP LaserJet Enterprise M507',
      serial: 'PHBQB00001',
      mac: '00:1b:a9:00:00:01',
      sysName: 'NPI1A2B3C',
      colorCapable: false,
      printerId: 'p1',
      outcome: 'added',
      name: 'HP-7',
      matchedBy: null,
      enabled: false,
      directQueue: null,
      reason: null,
    },
  ],
  scanned: 254,
  durationMs: 1200,
  dryRun: false,
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as QuireError).code;
  }
  throw new Error('expected a rejection');
}

describe('discovery runs', () => {
  let now: number;
  let runs: DiscoveryRuns;

  beforeEach(() => {
    now = Date.parse('2026-11-22T08:00:00Z');
    runs = new DiscoveryRuns(() => now);
  });

  it('shows a running run with its progress, then its report and outcomes once it completes', () => {
    const handle = runs.begin(NEW_RUN);
    handle.progress({ done: 100, total: 254, found: 1 });
    expect(runs.get(handle.id)).to.deep.include({
      state: 'running',
      startedBy: 'admin',
      startedAt: '2026-11-22T08:00:00.000Z',
      endedAt: null,
      progress: { done: 100, total: 254, found: 1, applied: 0 },
      report: null,
    });
    handle.deviceApplied();
    now += 1500;
    handle.complete(REPORT);
    expect(runs.get(handle.id)).to.deep.include({
      state: 'completed',
      endedAt: '2026-11-22T08:00:01.500Z',
      outcomes: { added: 1, updated: 0, unchanged: 0, skipped: 0 },
      report: REPORT,
    });
    expect(runs.get(handle.id).progress.applied).to.equal(1);
  });

  it('keeps the code and message of a failure, and hides an internal error behind a pointer to the log', () => {
    const refused = runs.begin(NEW_RUN);
    refused.fail(new QuireError(ErrorCode.NotReady, 'The site is stopping; discovery is not available'));
    expect(runs.get(refused.id)).to.deep.include({
      state: 'failed',
      error: { code: 'NOT_READY', message: 'The site is stopping; discovery is not available' },
    });
    const crashed = runs.begin(NEW_RUN);
    crashed.fail(new Error('SQLITE_CORRUPT at /var/lib/quire/site.db'));
    expect(runs.get(crashed.id).error?.code).to.equal('INTERNAL');
    expect(runs.get(crashed.id).error?.message).to.not.contain('/var/lib');
  });

  it('cancels a running run: signals its owner and resolves once the owner has stopped it', async () => {
    const handle = runs.begin(NEW_RUN);
    let cancelEnded = false;
    const cancelling = runs.cancel(handle.id, 'alice').then((view) => {
      cancelEnded = true;
      return view;
    });
    expect(handle.signal.aborted).to.equal(true);
    await Promise.resolve();
    expect(cancelEnded, 'waits for the probes in flight').to.equal(false);
    handle.fail(new QuireError(ErrorCode.DiscoveryCancelled, `Discovery run ${handle.id} was cancelled`));
    expect(await cancelling).to.deep.include({ state: 'cancelled', cancelledBy: 'alice' });
  });

  it('refuses to cancel an ended run, and names an unknown one', async () => {
    const handle = runs.begin(NEW_RUN);
    handle.complete(REPORT);
    expect(await codeOf(runs.cancel(handle.id, 'alice'))).to.equal(ErrorCode.Conflict);
    expect(await codeOf(runs.cancel('nope', 'alice'))).to.equal(ErrorCode.DiscoveryNotFound);
    expect(() => runs.get('nope')).to.throw(/No discovery run with id nope/);
  });

  it('lists runs newest first without reports, and forgets the oldest ended ones beyond the limit', () => {
    const running = runs.begin(NEW_RUN);
    const ended: string[] = [];
    for (let i = 0; i < ENDED_RUNS_KEPT + 3; i += 1) {
      const handle = runs.begin({ ...NEW_RUN, dryRun: true });
      handle.complete(REPORT);
      ended.push(handle.id);
    }
    const listed = runs.list();
    expect(listed).to.have.length(ENDED_RUNS_KEPT + 1);
    expect(listed[0].id).to.equal(ended[ended.length - 1]);
    expect(listed[listed.length - 1].id, 'a running run is never forgotten').to.equal(running.id);
    expect(listed.some((view) => 'report' in view)).to.equal(false);
    expect(() => runs.get(ended[0])).to.throw(QuireError);
  });
});
