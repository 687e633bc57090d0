/**
 * The IPP output driver, following what CUPS's ipp backend does: ask the printer what it supports
 * (Get-Printer-Attributes), submit with Create-Job + Send-Document when both are advertised and Print-Job
 * otherwise, then poll Get-Job-Attributes until the job is completed, canceled or aborted. Requests are
 * IPP/1.1, which every IPP printer speaks.
 *
 * server-error-busy is retried with a growing pause (a printer busy with another client's job says so),
 * within `totalMs`. A job the printer no longer knows while we poll (client-error-not-found) counts as done,
 * as in CUPS: printers without job history drop a job as soon as it has printed. IPPS does not verify the
 * printer's certificate (see output-ipp-client.ts).
 */
import {
  type IppAttributeGroup,
  IppJobState,
  type IppMessage,
  IppOperation,
  IppStatus,
  IppTag,
  IppValues,
  ippStatusName,
  isIppSuccess,
} from '@quire/common';
import {
  type OutputDocument,
  type OutputDriver,
  type OutputResult,
  type OutputTarget,
  type OutputTimeouts,
  PrinterOutputError,
} from './output-driver';
import { IppPrinterConnection } from './output-ipp-client';
import { documentLength, SendGuard, toOutputError, wrongProtocol } from './output-transfer';

const OCTET_STREAM = 'application/octet-stream';
const POLL_INTERVAL_MS = 250;
const BUSY_ATTEMPTS = 6;
const BUSY_FIRST_PAUSE_MS = 500;
const BUSY_MAX_PAUSE_MS = 5_000;
/** name(MAX) and text(MAX) in RFC 8011 are 255 octets. */
const NAME_MAX_BYTES = 255;

/** What the printer told us about itself. */
interface PrinterCapabilities {
  createJob: boolean;
  formats: string[];
}

/** Where a job ended up. */
interface JobOutcome {
  state: number;
  reasons: string[];
  message: string | undefined;
}

/** Cut `value` to `maxBytes` of UTF-8 without splitting a character, for name(MAX) attributes. */
function truncateUtf8(value: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const char of value) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    out += char;
  }
  return out;
}

/**
 * The document-format to send: the document's own when the printer lists it, otherwise
 * application/octet-stream when the printer lists that or lists nothing, otherwise none at all (the printer then
 * applies its document-format-default instead of refusing a format it does not know).
 */
export function chooseDocumentFormat(
  documentFormat: string | null,
  supported: readonly string[],
): string | undefined {
  const listed = new Set(supported.map((format) => format.toLowerCase()));
  if (documentFormat && listed.has(documentFormat.toLowerCase())) return documentFormat;
  if (listed.size === 0 || listed.has(OCTET_STREAM)) return OCTET_STREAM;
  return undefined;
}

function refusal(answer: IppMessage, what: string): PrinterOutputError {
  const message = answer.operation?.getString('status-message');
  return new PrinterOutputError(
    'refused',
    `${what}: ${ippStatusName(answer.code)}${message ? ` (${message})` : ''}`,
  );
}

function jobGroup(answer: IppMessage): IppAttributeGroup | undefined {
  return answer.group(IppTag.JobAttributes);
}

function outcomeOf(answer: IppMessage): JobOutcome {
  const job = jobGroup(answer);
  return {
    state: job?.getInteger('job-state') ?? IppJobState.Pending,
    reasons: job?.getStrings('job-state-reasons') ?? [],
    message: job?.getString('job-state-message'),
  };
}

/** Sends documents to IPP and IPPS printers (`ipp://host:631/ipp/print`). Stateless. */
export class IppOutputDriver implements OutputDriver {
  /**
   * Submit `document` and resolve once the printer reports the job completed, with its job id and final
   * job-state-reasons. 'refused' for an IPP error status, an HTTP error, or a job the printer aborted or
   * canceled; 'printer unreachable' and 'timeout' as for the other drivers (polling counts as progress, so a
   * printer that keeps answering while it prints is bounded only by `totalMs`).
   */
  async send(
    target: OutputTarget,
    document: OutputDocument,
    timeouts: OutputTimeouts,
    signal?: AbortSignal,
  ): Promise<OutputResult> {
    if (target.protocol !== 'ipp' && target.protocol !== 'ipps') {
      throw wrongProtocol('IppOutputDriver', target);
    }
    const total = await documentLength(document);
    const guard = new SendGuard(timeouts, signal, () => `${total} bytes to send`);
    const user = truncateUtf8(document.userName, NAME_MAX_BYTES);
    const connection = new IppPrinterConnection(target, user, timeouts.connectMs, guard);
    try {
      guard.watchProgress(() => connection.progress());
      const capabilities = await this.capabilities(connection, guard);
      const format = chooseDocumentFormat(document.documentFormat, capabilities.formats);
      const submitted = capabilities.createJob
        ? await this.createAndSend(connection, guard, document, format)
        : await this.printJob(connection, guard, document, format);
      const outcome = await this.awaitCompletion(connection, guard, submitted.jobId, submitted.outcome);
      const detail = outcome.reasons.join(', ') || outcome.message;
      return { bytesSent: total, printerJobId: submitted.jobId, ...(detail ? { detail } : {}) };
    } catch (err) {
      throw toOutputError(err, connection.where);
    } finally {
      guard.dispose();
      connection.close();
    }
  }

  /** Send `message` (and `document`), retrying server-error-busy; any other error status is a refusal. */
  private async call(
    printer: IppPrinterConnection,
    guard: SendGuard,
    build: () => IppMessage,
    what: string,
    document?: OutputDocument,
  ): Promise<IppMessage> {
    let pause = BUSY_FIRST_PAUSE_MS;
    for (let attempt = 1; ; attempt++) {
      const answer = await guard.run(printer.request(build(), document));
      if (isIppSuccess(answer.code)) return answer;
      if (answer.code !== IppStatus.ServerErrorBusy || attempt >= BUSY_ATTEMPTS) throw refusal(answer, what);
      await guard.sleep(pause);
      pause = Math.min(pause * 2, BUSY_MAX_PAUSE_MS);
    }
  }

  private async capabilities(printer: IppPrinterConnection, guard: SendGuard): Promise<PrinterCapabilities> {
    const answer = await this.call(
      printer,
      guard,
      () => {
        const message = printer.newRequest(IppOperation.GetPrinterAttributes);
        message.operation?.add(
          'requested-attributes',
          IppValues.keyword('operations-supported'),
          IppValues.keyword('document-format-supported'),
        );
        return message;
      },
      `${printer.where} did not answer Get-Printer-Attributes`,
    );
    const attributes = answer.group(IppTag.PrinterAttributes);
    const operations = new Set(
      (attributes?.get('operations-supported')?.values ?? []).map((value) => value.value as number),
    );
    return {
      createJob: operations.has(IppOperation.CreateJob) && operations.has(IppOperation.SendDocument),
      formats: attributes?.getStrings('document-format-supported') ?? [],
    };
  }

  private jobRequest(printer: IppPrinterConnection, operation: number, document: OutputDocument): IppMessage {
    const message = printer.newRequest(operation);
    const name = truncateUtf8(document.jobName, NAME_MAX_BYTES);
    message.operation?.add('job-name', IppValues.name(name));
    return message;
  }

  private async printJob(
    printer: IppPrinterConnection,
    guard: SendGuard,
    document: OutputDocument,
    format: string | undefined,
  ): Promise<{ jobId: number; outcome: JobOutcome }> {
    const build = () => {
      const message = this.jobRequest(printer, IppOperation.PrintJob, document);
      if (format) message.operation?.add('document-format', IppValues.mimeMediaType(format));
      return message;
    };
    const answer = await this.call(printer, guard, build, `${printer.where} refused Print-Job`, document);
    return { jobId: this.jobIdOf(answer, printer), outcome: outcomeOf(answer) };
  }

  private async createAndSend(
    printer: IppPrinterConnection,
    guard: SendGuard,
    document: OutputDocument,
    format: string | undefined,
  ): Promise<{ jobId: number; outcome: JobOutcome }> {
    const created = await this.call(
      printer,
      guard,
      () => this.jobRequest(printer, IppOperation.CreateJob, document),
      `${printer.where} refused Create-Job`,
    );
    const jobId = this.jobIdOf(created, printer);
    const build = () => {
      const message = printer.newRequest(IppOperation.SendDocument);
      message.operation?.add('job-id', IppValues.integer(jobId));
      if (format) message.operation?.add('document-format', IppValues.mimeMediaType(format));
      message.operation?.add('last-document', IppValues.boolean(true));
      return message;
    };
    const sent = await this.call(
      printer,
      guard,
      build,
      `${printer.where} refused Send-Document for job ${jobId}`,
      document,
    );
    return { jobId, outcome: outcomeOf(sent) };
  }

  private jobIdOf(answer: IppMessage, printer: IppPrinterConnection): number {
    const jobId = jobGroup(answer)?.getInteger('job-id');
    if (jobId === undefined || jobId < 1) {
      throw new PrinterOutputError('refused', `${printer.where} accepted the job but gave it no job-id`);
    }
    return jobId;
  }

  private async awaitCompletion(
    printer: IppPrinterConnection,
    guard: SendGuard,
    jobId: number,
    first: JobOutcome,
  ): Promise<JobOutcome> {
    let outcome = first;
    while (outcome.state < IppJobState.Canceled) {
      await guard.sleep(POLL_INTERVAL_MS);
      const message = printer.newRequest(IppOperation.GetJobAttributes);
      message.operation?.add('job-id', IppValues.integer(jobId));
      message.operation?.add(
        'requested-attributes',
        IppValues.keyword('job-state'),
        IppValues.keyword('job-state-reasons'),
        IppValues.keyword('job-state-message'),
      );
      const answer = await guard.run(printer.request(message));
      if (answer.code === IppStatus.ClientErrorNotFound) {
        return { state: IppJobState.Completed, reasons: [], message: 'the printer no longer lists the job' };
      }
      if (answer.code === IppStatus.ServerErrorBusy) continue;
      if (!isIppSuccess(answer.code))
        throw refusal(answer, `${printer.where} did not report on job ${jobId}`);
      outcome = outcomeOf(answer);
    }
    if (outcome.state !== IppJobState.Completed) {
      const how = outcome.state === IppJobState.Aborted ? 'aborted' : 'canceled';
      const why = [outcome.reasons.join(', '), outcome.message].filter(Boolean).join('; ');
      throw new PrinterOutputError('refused', `${printer.where} ${how} job ${jobId}${why ? `: ${why}` : ''}`);
    }
    return outcome;
  }
}
