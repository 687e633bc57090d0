/**
 * Sends one released job to its printer and records how it went: builds the document the driver streams (the
 * forced-policy PJL header around the spool file), runs the driver, and moves the job from `printing` to
 * `printed` or `failed` with the reason. It never leaves a job in `printing`: whatever goes wrong, the job is
 * failed with a reason, and what cannot even be recorded is left to start-up recovery.
 */
import { open } from 'node:fs/promises';
import { describeError, type Logger } from '@quire/common';
import { type DirectoryService } from '../directory/directory.service';
import { type JobEntity } from '../jobs/job.entity';
import { type PrinterEntity } from '../printers/printer.entity';
import { type PrinterService } from '../printers/printer.service';
import { type QueueEntity } from '../queues/queue.entity';
import { type SpoolStore } from '../spool';
import {
  PrinterOutputError,
  type OutputDocument,
  type OutputDriver,
  type OutputTarget,
  type OutputTimeouts,
} from './output-driver';
import { planPolicyHeader, type PolicyHeaderPlan } from './pjl-policy';

/** How much of the spool file the forced-policy planner sees; PJL headers are far shorter. */
const HEAD_BYTES = 64 * 1024;

/** Where the sender records an outcome (the release service, through the job state machine). */
export interface SendOutcomeSink {
  printed(job: JobEntity, printer: PrinterEntity, reason: string): Promise<void>;
  failed(job: JobEntity, reason: string): Promise<void>;
}

/** Dependencies of the sender. */
export interface ReleaseSenderOptions {
  printers: PrinterService;
  directory: DirectoryService;
  spool: SpoolStore;
  driverFor: (protocol: OutputTarget['protocol']) => OutputDriver;
  timeouts: OutputTimeouts;
  hostName: string;
  logger: Logger;
}

/** What a send streams: the document with its forced-policy header, and the plan that made the header. */
export interface PreparedSend {
  document: OutputDocument;
  plan: PolicyHeaderPlan;
}

/** Sends released jobs; see the file comment. */
export class ReleaseSender {
  constructor(private readonly options: ReleaseSenderOptions) {}

  /**
   * Start preparing the send of `job` from `queue`: the owner's full name, the head of the spool file and the
   * forced-policy plan. The release service starts this before it commits the move to `printing`, so the file
   * reads overlap the commit; a failure surfaces in `send`.
   */
  prepare(job: JobEntity, queue: QueueEntity): Promise<PreparedSend> {
    const prepared = this.documentOf(job, queue);
    prepared.catch(() => undefined);
    return prepared;
  }

  /** Send `job` (in `printing`) as `prepared` to `printer`, then record the outcome in `sink`. */
  async send(
    job: JobEntity,
    prepared: Promise<PreparedSend>,
    printer: PrinterEntity,
    sink: SendOutcomeSink,
    signal: AbortSignal,
  ): Promise<void> {
    let outcome: { printed: true; reason: string } | { printed: false; reason: string };
    try {
      const target = this.options.printers.targetOf(printer);
      const { document, plan } = await prepared;
      for (const warning of plan.warnings)
        this.options.logger.warn('forced policy not applied', { job: job.number, warning });
      const result = await this.options
        .driverFor(target.protocol)
        .send(target, document, this.options.timeouts, signal);
      const forced = plan.applied.length > 0 ? `; forced: ${plan.applied.join(', ')}` : '';
      const detail = result.detail ? ` (${result.detail})` : '';
      outcome = { printed: true, reason: `printed on ${printer.name}${forced}${detail}` };
    } catch (err) {
      const reason = err instanceof PrinterOutputError ? err.message : `refused: ${describeError(err)}`;
      this.options.logger.warn('release failed', { job: job.number, printer: printer.name, reason });
      outcome = { printed: false, reason: `${reason} (printer ${printer.name})` };
    }
    if (outcome.printed) await sink.printed(job, printer, outcome.reason);
    else await sink.failed(job, outcome.reason);
  }

  /** The document to stream, with the forced policies of `queue` planned on the head of the spool file. */
  private async documentOf(job: JobEntity, queue: QueueEntity): Promise<PreparedSend> {
    const path = this.options.spool.absolutePath(job.spoolPath);
    const owner = await this.options.directory.byUsername(job.owner);
    const plan = planPolicyHeader(
      await readHead(path),
      job.pdl,
      {
        color: queue.forceColor,
        duplex: queue.forceDuplex,
        tonerSave: queue.forceTonerSave,
        customPjl: queue.customPjl,
      },
      { username: job.owner, jobname: job.name, fullname: owner?.fullName ?? job.owner },
    );
    const document: OutputDocument = {
      path,
      prefix: plan.prefix,
      skipBytes: plan.skipBytes,
      suffix: plan.suffix,
      jobNumber: job.number,
      jobName: job.name,
      userName: job.owner,
      hostName: this.options.hostName,
      // A document behind an added PJL header is no longer plain PDF or PostScript: let the printer sense it.
      documentFormat: plan.prefix.length > 0 ? 'application/octet-stream' : job.documentFormat,
    };
    return { document, plan };
  }
}

/** The first HEAD_BYTES of a file (fewer for a shorter file). */
async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
