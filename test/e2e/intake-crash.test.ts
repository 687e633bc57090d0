/**
 * Crash test of the whole site process: 200 submissions (100 IPP Print-Job, 100 LPD receive-job of which half
 * send the data file first, 24 at a time, documents from 1 KB to 2 MB with known sha256) against a standalone
 * `quire-site`, which is killed with SIGKILL once 80 of them have been acknowledged. The site is restarted on the same data dir and ports, and then:
 * every acknowledged job is there, ready, with its exact bytes; nothing partial or foreign is ready; jobs that
 * were committed but whose acknowledgement the kill swallowed are whole and no more than were in flight; and
 * the spool holds no partial upload, no stranded LPD data file, and exactly one document per job.
 *
 * A submission counts as acknowledged when the IPP answer is successful-ok (status < 0x100), or when the LPD ack
 * byte 0 that follows the job's last file (sent only after the commit) arrived.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { expect } from 'chai';
import { type ManagedProcess } from '@quire/testkit';
import {
  ippRequest,
  type JobJson,
  listJobs,
  lpdSubmit,
  printJobHeader,
  sha256Hex,
  spoolContents,
} from './intake-probes';
import { adminToken, startSite, tempDataDir } from './servers';

const SUBMISSIONS = 200;
const CONCURRENCY = 24;
const KILL_AFTER_ACKS = 80;
const MIN_BYTES = 1024;
const MAX_BYTES = 2 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

type Protocol = 'ipp' | 'lpd';

/** One submission: what we sent and how it ended. */
interface Submission {
  name: string;
  protocol: Protocol;
  document: Buffer;
  sha256: string;
  /** LPD only: half the LPD jobs send their data file first, which the site holds in spool/lpd-ahead. */
  lpdOrder?: 'control-first' | 'data-first';
  started?: boolean;
  outcome?: 'acked' | 'refused' | 'failed';
  detail?: string;
}

/** 200 distinct documents, sizes spread evenly on a log scale from 1 KB to 2 MB, protocols alternating. */
function makeSubmissions(): Submission[] {
  return Array.from({ length: SUBMISSIONS }, (_, index) => {
    const size = Math.round(MIN_BYTES * (MAX_BYTES / MIN_BYTES) ** (index / (SUBMISSIONS - 1)));
    const name = `crash-${String(index).padStart(3, '0')}`;
    const header = Buffer.from(`%PDF-1.4\n% ${name}\n`, 'latin1');
    const document = Buffer.concat([header, randomBytes(size - header.length)]);
    const protocol: Protocol = index % 2 === 0 ? 'ipp' : 'lpd';
    const lpdOrder = index % 4 === 1 ? 'control-first' : 'data-first';
    return {
      name,
      protocol,
      lpdOrder: protocol === 'lpd' ? lpdOrder : undefined,
      document,
      sha256: sha256Hex(document),
    };
  });
}

/** Interleave small and large documents so every stage of the run sees both. */
function interleaved(submissions: Submission[]): Submission[] {
  const order: Submission[] = [];
  for (let low = 0, high = submissions.length - 1; low <= high; low += 1, high -= 1) {
    order.push(submissions[low]);
    if (high !== low) order.push(submissions[high]);
  }
  return order;
}

interface SiteAddress {
  ippPort: number;
  lpdPort: number;
}

async function submit(site: SiteAddress, submission: Submission): Promise<void> {
  submission.started = true;
  try {
    if (submission.protocol === 'ipp') {
      const printerUri = `ipp://127.0.0.1:${site.ippPort}/printers/Default`;
      const header = printJobHeader({
        printerUri,
        user: 'crash',
        jobName: submission.name,
        documentFormat: 'application/octet-stream',
      });
      const answer = await ippRequest(
        printerUri,
        Buffer.concat([header, submission.document]),
        REQUEST_TIMEOUT_MS,
      );
      submission.outcome = answer.status < 0x100 ? 'acked' : 'refused';
      submission.detail = `IPP status 0x${answer.status.toString(16)} ${answer.statusMessage ?? ''}`;
    } else {
      const outcome = await lpdSubmit(
        site.lpdPort,
        {
          queue: 'Default',
          user: 'crash',
          jobName: submission.name,
          document: submission.document,
          order: submission.lpdOrder,
        },
        REQUEST_TIMEOUT_MS,
      );
      submission.outcome = outcome.acked ? 'acked' : outcome.nack !== undefined ? 'refused' : 'failed';
      submission.detail = JSON.stringify(outcome);
    }
  } catch (err) {
    submission.outcome = 'failed';
    submission.detail = (err as Error).message;
  }
}

/**
 * Run every submission, `CONCURRENCY` at a time; `onSettled` runs synchronously as each one ends, so the kill
 * can follow the 80th acknowledgement at once. Submissions after the kill still run and fail fast.
 */
async function runAll(site: SiteAddress, submissions: Submission[], onSettled: () => void): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < submissions.length) {
      const submission = submissions[next++];
      await submit(site, submission);
      onSettled();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

describe('intake crash: SIGKILL of the site process during 200 concurrent IPP and LPD submissions', function () {
  this.timeout(120_000);
  const running: ManagedProcess[] = [];
  let dataDir: string | undefined;

  after(async () => {
    await Promise.all(running.map((proc) => proc.stop()));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged job with its exact bytes, and nothing partial', async () => {
    dataDir = tempDataDir('intake-crash');
    const site = await startSite({ name: 'crash', dataDir });
    running.push(site.process);
    const submissions = makeSubmissions();

    let inFlightAtKill = -1;
    let killed = false;
    const onSettled = () => {
      if (killed || submissions.filter((s) => s.outcome === 'acked').length < KILL_AFTER_ACKS) return;
      killed = true;
      site.process.kill('SIGKILL');
      inFlightAtKill = submissions.filter((s) => s.started && s.outcome === undefined).length;
    };
    await runAll(site, interleaved(submissions), onSettled);
    expect(killed, 'the site was killed during the run').to.equal(true);
    expect(await site.process.waitForExit(10_000)).to.deep.equal({ code: null, signal: 'SIGKILL' });

    const acked = submissions.filter((s) => s.outcome === 'acked');
    const refused = submissions.filter((s) => s.outcome === 'refused');
    // Before the kill the site refuses nothing; after it, a connection can only fail, not get a "no".
    expect(refused.map((s) => `${s.name}: ${s.detail}`)).to.deep.equal([]);
    expect(acked.length).to.be.within(KILL_AFTER_ACKS, SUBMISSIONS - 1);

    const restarted = await startSite({
      name: 'crash',
      dataDir,
      httpPort: site.httpPort,
      ippPort: site.ippPort,
      lpdPort: site.lpdPort,
    });
    running.push(restarted.process);
    const token = await adminToken(restarted.url);
    const jobs = await listJobs(restarted.url, token);
    const byName = new Map<string, JobJson[]>();
    for (const job of jobs) byName.set(job.name, [...(byName.get(job.name) ?? []), job]);
    const sent = new Map(submissions.map((s) => [s.name, s]));

    for (const submission of acked) {
      const found = byName.get(submission.name) ?? [];
      expect(found, `acknowledged job ${submission.name}`).to.have.length(1);
      expect(found[0], `acknowledged job ${submission.name}`).to.include({
        state: 'ready',
        sha256: submission.sha256,
        sizeBytes: submission.document.length,
        owner: 'crash',
        queue: 'Default',
        protocol: submission.protocol,
      });
    }
    for (const job of jobs) {
      const submission = sent.get(job.name);
      expect(submission, `job ${job.name} (${job.id}) is one we sent`).to.not.equal(undefined);
      expect(byName.get(job.name), `jobs named ${job.name}`).to.have.length(1);
      // A committed row always has its whole document: ready, and exactly the bytes we sent under that name.
      expect(job, `job ${job.name}`).to.include({ state: 'ready', sha256: submission!.sha256 });
    }
    const ackedNames = new Set(acked.map((s) => s.name));
    const committedUnacked = jobs.filter((job) => !ackedNames.has(job.name));
    expect(committedUnacked.length, 'committed but unacknowledged jobs').to.be.at.most(inFlightAtKill);

    const spool = spoolContents(dataDir);
    expect(spool.partFiles, 'partial uploads left in spool/tmp').to.deep.equal([]);
    expect(spool.documents, 'documents in the spool, one per job').to.have.length(jobs.length);
    expect(spool.lpdAheadFiles, 'LPD data files left waiting for a control file').to.deep.equal([]);

    // The restarted site takes jobs again on the same ports, over both protocols.
    const after = { ippPort: restarted.ippPort, lpdPort: restarted.lpdPort };
    const probes: Submission[] = (['ipp', 'lpd'] as const).map((protocol) => {
      const document = randomBytes(4096);
      return { name: `after-restart-${protocol}`, protocol, document, sha256: sha256Hex(document) };
    });
    for (const probe of probes) await submit(after, probe);
    expect(probes.map((p) => p.outcome)).to.deep.equal(['acked', 'acked']);

    const failed = submissions.filter((s) => s.outcome === 'failed').length;
    const ackedBy = (protocol: Protocol, order?: Submission['lpdOrder']) =>
      acked.filter((s) => s.protocol === protocol && s.lpdOrder === order).length;
    // The counts are the point of this test's report, and mocha has no other channel for them.
    process.stdout.write(
      `      crash counts: ${acked.length} acknowledged (ipp ${ackedBy('ipp')}, ` +
        `lpd control-first ${ackedBy('lpd', 'control-first')}, lpd data-first ${ackedBy('lpd', 'data-first')}), ` +
        `${jobs.length} present after restart, ${committedUnacked.length} committed but unacknowledged, ` +
        `${failed} failed, ${inFlightAtKill} in flight at the kill\n`,
    );
  });
});
