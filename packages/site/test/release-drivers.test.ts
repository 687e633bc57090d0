/**
 * The printer output drivers against real receivers: the testkit's raw and LPD sinks and CUPS's ippeveprinter.
 * Each driver must deliver exactly prefix + file[skipBytes:] + suffix, and each kind of printer failure must
 * end in the reason the job's state_reason starts with.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  freePort,
  type IppEvePrinter,
  startIppEvePrinter,
  startLpdSink,
  startRawSink,
  startUnacceptingPort,
} from '@quire/testkit';
import { type OutputDocument, type OutputTimeouts, PrinterOutputError } from '../src/release/output-driver';
import { outputDrivers } from '../src/release/output-drivers';
import { lpdJobFiles } from '../src/release/output-lpr';
import { parsePrinterUri } from '../src/release/printer-uri';
import { PdfBuilder, streamBody } from './pdl-pdf-builder';

const MIB = 1024 * 1024;
const TIMEOUTS: OutputTimeouts = { connectMs: 2_000, idleMs: 500, totalMs: 60_000 };
const PREFIX = Buffer.from('\x1b%-12345X@PJL JOB NAME="quire"\r\n@PJL SET DUPLEX=ON\r\n', 'latin1');
const SUFFIX = Buffer.from('\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X', 'latin1');

/** A spool file on disk and the sha256 of what a driver must deliver from it. */
interface SpoolFixture {
  document: OutputDocument;
  expectedSha256: string;
  expectedBytes: number;
}

/** Write `blocks` (streamed, never all in memory) to a spool file and describe what must arrive. */
async function spoolFile(
  dir: string,
  name: string,
  blocks: Iterable<Buffer>,
  skipBytes: number,
): Promise<SpoolFixture> {
  const file = path.join(dir, name);
  const out = createWriteStream(file);
  const expected = createHash('sha256').update(PREFIX);
  let written = 0;
  for (const block of blocks) {
    const kept = block.subarray(Math.max(0, Math.min(block.length, skipBytes - written)));
    expected.update(kept);
    written += block.length;
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  expected.update(SUFFIX);
  return {
    document: {
      path: file,
      prefix: PREFIX,
      skipBytes,
      suffix: SUFFIX,
      jobNumber: 12345,
      jobName: 'Quarterly report.pdf',
      userName: 'alice',
      hostName: 'site-a.branch.example',
      documentFormat: 'application/vnd.hp-pcl',
    },
    expectedSha256: expected.digest('hex'),
    expectedBytes: PREFIX.length + written - skipBytes + SUFFIX.length,
  };
}

function* randomBlocks(totalBytes: number): Generator<Buffer> {
  for (let left = totalBytes; left > 0; left -= MIB) yield randomBytes(Math.min(MIB, left));
}

/** A real PDF of a few MB: one page showing an uncompressed random RGB image, behind an old PJL header. */
function pdfBlocks(oldHeader: Buffer): Buffer[] {
  const pdf = new PdfBuilder()
    .add(1, '<< /Type /Catalog /Pages 2 0 R >>')
    .add(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>')
    .add(
      3,
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> >>',
    )
    .add(4, streamBody('', 'q 500 0 0 500 47 171 cm /Im1 Do Q'))
    .add(
      5,
      streamBody(
        '/Type /XObject /Subtype /Image /Width 1024 /Height 1024 /ColorSpace /DeviceRGB /BitsPerComponent 8',
        randomBytes(3 * MIB),
        { raw: true },
      ),
    )
    .build(1);
  return [oldHeader, pdf];
}

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

async function failureOf(promise: Promise<unknown>): Promise<PrinterOutputError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(PrinterOutputError);
    return err as PrinterOutputError;
  }
  throw new Error('the send succeeded');
}

describe('printer output drivers', function () {
  this.timeout(120_000);
  let dir: string;
  let random: SpoolFixture;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'quire-release-drivers-'));
    random = await spoolFile(dir, 'random.prn', randomBlocks(6 * MIB + 12_345), 4_321);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('raw (AppSocket)', () => {
    const raw = outputDrivers.raw;

    it('delivers prefix, file from skipBytes and suffix byte for byte', async () => {
      const sink = await startRawSink();
      try {
        const result = await raw.send(
          { protocol: 'raw', host: sink.host, port: sink.port },
          random.document,
          TIMEOUTS,
        );
        expect(result.bytesSent).to.equal(random.expectedBytes);
        const [job] = await sink.waitForJobs(1);
        expect(job.bytes).to.equal(random.expectedBytes);
        expect(job.sha256).to.equal(random.expectedSha256);
        expect(await sha256Of(job.file)).to.equal(random.expectedSha256);
      } finally {
        await sink.stop();
      }
    });

    it('streams 100 MB byte for byte', async () => {
      const big = await spoolFile(dir, 'big.prn', randomBlocks(100 * MIB), 777);
      const sink = await startRawSink();
      try {
        const result = await raw.send(
          { protocol: 'raw', host: sink.host, port: sink.port },
          big.document,
          TIMEOUTS,
        );
        expect(result.bytesSent).to.equal(big.expectedBytes);
        const [job] = await sink.waitForJobs(1);
        expect(job.bytes).to.equal(big.expectedBytes);
        expect(job.sha256).to.equal(big.expectedSha256);
      } finally {
        await sink.stop();
        await rm(big.document.path, { force: true });
      }
    });

    it("is 'printer unreachable' when nothing listens", async () => {
      const port = await freePort();
      const error = await failureOf(
        raw.send({ protocol: 'raw', host: '127.0.0.1', port }, random.document, TIMEOUTS),
      );
      expect(error.reason).to.equal('printer unreachable');
      expect(error.message).to.match(/^printer unreachable: .*127\.0\.0\.1/);
    });

    it("is 'printer unreachable' when the connection cannot be made within connectMs", async () => {
      const port = await startUnacceptingPort();
      try {
        const started = Date.now();
        const target = { protocol: 'raw', host: port.host, port: port.port } as const;
        const error = await failureOf(raw.send(target, random.document, TIMEOUTS));
        expect(error.reason).to.equal('printer unreachable');
        expect(error.message).to.match(/no connection to 127\.0\.0\.1:\d+ within 2000 ms/);
        expect(Date.now() - started).to.be.within(TIMEOUTS.connectMs, TIMEOUTS.connectMs + 2_000);
      } finally {
        await port.stop();
      }
    });

    for (const kind of ['reset', 'close'] as const) {
      it(`is 'refused' when the printer ${kind === 'reset' ? 'resets' : 'closes'} mid-job`, async () => {
        const sink = await startRawSink({ failure: { kind, afterBytes: MIB } });
        try {
          const target = { protocol: 'raw', host: sink.host, port: sink.port } as const;
          const error = await failureOf(raw.send(target, random.document, TIMEOUTS));
          expect(error.reason).to.equal('refused');
          const [job] = await sink.waitForJobs(1);
          expect(job.bytes).to.equal(MIB);
        } finally {
          await sink.stop();
        }
      });
    }

    it("is 'timeout' after idleMs when the printer stops reading", async () => {
      const sink = await startRawSink({ failure: { kind: 'stall', afterBytes: 64 * 1024 } });
      try {
        const started = Date.now();
        const target = { protocol: 'raw', host: sink.host, port: sink.port } as const;
        const error = await failureOf(raw.send(target, random.document, TIMEOUTS));
        const elapsed = Date.now() - started;
        expect(error.reason).to.equal('timeout');
        expect(error.message).to.match(/no progress for 500 ms \(\d+ of \d+ bytes sent\)/);
        expect(elapsed).to.be.within(TIMEOUTS.idleMs, TIMEOUTS.idleMs + 3_000);
      } finally {
        await sink.stop();
      }
    });

    it("is 'timeout' when the site stops (abort signal) mid-send", async () => {
      const sink = await startRawSink({ failure: { kind: 'stall', afterBytes: 64 * 1024 } });
      try {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        const target = { protocol: 'raw', host: sink.host, port: sink.port } as const;
        const patient = { ...TIMEOUTS, idleMs: 30_000 };
        const error = await failureOf(raw.send(target, random.document, patient, controller.signal));
        expect(error.reason).to.equal('timeout');
        expect(error.message).to.match(/site is stopping/);
      } finally {
        await sink.stop();
      }
    });
  });

  describe('LPD (RFC 1179)', () => {
    const lpr = outputDrivers.lpr;

    it('queues the data file byte for byte with H, P, J, l, U and N control lines', async () => {
      const sink = await startLpdSink();
      try {
        const target = { protocol: 'lpr', host: sink.host, port: sink.port, queue: 'PASSTHRU' } as const;
        const result = await lpr.send(target, random.document, TIMEOUTS);
        expect(result.bytesSent).to.equal(random.expectedBytes);
        const [job] = await sink.waitForJobs(1);
        expect(job.queue).to.equal('PASSTHRU');
        expect(job.controlFileName).to.equal('cfA345site-a.branch.e');
        expect(job.controlLines).to.deep.equal([
          'Hsite-a.branch.example',
          'Palice',
          'JQuarterly report.pdf',
          'ldfA345site-a.branch.e',
          'UdfA345site-a.branch.e',
          'NQuarterly report.pdf',
        ]);
        expect(job.dataFiles).to.have.length(1);
        expect(job.dataFiles[0].name).to.equal('dfA345site-a.branch.e');
        expect(job.dataFiles[0].bytes).to.equal(random.expectedBytes);
        expect(job.dataFiles[0].sha256).to.equal(random.expectedSha256);
      } finally {
        await sink.stop();
      }
    });

    it('keeps control lines single-line and within RFC 1179 lengths', () => {
      const files = lpdJobFiles({
        ...random.document,
        jobNumber: 7,
        jobName: `evil\nPmallory\n${'x'.repeat(200)}`,
        userName: 'bob\r\nHelsewhere',
      });
      const lines = files.controlFile.split('\n');
      expect(lines[1]).to.equal('Pbob  Helsewhere');
      expect(lines[2]).to.have.length(100);
      expect(lines[2].startsWith('Jevil Pmallory x')).to.equal(true);
      expect(lines.filter((line) => line.startsWith('P'))).to.have.length(1);
      expect(files.dataFileName).to.equal('dfA007site-a.branch.e');
    });

    it("is 'refused', naming the queue, when the server refuses the queue", async () => {
      const sink = await startLpdSink({ refuseQueues: ['closed'] });
      try {
        const target = { protocol: 'lpr', host: sink.host, port: sink.port, queue: 'closed' } as const;
        const error = await failureOf(lpr.send(target, random.document, TIMEOUTS));
        expect(error.reason).to.equal('refused');
        expect(error.message).to.match(/queue "closed" \(ack 1\)/);
        expect(sink.refusedQueues()).to.deep.equal(['closed']);
        expect(sink.jobs()).to.have.length(0);
      } finally {
        await sink.stop();
      }
    });

    it("is 'printer unreachable' when nothing listens", async () => {
      const port = await freePort();
      const target = { protocol: 'lpr', host: '127.0.0.1', port, queue: 'raw' } as const;
      const error = await failureOf(lpr.send(target, random.document, TIMEOUTS));
      expect(error.reason).to.equal('printer unreachable');
    });
  });

  describe('IPP (ippeveprinter)', () => {
    const ipp = outputDrivers.ipp;
    let printer: IppEvePrinter;
    let pdf: SpoolFixture;

    before(async () => {
      printer = await startIppEvePrinter();
      const oldHeader = Buffer.from('\x1b%-12345X@PJL ENTER LANGUAGE=PDF\r\n', 'latin1');
      pdf = await spoolFile(dir, 'document.pdf', pdfBlocks(oldHeader), oldHeader.length);
      pdf.document.documentFormat = 'application/pdf';
    });

    after(async () => {
      await printer.stop();
    });

    for (const secure of [false, true]) {
      it(`prints a PDF over ${secure ? 'ipps' : 'ipp'}; the stored file is byte-identical and the job completed`, async () => {
        const before = (await printer.receivedFiles()).length;
        const target = parsePrinterUri(secure ? printer.secureUri : printer.uri);
        const result = await ipp.send(target, pdf.document, TIMEOUTS);
        expect(result.bytesSent).to.equal(pdf.expectedBytes);
        expect(result.printerJobId).to.be.greaterThan(0);
        expect(result.detail).to.match(/job-completed-successfully/);
        const files = await printer.waitForFiles(before + 1);
        const stored = files[files.length - 1];
        expect(await sha256Of(stored)).to.equal(pdf.expectedSha256);
        const env = await printer.jobEnvironment(stored);
        expect(env.IPP_JOB_ID).to.equal(String(result.printerJobId));
        expect(env.IPP_JOB_NAME).to.equal('Quarterly report.pdf');
        expect(env.IPP_JOB_ORIGINATING_USER_NAME).to.equal('alice');
        expect(env.IPP_DOCUMENT_FORMAT_SUPPLIED).to.equal('application/pdf');
      });
    }

    it('sends application/octet-stream when the printer does not list the document format', async () => {
      const before = (await printer.receivedFiles()).length;
      // Without the PJL prefix the document starts with %PDF, which ippeveprinter recognises in octet-stream.
      const document = { ...pdf.document, prefix: Buffer.alloc(0), documentFormat: 'application/x-unlisted' };
      await ipp.send(parsePrinterUri(printer.uri), document, TIMEOUTS);
      const files = await printer.waitForFiles(before + 1);
      const env = await printer.jobEnvironment(files[files.length - 1]);
      expect(env.IPP_DOCUMENT_FORMAT_SUPPLIED).to.equal('application/octet-stream');
    });

    it("is 'refused' with the IPP status for a wrong printer path", async () => {
      const target = { ...parsePrinterUri(printer.uri), path: '/ipp/nowhere' };
      const error = await failureOf(ipp.send(target, pdf.document, TIMEOUTS));
      expect(error.reason).to.equal('refused');
      expect(error.message).to.match(/client-error-not-found/);
    });

    it("is 'printer unreachable' when nothing listens", async () => {
      const port = await freePort();
      const target = { protocol: 'ipp', host: '127.0.0.1', port, path: '/ipp/print' } as const;
      const error = await failureOf(ipp.send(target, pdf.document, TIMEOUTS));
      expect(error.reason).to.equal('printer unreachable');
    });
  });
});
