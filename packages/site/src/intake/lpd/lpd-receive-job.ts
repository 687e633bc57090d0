/**
 * The "receive job" conversation of RFC 1179 (command 0x02 and its subcommands 0x01 abort, 0x02 control file,
 * 0x03 data file), after the queue has been checked and acknowledged.
 *
 * Control and data files may come in either order and a connection may carry several of each:
 * - a data file whose control file is already known is streamed straight into `JobIntake.submit`, with
 *   back-pressure, and acknowledged only once the core has committed the job;
 * - a data file that comes first is spooled ahead to a temporary file (see lpd-spool-ahead.ts) and submitted
 *   when the control file that names it arrives; that control file is acknowledged once all are committed.
 *
 * One job per data file: a control file may name several data files. CUPS (cups-lpd) turns them into one job
 * with several documents, but our core takes one document per job, so each data file named by a print line
 * becomes its own job with the control file's owner and name, and copies = the number of print lines naming
 * it. Data files no print line names are discarded.
 */
import { Readable } from 'node:stream';
import { describeError, ErrorCode, type Logger, QuireError } from '@quire/common';
import { type IncomingJob, type JobIntake, type JobView } from '../intake-port';
import { type LpdControlFile, type LpdPrintRequest, parseControlFile } from './lpd-control-file';
import { type LpdSocketReader, lpdProtocolError } from './lpd-socket-reader';
import { LpdSpoolAhead } from './lpd-spool-ahead';

const MAX_SUBCOMMAND_LINE_BYTES = 1024;
const MAX_CONTROL_FILE_BYTES = 64 * 1024;
/** cups-lpd keeps at most 100 data files per connection; so do we, for data that waits on disk. */
const MAX_SPOOLED_AHEAD_FILES = 100;
const MAX_EXPECTED_DATA_FILES = 1000;
const SUBCOMMAND = /^(\d{1,15})[ \t]+([!-~\u0080-\u00ff]{1,255})[ \t]*$/;

/** Everything a receive-job conversation needs from its connection and the site. */
export interface LpdReceiveJobOptions {
  intake: JobIntake;
  logger: Logger;
  reader: LpdSocketReader;
  /** Send one acknowledgement byte: 0 is yes, anything else no. */
  ack: (code: number) => void;
  queueName: string;
  clientAddress: string;
  /** Where data files sent before their control file wait. */
  spoolAheadDir: string;
  /** Larger announced data files are refused before a byte of them is read. */
  maxDataFileBytes: number;
  /** Called for every job the core committed. */
  onJobAccepted?: (job: JobView) => void;
}

type Subcommand = { kind: 'abort' } | { kind: 'control' | 'data'; count: number; name: string };

/** A print request from a control file that waits for its data file. */
interface ExpectedDataFile {
  control: LpdControlFile;
  print: LpdPrintRequest;
}

/** One receive-job conversation; `run` returns when the client is done and throws on any refusal. */
export class LpdReceiveJob {
  private readonly expected = new Map<string, ExpectedDataFile>();
  private readonly spooled: LpdSpoolAhead;
  private readonly submitted: JobView[] = [];

  constructor(private readonly options: LpdReceiveJobOptions) {
    this.spooled = new LpdSpoolAhead(options.spoolAheadDir);
  }

  /** Serve subcommands until the client closes its side; temporary files never outlive this call. */
  async run(): Promise<void> {
    try {
      for (;;) {
        const line = await this.options.reader.readLine(MAX_SUBCOMMAND_LINE_BYTES);
        if (line === null) break;
        const subcommand = parseSubcommand(line);
        if (subcommand.kind === 'abort') await this.abort();
        else if (subcommand.kind === 'control')
          await this.receiveControlFile(subcommand.count, subcommand.name);
        else await this.receiveDataFile(subcommand.count, subcommand.name);
      }
      this.reportMissingDataFiles();
    } finally {
      const unclaimed = await this.spooled.removeAll();
      if (unclaimed.length > 0) {
        this.options.logger.warn('LPD data files discarded: no control file named them', {
          dataFiles: unclaimed,
        });
      }
    }
  }

  private async receiveControlFile(count: number, name: string): Promise<void> {
    if (count === 0 || count > MAX_CONTROL_FILE_BYTES) {
      throw lpdProtocolError(
        `control file ${name} announces ${count} bytes (1 to ${MAX_CONTROL_FILE_BYTES})`,
      );
    }
    this.options.ack(0);
    const bytes = await this.options.reader.readBuffer(count);
    await this.expectTrailingNul(name);
    const control = parseControlFile(bytes);
    if (control.prints.length === 0) {
      this.options.logger.warn('LPD control file names no data file to print', { controlFile: name });
    }
    for (const print of control.prints) {
      const document = this.spooled.open(print.dataFileName);
      if (document !== null) {
        try {
          await this.submit(control, print, document);
        } finally {
          await this.spooled.remove(print.dataFileName);
        }
      } else {
        if (this.expected.size >= MAX_EXPECTED_DATA_FILES) {
          throw lpdProtocolError(`more than ${MAX_EXPECTED_DATA_FILES} data files announced`);
        }
        this.expected.set(print.dataFileName, { control, print });
      }
    }
    this.options.ack(0);
  }

  private async receiveDataFile(count: number, name: string): Promise<void> {
    const untilEof = count === 0;
    if (count > this.options.maxDataFileBytes) {
      throw new QuireError(
        ErrorCode.JobTooLarge,
        `data file ${name} announces ${count} bytes, more than the ${this.options.maxDataFileBytes} allowed`,
      );
    }
    const expected = this.expected.get(name);
    if (expected === undefined) {
      await this.spoolAhead(untilEof, count, name);
      return;
    }
    this.expected.delete(name);
    this.options.ack(0);
    const bytes = untilEof ? this.options.reader.readToEof() : this.dataFileBytes(count, name);
    await this.submit(expected.control, expected.print, Readable.from(bytes, { objectMode: false }));
    this.options.ack(0);
  }

  private async spoolAhead(untilEof: boolean, count: number, name: string): Promise<void> {
    if (untilEof) {
      // Data "until EOF" ends the connection, so a control file could never follow it.
      throw lpdProtocolError(`data file ${name} is sent until EOF before any control file names it`);
    }
    if (this.spooled.count >= MAX_SPOOLED_AHEAD_FILES) {
      throw lpdProtocolError(
        `more than ${MAX_SPOOLED_AHEAD_FILES} data files sent before their control file`,
      );
    }
    this.options.ack(0);
    await this.spooled.store(name, this.dataFileBytes(count, name));
    this.options.ack(0);
  }

  /** The announced bytes of a file, then its terminating NUL (a missing NUL fails the file, as in cups-lpd). */
  private async *dataFileBytes(count: number, name: string): AsyncGenerator<Buffer> {
    yield* this.options.reader.readExactly(count);
    await this.expectTrailingNul(name);
  }

  private async expectTrailingNul(name: string): Promise<void> {
    const byte = await this.options.reader.readByte();
    if (byte === null) throw lpdProtocolError(`connection closed before the NUL that ends ${name}`);
    if (byte !== 0) {
      throw lpdProtocolError(`${name} is followed by 0x${byte.toString(16).padStart(2, '0')}, not NUL`);
    }
  }

  private async submit(control: LpdControlFile, print: LpdPrintRequest, document: Readable): Promise<void> {
    const job = this.incomingJob(control, print);
    try {
      const view = await this.options.intake.submit(job, document);
      this.submitted.push(view);
      this.options.onJobAccepted?.(view);
      this.options.logger.debug('LPD job accepted', {
        job: view.number,
        queue: view.queueName,
        owner: view.owner,
        dataFile: print.dataFileName,
        sizeBytes: view.sizeBytes,
        copies: view.copies,
      });
      if (!document.readableEnded) {
        throw new QuireError(
          ErrorCode.Internal,
          `the job core returned before reading all of ${print.dataFileName}`,
        );
      }
    } finally {
      // A no-op once the document ended; otherwise it stops reading the client for a job the core gave up on.
      document.destroy();
    }
  }

  private incomingJob(control: LpdControlFile, print: LpdPrintRequest): IncomingJob {
    const attributes: Record<string, unknown> = { lpdDataFile: print.dataFileName, lpdFormat: print.format };
    if (print.sourceName !== null) attributes.lpdSourceName = print.sourceName;
    if (control.bannerUser !== null) attributes.lpdBannerUser = control.bannerUser;
    if (control.className !== null) attributes.lpdClass = control.className;
    return {
      queueName: this.options.queueName,
      protocol: 'lpd',
      clientAddress: this.options.clientAddress,
      senderUser: control.user,
      senderHost: control.host,
      jobName: control.jobName ?? print.sourceName,
      copies: print.copies,
      // Only `o` declares a format (PostScript); `l` means "raw", `f` is sent for any file by many clients.
      documentFormat: print.format === 'o' ? 'application/postscript' : null,
      attributes,
    };
  }

  /**
   * RFC 1179 6.1: abort removes whatever this receive-job created. Data not yet submitted is dropped; jobs
   * already committed (and acknowledged) are cancelled on behalf of their owner.
   */
  private async abort(): Promise<void> {
    this.expected.clear();
    await this.spooled.removeAll();
    for (const view of this.submitted.splice(0)) {
      try {
        await this.options.intake.cancelJob(view.number, { user: view.owner, isAdmin: false });
      } catch (err) {
        this.options.logger.warn('LPD abort could not cancel a job it had submitted', {
          job: view.number,
          error: describeError(err),
        });
      }
    }
    this.options.logger.info('LPD receive-job aborted by the client', { queue: this.options.queueName });
    this.options.ack(0);
  }

  private reportMissingDataFiles(): void {
    if (this.expected.size === 0) return;
    this.options.logger.warn('LPD control file named data files that never arrived', {
      dataFiles: [...this.expected.keys()],
    });
  }
}

function parseSubcommand(line: Buffer): Subcommand {
  if (line.length === 0) throw lpdProtocolError('empty receive-job subcommand line');
  const code = line[0];
  if (code === 0x01) return { kind: 'abort' };
  if (code !== 0x02 && code !== 0x03) {
    throw lpdProtocolError(`unknown receive-job subcommand 0x${code.toString(16).padStart(2, '0')}`);
  }
  const match = SUBCOMMAND.exec(line.subarray(1).toString('latin1'));
  if (match === null)
    throw lpdProtocolError('malformed receive-job subcommand, expected "<count> <file name>"');
  return { kind: code === 0x02 ? 'control' : 'data', count: Number(match[1]), name: match[2] };
}
