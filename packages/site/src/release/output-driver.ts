/**
 * The contract between the release service and the printer output drivers (`output-raw.ts`, `output-lpr.ts`,
 * `output-ipp.ts`). A driver sends one spooled document to one printer and says how it went; it knows nothing of
 * jobs, queues or states. The release service picks the printer, builds the header that forced policies add
 * (`pjl-policy.ts`), and records the outcome.
 *
 * Every driver streams the document from the spool file (the prefix, the file from `skipBytes`, then the suffix), never
 * buffering it whole, and honours the three timeouts. A failure is a `PrinterOutputError` whose `reason` is one
 * of the three words the job's `state_reason` starts with, so operators and tests can rely on them.
 */

/** Where a printer's output goes: the parsed form of a CUPS-style device URI (`printer-uri.ts`). */
export type OutputTarget =
  | { protocol: 'raw'; host: string; port: number }
  | { protocol: 'lpr'; host: string; port: number; queue: string }
  | { protocol: 'ipp' | 'ipps'; host: string; port: number; path: string };

/** One document to send. */
export interface OutputDocument {
  /** Absolute path of the spool file. */
  path: string;
  /** Bytes sent before the file (a PJL header that forced policies add or rewrite); empty for none. */
  prefix: Buffer;
  /** Bytes of the file skipped before sending (the part of the file the prefix replaces); 0 for none. */
  skipBytes: number;
  /** Bytes sent after the file (the closing UEL of a PJL header the prefix added); empty for none. */
  suffix: Buffer;
  /** The job's number on this site: the LPD job number (mod 1000). */
  jobNumber: number;
  jobName: string;
  /** The owner, sent as the LPD `P` line and IPP `requesting-user-name`. */
  userName: string;
  /** The host name this site gives itself in LPD `H` lines. */
  hostName: string;
  /** MIME type when known (IPP `document-format`); drivers fall back to application/octet-stream. */
  documentFormat: string | null;
}

/** How long a driver waits, in milliseconds. */
export interface OutputTimeouts {
  /** To establish the TCP (and TLS) connection. */
  connectMs: number;
  /** With no progress at all: no byte accepted by the socket and no answer read. */
  idleMs: number;
  /** For the whole release, the IPP wait for the job to finish included. */
  totalMs: number;
}

/** Defaults a print-management admin expects: a quick refusal when a printer is off, patience while it prints. */
export const DEFAULT_OUTPUT_TIMEOUTS: OutputTimeouts = {
  connectMs: 5_000,
  idleMs: 60_000,
  totalMs: 3_600_000,
};

/** What a driver reports once the printer has the whole job. */
export interface OutputResult {
  /** Document bytes sent, the prefix included. */
  bytesSent: number;
  /** The job id the printer gave it (IPP), when it gave one. */
  printerJobId?: number;
  /** The printer's final word on the job (IPP job-state-reasons, LPD nothing), for the job's history. */
  detail?: string;
}

/** Why a release failed: the first words of the job's `state_reason`. */
export type OutputFailureReason = 'printer unreachable' | 'refused' | 'timeout';

/** A failed send. `message` says what happened in an operator's words, after the reason. */
export class PrinterOutputError extends Error {
  constructor(
    readonly reason: OutputFailureReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason}: ${detail}`, options);
    this.name = 'PrinterOutputError';
  }
}

/** A printer output driver: one per protocol, stateless, safe to call concurrently for different printers. */
export interface OutputDriver {
  /**
   * Send `document` to `target`. Resolves once the printer has accepted every byte (raw: the socket closed
   * cleanly; LPD: the final acknowledgement; IPP: the job reached `completed`). Rejects with a
   * PrinterOutputError; `signal` aborting (the site is stopping) rejects with reason `timeout`.
   */
  send(
    target: OutputTarget,
    document: OutputDocument,
    timeouts: OutputTimeouts,
    signal?: AbortSignal,
  ): Promise<OutputResult>;
}
