/**
 * Test support for the IPP listener: an in-memory JobIntake (jobs numbered from 1, documents read fully and
 * hashed, queues `Default` online and `Offline` offline), a started listener on 127.0.0.1, and a small IPP
 * client over real HTTP built on our own encoder.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { type Readable } from 'node:stream';
import {
  createSilentLogger,
  decodeIppMessage,
  encodeIppMessage,
  ErrorCode,
  type IppAttributeGroup,
  IppMessage,
  IppOperation,
  IppTag,
  IppValues,
  QuireError,
} from '@quire/common';
import { IppListener, type IppListenerOptions } from '../src/intake/ipp';
import {
  type IncomingJob,
  type JobIntake,
  type JobListFilter,
  type JobView,
  type QueueSummary,
  type Requester,
} from '../src/intake/intake-port';
import { matchesJobFilter } from './intake-double-filter';

/** A stored job: its view plus the document bytes and the IncomingJob it came from. */
export interface StoredJob {
  view: JobView;
  incoming: IncomingJob;
  document: Buffer;
}

/** The JobIntake double. */
export class MemoryJobIntake implements JobIntake {
  readonly queues: QueueSummary[] = [
    {
      id: '0190a5b2-7c3e-7d4f-8a9b-0c1d2e3f4a5b',
      name: 'Default',
      type: 'pull',
      online: true,
      description: 'Pull queue',
    },
    { id: 'offline-queue', name: 'Offline', type: 'direct', online: false, description: 'Switched off' },
  ];
  readonly jobs: StoredJob[] = [];
  /** Documents larger than this are refused with JOB_TOO_LARGE while streaming. */
  maxBytes = 50 * 1024 * 1024;
  /** Owners the (pretend) directory knows; others are refused with JOB_OWNER_UNKNOWN when `rejectUnknown`. */
  rejectUnknownOwners = false;
  knownOwners = new Set<string>(['alice', 'bob']);

  private find(name: string): QueueSummary | undefined {
    return this.queues.find((q) => q.name.toLowerCase() === name.toLowerCase());
  }

  async checkQueue(queueName: string): Promise<QueueSummary> {
    const queue = this.find(queueName);
    if (!queue) throw new QuireError(ErrorCode.QueueNotFound, `No queue named "${queueName}".`);
    if (!queue.online) throw new QuireError(ErrorCode.QueueOffline, `Queue "${queue.name}" is offline.`);
    return queue;
  }

  async listQueues(): Promise<QueueSummary[]> {
    return [...this.queues];
  }

  async submit(job: IncomingJob, document: Readable): Promise<JobView> {
    const queue = await this.checkQueue(job.queueName);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of document) {
      size += (chunk as Buffer).length;
      if (size > this.maxBytes) {
        document.destroy();
        throw new QuireError(ErrorCode.JobTooLarge, `The job is larger than ${this.maxBytes} bytes.`);
      }
      chunks.push(chunk as Buffer);
    }
    const owner = job.senderUser ?? '*unauthenticated';
    if (this.rejectUnknownOwners && !this.knownOwners.has(owner)) {
      throw new QuireError(ErrorCode.JobOwnerUnknown, `"${owner}" is not a known user.`);
    }
    const bytes = Buffer.concat(chunks);
    const now = new Date();
    const view: JobView = {
      id: `job-${this.jobs.length + 1}`,
      number: this.jobs.length + 1,
      name: job.jobName ?? 'untitled',
      owner,
      queueName: queue.name,
      state: job.holdRequested ? 'paused' : 'ready',
      stateReason: null,
      protocol: job.protocol,
      clientAddress: job.clientAddress,
      submittedAt: now,
      processedAt: now,
      completedAt: null,
      sizeBytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      documentFormat: job.documentFormat,
      pdl: null,
      pages: null,
      colorPages: null,
      monoPages: null,
      copies: job.copies,
      duplex: null,
      paper: null,
      impressions: null,
      sheets: null,
      analysis: null,
    };
    this.jobs.push({ view, incoming: job, document: bytes });
    return { ...view };
  }

  async findJob(number: number): Promise<JobView | null> {
    const stored = this.jobs.find((j) => j.view.number === number);
    return stored ? { ...stored.view } : null;
  }

  async listJobs(filter: JobListFilter): Promise<JobView[]> {
    return this.jobs
      .map((j) => j.view)
      .filter((v) => matchesJobFilter(v, filter, 'all'))
      .reverse()
      .slice(0, filter.limit ?? Infinity)
      .map((v) => ({ ...v }));
  }

  async countJobs(filter: JobListFilter): Promise<number> {
    return this.jobs.filter((j) => matchesJobFilter(j.view, filter, 'all')).length;
  }

  private owned(number: number, requester: Requester): JobView {
    const stored = this.jobs.find((j) => j.view.number === number);
    if (!stored) throw new QuireError(ErrorCode.JobNotFound, `No job ${number}.`);
    if (!requester.isAdmin && stored.view.owner !== requester.user) {
      throw new QuireError(ErrorCode.Forbidden, `Job ${number} belongs to another user.`);
    }
    return stored.view;
  }

  async cancelJob(number: number, requester: Requester): Promise<JobView> {
    const view = this.owned(number, requester);
    if (['printed', 'failed', 'deleted'].includes(view.state)) {
      throw new QuireError(ErrorCode.JobStateConflict, `Job ${number} is ${view.state}.`);
    }
    view.state = 'deleted';
    view.completedAt = new Date();
    return { ...view };
  }

  async holdJob(number: number, requester: Requester): Promise<JobView> {
    const view = this.owned(number, requester);
    if (view.state !== 'ready')
      throw new QuireError(ErrorCode.JobStateConflict, `Job ${number} is ${view.state}.`);
    view.state = 'paused';
    return { ...view };
  }

  async releaseHeldJob(number: number, requester: Requester): Promise<JobView> {
    const view = this.owned(number, requester);
    if (view.state !== 'paused')
      throw new QuireError(ErrorCode.JobStateConflict, `Job ${number} is ${view.state}.`);
    view.state = 'ready';
    return { ...view };
  }
}

/** A running listener with its double. */
export interface TestIppServer {
  listener: IppListener;
  intake: MemoryJobIntake;
  port: number;
  printerUri: (queue?: string) => string;
  stop(): Promise<void>;
}

/** Start an IppListener on 127.0.0.1 with a fresh MemoryJobIntake. */
export async function startTestIppServer(options: Partial<IppListenerOptions> = {}): Promise<TestIppServer> {
  const intake = new MemoryJobIntake();
  const listener = new IppListener({
    intake,
    logger: createSilentLogger(),
    host: '127.0.0.1',
    port: 0,
    ...options,
  });
  const port = await listener.start();
  return {
    listener,
    intake,
    port,
    printerUri: (queue = 'Default') => `ipp://127.0.0.1:${port}/printers/${queue}`,
    stop: () => listener.stop(),
  };
}

/** A request with the charset, natural language, printer-uri and (optionally) requesting-user-name. */
export function ippRequest(
  operation: number,
  printerUri: string | null,
  user?: string,
  requestId = 1,
): IppMessage {
  const message = new IppMessage({ major: 2, minor: 0 }, operation, requestId);
  const group = message
    .addGroup(IppTag.OperationAttributes)
    .add('attributes-charset', IppValues.charset('utf-8'))
    .add('attributes-natural-language', IppValues.naturalLanguage('en'));
  if (printerUri) group.add('printer-uri', IppValues.uri(printerUri));
  if (user) group.add('requesting-user-name', IppValues.name(user));
  return message;
}

/** What came back over HTTP. */
export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** POST raw bytes to the listener; `chunked` sends without Content-Length. */
export function postBytes(
  port: number,
  body: Buffer,
  options: { path?: string; headers?: Record<string, string>; chunked?: boolean; agent?: http.Agent } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/ipp',
      ...options.headers,
    };
    if (!options.chunked) headers['Content-Length'] = body.length;
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: options.path ?? '/printers/Default',
        headers,
        agent: options.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.chunked) {
      for (let i = 0; i < body.length; i += 7000) req.write(body.subarray(i, i + 7000));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** Send an IPP request (with an optional document) and decode the response. */
export async function sendIpp(
  port: number,
  message: IppMessage,
  document?: Buffer,
  options: Parameters<typeof postBytes>[2] = {},
): Promise<IppMessage> {
  const answer = await postBytes(port, encodeIppMessage(message, document), options);
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.body.toString()}`);
  return decodeIppMessage(answer.body).message;
}

/** A tiny valid one-page PDF, written by hand so the tests need no PDF tool. */
export function minimalPdf(text = 'Quire test page'): Buffer {
  const stream = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(pdf.length);
    pdf += `${index + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

/** Attribute values of a response, by name (and group). */
export const attributeValues = (message: IppMessage, name: string, group?: number) =>
  message.find(name, group)?.values.map((value) => value.value);

/** The status-message of a response. */
export const statusMessageOf = (message: IppMessage) => message.operation?.getString('status-message') ?? '';

/** Request builders and senders bound to one test server. */
export class IppTestClient {
  constructor(private readonly server: TestIppServer) {}

  request(operation: number, user?: string, queue = 'Default'): IppMessage {
    return ippRequest(operation, this.server.printerUri(queue), user);
  }

  send(message: IppMessage, document?: Buffer): Promise<IppMessage> {
    return sendIpp(this.server.port, message, document);
  }

  /** Print-Job of `document` named report.pdf, with job template attributes added by `template`. */
  printJob(user: string, template: (group: IppAttributeGroup) => void = () => {}, document = minimalPdf()) {
    const message = this.request(IppOperation.PrintJob, user);
    message.operation!.add('job-name', IppValues.name('report.pdf'));
    message.operation!.add('document-format', IppValues.mimeMediaType('application/pdf'));
    template(message.addGroup(IppTag.JobAttributes));
    return this.send(message, document);
  }

  /** A job operation naming `jobId` with printer-uri. */
  jobRequest(operation: number, jobId: number, user?: string): IppMessage {
    const message = this.request(operation, user);
    message.operation!.add('job-id', IppValues.integer(jobId));
    return message;
  }
}
