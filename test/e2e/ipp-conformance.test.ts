/**
 * ipptool's ipp-2.0 and ipp-1.1 suites against a real, standalone site process (the job core, spool and SQLite
 * behind the IPP listener), on its queue `Default`: 0 failures, with chunked and Content-Length uploads.
 *
 * Each suite prints a job with `job-hold-until` and releases it at once, usually before its analysis is
 * stored. Such a job must still end `ready`: one left held is "not completed" for good, and a later suite run
 * that picks it up in Get-Jobs waits on it until "Get-Job-Attributes Until Job Complete" gives up.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  ensureDebianPackages,
  ipptoolFailureReport,
  parseIpptool,
  prepareIpptoolSuites,
  runIpptool,
  type ManagedProcess,
} from '@quire/testkit';
import { minimalPdf } from './intake-probes';
import { adminToken, api, startSite, tempDataDir } from './servers';

/** The job-name of ipp-1.1.test's "Print-Job with job-hold-until", which "Release-Job" then releases. */
const HELD_JOB_NAME = 'Test Document w/Hold';

interface ListedJob {
  name: string;
  queue: string;
  state: string;
  protocol: string;
}

/** Every job, once none is left in `processing` (bounded: analysis has a time limit of its own). */
async function jobsOnceAnalysed(url: string, token: string): Promise<ListedJob[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { jobs } = await api<{ jobs: ListedJob[] }>(url, 'GET', '/api/v1/jobs?limit=500', token);
    const analysing = jobs.filter((job) => job.state === 'processing').length;
    if (analysing === 0) return jobs;
    if (Date.now() > deadline) throw new Error(`${analysing} jobs are still in processing after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('IPP conformance of a running site (ipptool suites)', function () {
  this.timeout(300_000);
  let site: { process: ManagedProcess; url: string; ippPort: number };
  let dir: string;

  before(async function () {
    this.timeout(20 * 60 * 1000);
    await ensureDebianPackages(['cups-ipp-utils']);
    dir = await mkdtemp(path.join(os.tmpdir(), 'quire-e2e-ipptool-'));
    await prepareIpptoolSuites(dir, ['ipp-1.1.test', 'ipp-2.0.test'], minimalPdf('ipptool'));
    site = await startSite({ name: 'conformance', dataDir: tempDataDir('ipptool') });
  });

  after(async () => {
    await site?.process.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const runs = [
    { suite: 'ipp-2.0.test', version: '2.0', extra: [] as string[], label: 'ipp-2.0.test, chunked uploads' },
    { suite: 'ipp-2.0.test', version: '2.0', extra: ['-L'], label: 'ipp-2.0.test, Content-Length uploads' },
    { suite: 'ipp-1.1.test', version: '1.1', extra: [] as string[], label: 'ipp-1.1.test' },
  ];
  for (const run of runs) {
    it(`reports 0 failures for ${run.label}`, async () => {
      const uri = `ipp://127.0.0.1:${site.ippPort}/printers/Default`;
      const args = [
        '-tI',
        ...run.extra,
        '-V',
        run.version,
        '-f',
        path.join(dir, 'doc.pdf'),
        uri,
        path.join(dir, run.suite),
      ];
      const result = await runIpptool(dir, args);
      const outcomes = parseIpptool(result.output);
      const failed = outcomes.filter((o) => o.result === 'FAIL');
      expect(failed, `ipptool failures:\n${ipptoolFailureReport(outcomes)}\n${result.output}`).to.deep.equal(
        [],
      );
      expect(result.code, result.output).to.equal(0);
      expect(outcomes.filter((o) => o.result === 'PASS').length).to.be.at.least(40);
    });
  }

  it('released the jobs the suites held at submission, even when Release-Job came before the analysis', async () => {
    const token = await adminToken(site.url);
    const jobs = await jobsOnceAnalysed(site.url, token);
    const held = jobs.filter((job) => job.name === HELD_JOB_NAME);
    expect(held.map((job) => job.state)).to.deep.equal(runs.map(() => 'ready'));
  });

  it('stored the suites’ print jobs in Default, held for release', async () => {
    const token = await adminToken(site.url);
    const { jobs } = await api<{ jobs: Array<{ queue: string; state: string; protocol: string }> }>(
      site.url,
      'GET',
      '/api/v1/jobs?limit=500',
      token,
    );
    expect(jobs.length).to.be.greaterThan(5);
    for (const job of jobs) expect(job).to.include({ queue: 'Default', protocol: 'ipp' });
    expect(jobs.filter((job) => job.state === 'ready').length).to.be.greaterThan(0);
  });
});
