/**
 * Crash test of the intake core, on SQLite and on MariaDB: a child process (fixtures/intake-child.ts) submits 200
 * jobs at once and is killed with SIGKILL once some of them are acknowledged. After a restart and start-up
 * recovery, every acknowledged job must be there, ready, with the right sha256 and its spool file; nothing
 * partial may be ready; and the spool must hold exactly the documents of the job rows.
 *
 * A job whose commit landed in the instant between the DB commit and the ACK line may be ready without having
 * been acknowledged: no ordering can close that window (acknowledging before the commit would lose acknowledged
 * jobs instead). Such a job is complete and correct, which is what this test checks for it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { forEachDriver, startProcess } from '@quire/testkit';
import { crashJobDocument, crashJobIndex, openJobCore, sha256Of, type JobCore } from './fixtures/job-core';

const SUBMISSIONS = 200;
const KILL_AFTER_ACKS = 40;

interface Ack {
  number: number;
  sha256: string;
  name: string;
}

function acksIn(stdout: string): Ack[] {
  return [...stdout.matchAll(/^ACK (\d+) ([0-9a-f]{64}) (\S+)$/gm)].map((m) => ({
    number: Number(m[1]),
    sha256: m[2],
    name: m[3],
  }));
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function spoolDocuments(spoolDir: string): string[] {
  return readdirSync(path.join(spoolDir, 'jobs'), { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.prn'))
    .map((file) => path.join('jobs', file));
}

forEachDriver('intake crash', (driver, getUrl) => {
  let base: string;
  let core: JobCore | undefined;

  before(() => {
    base = mkdtempSync(path.join(tmpdir(), 'quire-intake-crash-'));
  });

  after(async () => {
    await core?.close();
    await core?.dataSource.destroy();
    rmSync(base, { recursive: true, force: true });
  });

  it('keeps every acknowledged job across SIGKILL, and nothing partial', async function () {
    this.timeout(180_000);
    const url = await getUrl();
    const spoolDir = path.join(base, 'spool');
    const child = startProcess({
      name: `intake-child-${driver}`,
      command: process.execPath,
      args: [path.join(__dirname, 'fixtures', 'intake-child.js'), url, spoolDir, String(SUBMISSIONS)],
    });
    await child.waitForLine(/^READY$/, 60_000, 'stdout');
    await waitFor(() => acksIn(child.stdout).length >= KILL_AFTER_ACKS || child.exited !== undefined, 60_000);
    child.kill('SIGKILL');
    expect(await child.waitForExit(10_000), child.tail()).to.deep.equal({ code: null, signal: 'SIGKILL' });
    expect(child.stdout).to.not.match(/^DONE$/m);
    const acked = acksIn(child.stdout);
    expect(acked.length).to.be.within(KILL_AFTER_ACKS, SUBMISSIONS - 1);

    core = await openJobCore({ url, spoolDir });
    const report = await core.intake.recoverAtStartup();
    const interrupted = report.removedTempFiles.length + report.removedOrphanDocuments.length;
    expect(
      interrupted,
      'the kill interrupted submissions (uploading, or spooled but not committed)',
    ).to.be.above(0);
    expect(report.failedJobs).to.deep.equal([]);

    for (const ack of acked) {
      const job = await core.intake.findJob(ack.number);
      expect(job, `acknowledged job ${ack.number}`).to.not.equal(null);
      const index = crashJobIndex(ack.name) as number;
      expect(job).to.include({ name: ack.name, state: 'ready', sha256: ack.sha256 });
      expect(ack.sha256).to.equal(sha256Of(crashJobDocument(index)));
    }

    const rows = await core.jobs.list({ limit: SUBMISSIONS + 1 });
    const ackedNumbers = new Set(acked.map((ack) => ack.number));
    // Jobs whose commit landed but whose ACK the kill stopped are those of the group commits in flight at that
    // moment. How many that is depends on the machine's load (a slow commit lets more jobs finish spooling and
    // join the next batch; 55 were seen in CI), so no fixed bound holds. What must hold is that the kill cut
    // submissions off before their commit, and that each unacknowledged job is complete, which the loop below
    // checks for every row.
    const unacked = rows.filter((job) => !ackedNumbers.has(job.number));
    expect(unacked.length, 'some submissions were cut off before their commit').to.be.below(
      SUBMISSIONS - acked.length,
    );
    for (const job of rows) {
      expect(job.state, `job ${job.number}`).to.equal('ready');
      const document = crashJobDocument(crashJobIndex(job.name) as number);
      expect(job.sha256, `job ${job.number} is complete`).to.equal(sha256Of(document));
      expect(job.sizeBytes).to.equal(document.length);
      expect(sha256Of(readFileSync(core.spool.absolutePath(job.spoolPath))), job.spoolPath).to.equal(
        job.sha256,
      );
    }
    expect(spoolDocuments(spoolDir).sort()).to.deep.equal(rows.map((job) => job.spoolPath).sort());
    expect(readdirSync(path.join(spoolDir, 'tmp'))).to.deep.equal([]);
  });
});
