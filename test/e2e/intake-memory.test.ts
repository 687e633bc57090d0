/**
 * Bounded memory and the size limit, end to end against the `quire-site` process: a 2 GiB Print-Job streamed
 * with chunked encoding must not raise the site's resident memory by more than 100 MB (sampled from
 * /proc/<pid>/status every 100 ms) and must arrive whole (size and sha256); a job over `jobs.maxSizeMb` must be
 * refused with client-error-request-entity-too-large and leave nothing behind (no job row, no spool file).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { IppStatus } from '@quire/common';
import { type ManagedProcess } from '@quire/testkit';
import {
  ippRequest,
  listJobs,
  printJobHeader,
  sha256Hex,
  spoolContents,
  spooledDocumentOf,
  waitFor,
} from './intake-probes';
import { adminToken, startSite, tempDataDir } from './servers';

const MIB = 1024 * 1024;
const BIG_JOB_BYTES = 2 * 1024 * MIB;
const MAX_RSS_RISE_BYTES = 100 * 1000 * 1000;
const RSS_SAMPLE_MS = 100;

/** The site's resident set size in bytes, from VmRSS in /proc/<pid>/status. */
function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS line for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * A Print-Job body: `header`, then `bytes` of document made of one repeated 1 MiB block, hashed as it is
 * generated so the test holds nothing but that block. `sha256()` is the document's hash once the stream ended.
 */
function repeatedDocumentStream(header: Buffer, bytes: number) {
  const block = randomBytes(MIB);
  const hash = createHash('sha256');
  let remaining = bytes;
  let headerSent = false;
  const stream = new Readable({
    read() {
      if (!headerSent) {
        headerSent = true;
        this.push(header);
        return;
      }
      if (remaining === 0) {
        this.push(null);
        return;
      }
      const chunk = remaining >= block.length ? block : block.subarray(0, remaining);
      remaining -= chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, sha256: () => hash.digest('hex') };
}

/** Samples a process's RSS every {@link RSS_SAMPLE_MS} until stopped, keeping the highest value. */
function sampleResident(pid: number) {
  let peak = residentBytes(pid);
  let samples = 1;
  const timer = setInterval(() => {
    peak = Math.max(peak, residentBytes(pid));
    samples += 1;
  }, RSS_SAMPLE_MS);
  return {
    stop(): { peak: number; samples: number } {
      clearInterval(timer);
      return { peak: Math.max(peak, residentBytes(pid)), samples: samples + 1 };
    },
  };
}

describe('intake memory and size limit, against the site process', function () {
  this.timeout(120_000);

  describe('a 2 GiB job streamed over IPP', () => {
    let site: { process: ManagedProcess; url: string; ippPort: number } | undefined;
    let dataDir: string | undefined;

    after(async () => {
      await site?.process.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('arrives whole while the site RSS rises by at most 100 MB', async () => {
      dataDir = tempDataDir('intake-memory');
      site = await startSite({ name: 'memory', dataDir, env: { QUIRE_JOBS_MAX_SIZE_MB: '4096' } });
      const printerUri = `ipp://127.0.0.1:${site.ippPort}/printers/Default`;
      const header = (jobName: string) =>
        printJobHeader({ printerUri, user: 'big', jobName, documentFormat: 'application/octet-stream' });
      // One small job first, so code loaded on first use is in the baseline rather than counted as growth.
      const warmUp = await ippRequest(
        printerUri,
        Buffer.concat([header('warm-up'), randomBytes(MIB)]),
        30_000,
      );
      expect(warmUp.status).to.equal(IppStatus.SuccessfulOk);

      const body = repeatedDocumentStream(header('two-gib'), BIG_JOB_BYTES);
      const baseline = residentBytes(site.process.pid);
      const sampler = sampleResident(site.process.pid);
      const started = Date.now();
      let sampled: { peak: number; samples: number };
      try {
        const answer = await ippRequest(printerUri, body.stream, 100_000);
        expect(answer.status, answer.statusMessage).to.equal(IppStatus.SuccessfulOk);
      } finally {
        sampled = sampler.stop();
      }
      const uploadMs = Date.now() - started;
      const { peak, samples } = sampled;
      // A sampler starved by the upload would see nothing; demand at least one sample per 500 ms of upload.
      expect(samples, 'RSS samples taken').to.be.at.least(Math.floor(uploadMs / 500));
      const rise = peak - baseline;
      expect(rise, `RSS rise (baseline ${baseline} B, peak ${peak} B)`).to.be.at.most(MAX_RSS_RISE_BYTES);

      const token = await adminToken(site.url);
      // Acknowledged in `processing`, the job is routed once analysed.
      const [job, ...others] = await waitFor('the 2 GiB job to be analysed', async () => {
        const jobs = (await listJobs(site!.url, token, { owner: 'big' })).filter((j) => j.name === 'two-gib');
        return jobs.some((j) => j.state === 'processing') ? undefined : jobs;
      });
      expect(others).to.deep.equal([]);
      expect(job).to.include({
        state: 'ready',
        queue: 'Default',
        sizeBytes: BIG_JOB_BYTES,
        sha256: body.sha256(),
      });
      const file = spooledDocumentOf(dataDir, job.id);
      expect(file, 'the spooled document').to.be.a('string');
      expect(statSync(file as string).size).to.equal(BIG_JOB_BYTES);
      // The figure is worth seeing next to the limit when the test passes, too.
      process.stdout.write(
        `      2 GiB job: RSS rose by ${(rise / 1e6).toFixed(1)} MB (limit 100 MB; ${samples} samples, ` +
          `${(uploadMs / 1000).toFixed(1)} s)\n`,
      );
    });
  });

  describe('a job over jobs.maxSizeMb', () => {
    let site: { process: ManagedProcess; url: string; ippPort: number } | undefined;
    let dataDir: string | undefined;

    after(async () => {
      await site?.process.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('is refused with client-error-request-entity-too-large and leaves nothing behind', async () => {
      dataDir = tempDataDir('intake-limit');
      site = await startSite({ name: 'limit', dataDir, env: { QUIRE_JOBS_MAX_SIZE_MB: '1' } });
      const printerUri = `ipp://127.0.0.1:${site.ippPort}/printers/Default`;
      const document = randomBytes(3 * MIB);
      const request = (jobName: string) =>
        Buffer.concat([
          printJobHeader({
            printerUri,
            user: 'toolarge',
            jobName,
            documentFormat: 'application/octet-stream',
          }),
          document,
        ]);
      const withLength = await ippRequest(printerUri, request('with-length'), 30_000);
      const chunked = await ippRequest(printerUri, Readable.from([request('chunked')]), 30_000);
      for (const answer of [withLength, chunked]) {
        expect(answer.status, answer.statusMessage).to.equal(IppStatus.ClientErrorRequestEntityTooLarge);
        expect(answer.statusMessage).to.match(/1 MiB/);
      }

      const token = await adminToken(site.url);
      expect(await listJobs(site.url, token)).to.deep.equal([]);
      expect(spoolContents(dataDir)).to.deep.equal({ partFiles: [], documents: [], lpdAheadFiles: [] });

      // The limit refuses only what is too large: a job under it still goes through.
      const small = randomBytes(MIB / 2);
      const header = printJobHeader({
        printerUri,
        user: 'toolarge',
        jobName: 'small',
        documentFormat: 'application/octet-stream',
      });
      const accepted = await ippRequest(printerUri, Buffer.concat([header, small]), 30_000);
      expect(accepted.status).to.equal(IppStatus.SuccessfulOk);
      const jobs = await listJobs(site.url, token);
      expect(jobs.map((job) => [job.name, job.sha256])).to.deep.equal([['small', sha256Hex(small)]]);
    });
  });
});
