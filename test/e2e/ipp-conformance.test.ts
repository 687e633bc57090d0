/**
 * ipptool's ipp-2.0 and ipp-1.1 suites against a real, standalone site process (the job core, spool and SQLite
 * behind the IPP listener), on its queue `Default`: 0 failures, with chunked and Content-Length uploads.
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
