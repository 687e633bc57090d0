/**
 * Hand-made print clients and probes for the intake end-to-end tests: an IPP client built on Quire's own codec
 * (so a test sees the exact status code and status-message, and knows precisely when a job was acknowledged),
 * an RFC 1179 LPD sender that reports each acknowledgement byte, small valid PDFs, the jobs REST API as admin,
 * and a look at the spool directory on disk.
 *
 * The real CUPS clients (lp, lpadmin, the lpd backend, ipptool) are run by the tests themselves; these helpers
 * exist for what those cannot tell: whether and when the server said yes.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { type Readable } from 'node:stream';
import {
  decodeIppHeader,
  decodeIppMessage,
  encodeIppMessage,
  IppMessage,
  IppOperation,
  IppTag,
  IppValues,
} from '@quire/common';
import { api } from './servers';

/** A job as `GET /api/v1/jobs` returns it (the fields these tests read). */
export interface JobJson {
  id: string;
  name: string;
  owner: string;
  queue: string;
  state: string;
  sizeBytes: number;
  sha256: string;
  protocol: string;
  clientAddress: string;
  copies: number;
}

/** Lower-case hex SHA-256 of `data`. */
export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A valid one-page PDF with `text` on it, padded with comment lines to at least `minBytes`, with a correct
 * xref table, so cupsd's filters (which do parse it) accept it.
 */
export function minimalPdf(text: string, minBytes = 0): Buffer {
  const content = `BT /F1 24 Tf 72 720 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const padLine = `% ${'padding '.repeat(12)}\n`;
  while (pdf.length + 1024 < minBytes) pdf += padLine;
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(Buffer.byteLength(pdf));
    pdf += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(pdf);
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/** Poll `probe` until it yields a value, failing with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Every job matching `filter` (owner, queue, state), walking all pages of `GET /api/v1/jobs`. */
export async function listJobs(
  siteUrl: string,
  token: string,
  filter: Record<string, string> = {},
): Promise<JobJson[]> {
  const jobs: JobJson[] = [];
  for (let offset: number | null = 0; offset !== null;) {
    const query = new URLSearchParams({ ...filter, limit: '500', offset: String(offset) });
    const page: { jobs: JobJson[]; nextOffset: number | null } = await api(
      siteUrl,
      'GET',
      `/api/v1/jobs?${query.toString()}`,
      token,
    );
    jobs.push(...page.jobs);
    offset = page.nextOffset;
  }
  return jobs;
}

/** What a Print-Job carries besides its document. */
export interface PrintJobOptions {
  printerUri: string;
  user: string;
  jobName: string;
  documentFormat?: string;
}

/** The encoded IPP part of a Print-Job request; the document bytes follow it in the HTTP body. */
export function printJobHeader(options: PrintJobOptions): Buffer {
  const message = new IppMessage({ major: 2, minor: 0 }, IppOperation.PrintJob, 1);
  message
    .addGroup(IppTag.OperationAttributes)
    .add('attributes-charset', IppValues.charset('utf-8'))
    .add('attributes-natural-language', IppValues.naturalLanguage('en'))
    .add('printer-uri', IppValues.uri(options.printerUri))
    .add('requesting-user-name', IppValues.name(options.user))
    .add('job-name', IppValues.name(options.jobName))
    .add('document-format', IppValues.mimeMediaType(options.documentFormat ?? 'application/pdf'));
  return encodeIppMessage(message);
}

/** An IPP response: its status code, its status-message when it has one, and its job-id. */
export interface IppAnswer {
  status: number;
  statusMessage: string | undefined;
  jobId: number | undefined;
}

function answerOf(body: Buffer): IppAnswer {
  const header = decodeIppHeader(body);
  if (!header) throw new Error(`the IPP response has only ${body.length} bytes`);
  try {
    const { message } = decodeIppMessage(body);
    return {
      status: header.code,
      statusMessage: message.operation?.getString('status-message'),
      jobId: message.group(IppTag.JobAttributes)?.getInteger('job-id'),
    };
  } catch {
    return { status: header.code, statusMessage: undefined, jobId: undefined };
  }
}

/** The http:// URL an `ipp://` printer URI is served at. */
export function httpUrlOf(printerUri: string): string {
  return printerUri.replace(/^ipp:/, 'http:');
}

/**
 * POST one IPP request (`body`: a buffer sent with Content-Length, or a stream sent chunked) on its own
 * connection and resolve with the decoded answer. A server may answer before it has read the whole body (a
 * refused job); the answer still counts, and the failure to write the rest is ignored. Rejects when no answer
 * arrives (connection error, or `timeoutMs`).
 */
export function ippRequest(
  printerUri: string,
  body: Buffer | Readable,
  timeoutMs: number,
): Promise<IppAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, answer?: IppAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(answer as IppAnswer);
    };
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/ipp' };
    if (Buffer.isBuffer(body)) headers['content-length'] = body.length;
    const req = http.request(httpUrlOf(printerUri), { method: 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (err) => settle(err));
      res.on('end', () => {
        if (res.statusCode !== 200)
          return settle(new Error(`HTTP ${res.statusCode} instead of an IPP answer`));
        try {
          settle(undefined, answerOf(Buffer.concat(chunks)));
        } catch (err) {
          settle(err as Error);
        }
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no IPP answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (err) => settle(err));
    if (Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      body.on('error', (err) => req.destroy(err));
      body.pipe(req);
    }
  });
}

/** Reads single acknowledgement bytes from an LPD connection, each with a deadline. */
class AckReader {
  private buffered: number[] = [];
  private waiting: ((byte: number | null) => void) | undefined;
  private ended = false;

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered.push(...chunk);
      this.flush();
    });
    socket.on('close', () => {
      this.ended = true;
      this.flush();
    });
  }

  private flush(): void {
    if (!this.waiting) return;
    if (this.buffered.length > 0) this.take(this.buffered.shift() as number);
    else if (this.ended) this.take(null);
  }

  private take(byte: number | null): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(byte);
  }

  /** The next byte, or null when the connection closed first; rejects after `timeoutMs`. */
  next(timeoutMs: number): Promise<number | null> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`no LPD acknowledgement within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = (byte) => {
        clearTimeout(timer);
        resolve(byte);
      };
      this.flush();
    });
  }
}

/** An LPD print job to send. */
export interface LpdJob {
  queue: string;
  user: string;
  jobName: string;
  document: Buffer;
  /** Print lines naming the data file; 1 by default. */
  copies?: number;
  /** RFC 1179 allows either file first; the server then holds the data until the control file names it. */
  order?: 'control-first' | 'data-first';
}

/** How an LPD submission ended: `acked` means the ack byte 0 after the job's last file (the commit) arrived. */
export interface LpdOutcome {
  acked: boolean;
  /** The step that got a negative ack or no ack, when not acked. */
  failedAt?: string;
  /** The negative ack byte, when the server said no. */
  nack?: number;
  error?: string;
}

/** The control file of `job` for data file `dataFile`: host, user, names, one `l` line per copy. */
function controlFileOf(job: LpdJob, dataFile: string): Buffer {
  const lines = ['He2e-client', `P${job.user}`, `J${job.jobName}`, `N${job.jobName}`];
  for (let copy = 0; copy < (job.copies ?? 1); copy += 1) lines.push(`l${dataFile}`);
  lines.push(`U${dataFile}`);
  return Buffer.from(`${lines.join('\n')}\n`, 'latin1');
}

/**
 * Send `job` to an LPD server as RFC 1179 receive-job (control file first unless `order` says otherwise),
 * waiting for every acknowledgement byte. Never rejects: a refusal, a dropped connection or a timeout is the
 * outcome.
 */
export async function lpdSubmit(port: number, job: LpdJob, timeoutMs = 30_000): Promise<LpdOutcome> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  const acks = new AckReader(socket);
  const dataFile = 'dfA001e2e-client';
  const control = controlFileOf(job, dataFile);
  const controlSteps: Array<[string, Buffer]> = [
    ['control file subcommand', Buffer.from(`\x02${control.length} cfA001e2e-client\n`, 'latin1')],
    ['control file', Buffer.concat([control, Buffer.alloc(1)])],
  ];
  const dataSteps: Array<[string, Buffer]> = [
    ['data file subcommand', Buffer.from(`\x03${job.document.length} ${dataFile}\n`, 'latin1')],
    ['data file', Buffer.concat([job.document, Buffer.alloc(1)])],
  ];
  const steps: Array<[string, Buffer]> = [
    ['receive-job command', Buffer.from(`\x02${job.queue}\n`, 'latin1')],
    ...(job.order === 'data-first' ? [...dataSteps, ...controlSteps] : [...controlSteps, ...dataSteps]),
  ];
  try {
    for (const [step, bytes] of steps) {
      socket.write(bytes);
      const ack = await acks.next(timeoutMs);
      if (ack === null) return { acked: false, failedAt: step, error: 'connection closed' };
      if (ack !== 0) return { acked: false, failedAt: step, nack: ack };
    }
    return { acked: true };
  } catch (err) {
    return { acked: false, failedAt: 'waiting', error: (err as Error).message };
  } finally {
    socket.end();
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}

/** Files below `dir` (relative paths), or [] when it does not exist. */
function filesBelow(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** What a site's spool (`<dataDir>/spool`) holds. */
export interface SpoolContents {
  /**
   * Partial uploads (`tmp/*.part` holding data). Empty ones are the site's reserve of temp files made ahead of
   * need, not uploads.
   */
  partFiles: string[];
  /** Complete documents (`jobs/<yyyy>/<mm>/<id>.prn`). */
  documents: string[];
  /** LPD data files still waiting for their control file (`lpd-ahead/`). */
  lpdAheadFiles: string[];
}

/** What a site's spool (`<dataDir>/spool`) holds: partial uploads, complete documents, LPD spool-ahead files. */
export function spoolContents(dataDir: string): SpoolContents {
  const spool = path.join(dataDir, 'spool');
  return {
    partFiles: filesBelow(path.join(spool, 'tmp')).filter(
      (file) =>
        file.endsWith('.part') &&
        (statSync(path.join(spool, 'tmp', file), { throwIfNoEntry: false })?.size ?? 0) > 0,
    ),
    documents: filesBelow(path.join(spool, 'jobs')).filter((file) => file.endsWith('.prn')),
    lpdAheadFiles: filesBelow(path.join(spool, 'lpd-ahead')),
  };
}

/** The absolute path of the spooled document of job `jobId`, found by its file name `<id>.prn`. */
export function spooledDocumentOf(dataDir: string, jobId: string): string | undefined {
  const jobsDir = path.join(dataDir, 'spool', 'jobs');
  const file = filesBelow(jobsDir).find((name) => path.basename(name) === `${jobId}.prn`);
  return file === undefined ? undefined : path.join(jobsDir, file);
}
