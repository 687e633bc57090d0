/**
 * What the release and terminal integration tests share: the real job core on a fresh database with terminal
 * sign-in and the terminal service composed on it as the site server composes them, an injectable clock for
 * sign-in and the audit log, a logger whose warnings a test can wait for, real print documents made once with
 * ghostscript, and small helpers to submit a job and wait for it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { expect } from 'chai';
import {
  AuditLogRepository,
  AuditService,
  createLogger,
  openDatabase,
  type ErrorCode,
  type QuireError,
} from '@quire/common';
import { ensureDebianPackages, type PrintSink, type RawSinkJob } from '@quire/testkit';
import { LookupKeys } from '@quire/common';
import { type JobState } from '../src/intake/intake-port';
import { buildJobCore, jobCoreEntities, jobCoreMigrations, type JobCore } from '../src/job-core';
import { type JobEntity } from '../src/jobs';
import { type OutputTimeouts } from '../src/release/output-driver';
import { TerminalAuthService } from '../src/terminal/terminal-auth.service';
import { TerminalService } from '../src/terminal/terminal.service';
import { A4, renderWithGs } from './pdl-analysis-documents';

/** Short enough that a stalled printer fails a job within a test, long enough for a loaded machine. */
export const TEST_OUTPUT_TIMEOUTS: OutputTimeouts = { connectMs: 2_000, idleMs: 3_000, totalMs: 60_000 };

/** One warning or error line the core logged. */
export interface LoggedLine {
  level: string;
  message: string;
  [key: string]: unknown;
}

/** A real winston logger at level warn whose lines are kept, so a test can wait for a decision it logs. */
export class LogCapture {
  readonly lines: LoggedLine[] = [];
  private readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        this.lines.push(JSON.parse(line) as LoggedLine);
      done();
    },
  });
  readonly logger = createLogger({ level: 'warn', stream: this.stream });

  /** Resolve with the first line matching `predicate`; reject after `timeoutMs`. */
  async waitFor(predicate: (line: LoggedLine) => boolean, timeoutMs = 15_000): Promise<LoggedLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no log line matched within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** The composed site pieces a test drives. */
export interface ReleaseHarness {
  core: JobCore;
  auth: TerminalAuthService;
  terminal: TerminalService;
  audit: AuditService;
  logs: LogCapture;
  /** The time terminal sign-in and the audit log see; tests move it. */
  clock: { now: Date };
  close(): Promise<void>;
}

/** Options of {@link openReleaseHarness}. */
export interface ReleaseHarnessOptions {
  url: string;
  spoolDir: string;
  lookupSecret: string;
  sessionIdleSeconds?: number;
}

/** Open (and migrate) the database at `url` and compose the job core, terminal sign-in and terminal service. */
export async function openReleaseHarness(options: ReleaseHarnessOptions): Promise<ReleaseHarness> {
  const { dataSource } = await openDatabase({
    url: options.url,
    entities: jobCoreEntities,
    migrations: jobCoreMigrations,
  });
  const logs = new LogCapture();
  const core = buildJobCore(dataSource, {
    spoolDir: options.spoolDir,
    logger: logs.logger,
    analysis: { workers: 2, timeLimitSeconds: 30 },
    lookupKeys: new LookupKeys(options.lookupSecret),
    outputTimeouts: TEST_OUTPUT_TIMEOUTS,
  });
  await core.intake.recoverAtStartup();
  const clock = { now: new Date() };
  const audit = new AuditService(new AuditLogRepository(dataSource), () => clock.now);
  const auth = new TerminalAuthService({
    dataSource,
    directory: core.directory,
    printers: core.printers,
    audit,
    sessionIdleSeconds: options.sessionIdleSeconds ?? 300,
    now: () => clock.now,
  });
  const terminal = new TerminalService({
    repository: core.repository,
    jobs: core.jobs,
    queues: core.queues,
    directory: core.directory,
    release: core.release,
  });
  return {
    core,
    auth,
    terminal,
    audit,
    logs,
    clock,
    close: async () => {
      await core.close();
      await dataSource.destroy();
    },
  };
}

/** Print documents made with ghostscript, plus data no analyser recognises. */
export interface ReleaseDocuments {
  /** PCL XL from gs's pxlcolor, which starts with its own PJL header (RENDERMODE=COLOR). */
  pclXl: Buffer;
  /** PDFs of 1 to 4 pages from gs's pdfwrite, each different. */
  pdfs: Buffer[];
  jpeg: Buffer;
  /**
   * A 300 dpi JPEG of about 150 KB: more than a stalled sink reads before it stops, so its connection cannot end
   * (a smaller document arrives whole with its FIN, and the sink's close then looks like success).
   */
  largeJpeg: Buffer;
  unknown: Buffer;
}

let documents: Promise<ReleaseDocuments> | null = null;

/** The test documents, rendered on first use (once per process). */
export function releaseDocuments(): Promise<ReleaseDocuments> {
  documents ??= renderDocuments();
  return documents;
}

async function renderDocuments(): Promise<ReleaseDocuments> {
  await ensureDebianPackages(['ghostscript']);
  const dir = mkdtempSync(path.join(tmpdir(), 'quire-release-docs-'));
  try {
    const page = (color: boolean) => ({ color, size: A4 });
    const render = async (
      name: string,
      device: string,
      pages: Array<ReturnType<typeof page>>,
      resolution?: number,
    ) => readFileSync(await renderWithGs(dir, name, device, pages, { resolution }));
    const pclXl = await render('forced', 'pxlcolor', [page(true), page(false), page(true)]);
    const pdfs: Buffer[] = [];
    for (let count = 1; count <= 4; count += 1) {
      pdfs.push(
        await render(
          `pages-${count}`,
          'pdfwrite',
          Array.from({ length: count }, (_, i) => page(i % 2 === 0)),
        ),
      );
    }
    const jpeg = await render('photo', 'jpeg', [page(true)]);
    const largeJpeg = await render('poster', 'jpeg', [page(true)], 300);
    const unknown = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37 + 11) % 256));
    unknown.write('QUIRE-UNKNOWN-DATA', 0, 'latin1');
    return { pclXl, pdfs, jpeg, largeJpeg, unknown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What a test submits. */
export interface TestSubmission {
  queueName: string;
  owner: string;
  name: string;
  document: Buffer;
  holdRequested?: boolean;
}

/** Submit a job through intake (as IPP would) and resolve once routing has moved it out of processing. */
export async function submitRouted(core: JobCore, submission: TestSubmission): Promise<JobEntity> {
  const view = await core.intake.submit(
    {
      queueName: submission.queueName,
      protocol: 'ipp',
      clientAddress: '192.0.2.30',
      senderUser: submission.owner,
      jobName: submission.name,
      copies: 1,
      documentFormat: 'application/octet-stream',
      holdRequested: submission.holdRequested,
    },
    Readable.from([submission.document]),
  );
  return waitForJob(core, view.id, (job) => job.state !== 'processing');
}

/** Poll the job until `done` holds for it; fail after `timeoutMs` with the state it is in. */
export async function waitForJob(
  core: JobCore,
  id: string,
  done: (job: JobEntity) => boolean,
  timeoutMs = 20_000,
): Promise<JobEntity> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await core.repository.findById(id);
    if (job && done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${job?.state ?? 'missing'}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Wait for the job to reach one of `states`. */
export function waitForState(core: JobCore, id: string, states: JobState[]): Promise<JobEntity> {
  return waitForJob(core, id, (job) => states.includes(job.state));
}

/** The job as stored now (it must exist). */
export async function reload(core: JobCore, id: string): Promise<JobEntity> {
  const job = await core.repository.findById(id);
  if (!job) throw new Error(`job ${id} has no row`);
  return job;
}

/** True when the job's spool file is on disk. */
export function spoolFileExists(core: JobCore, job: JobEntity): boolean {
  return existsSync(core.spool.absolutePath(job.spoolPath));
}

/** The connections a raw sink recorded, in the order they were opened (its files are numbered that way). */
export function sinkJobsInConnectionOrder(sink: PrintSink<RawSinkJob>): RawSinkJob[] {
  const connection = (job: RawSinkJob) => Number(/job-(\d+)\.bin$/.exec(job.file)?.[1]);
  return sink.jobs().sort((a, b) => connection(a) - connection(b));
}

/** Assert that `work` rejects with a QuireError of `code`, and return it. */
export async function expectQuireError(work: Promise<unknown>, code: ErrorCode): Promise<QuireError> {
  try {
    await work;
  } catch (err) {
    expect((err as QuireError).code, (err as Error).message).to.equal(code);
    return err as QuireError;
  }
  expect.fail(`expected ${code}, but it succeeded`);
}
