/**
 * The contract between the print-intake front-ends (IPP, LPD, raw socket, web upload) and the site's job core.
 *
 * Front-ends turn protocol bytes into these calls and map the errors back to protocol statuses; they hold no
 * business rules and never touch the DB or the spool. The core (`JobIntakeService`) owns queues, user detection,
 * the durable spool and the job state machine.
 *
 * Errors are QuireErrors with these codes, each of which every front-end maps to its own protocol:
 * QUEUE_NOT_FOUND, QUEUE_OFFLINE, JOB_TOO_LARGE, JOB_OWNER_UNKNOWN (queue policy rejects an unknown owner),
 * JOB_NOT_FOUND, JOB_STATE_CONFLICT (e.g. cancelling a printed job), FORBIDDEN (not the owner), SPOOL_FAILED.
 */
import { type Readable } from 'node:stream';
import { type JobAnalysisDetails } from '../pdl/analysis/job-analysis';
import { type DuplexMode } from '../pdl/pdl-types';

export type IntakeProtocol = 'ipp' | 'ipps' | 'lpd' | 'raw' | 'web';

/** Queue types; their release behaviour belongs to the release capability. */
export type QueueType = 'direct' | 'tandem' | 'pull' | 'delegated';

/** Job states (the job state machine owns every transition between them). */
export type JobState = 'processing' | 'ready' | 'paused' | 'printing' | 'printed' | 'failed' | 'deleted';

/** What a front-end knows about a job before its document bytes arrive. */
export interface IncomingJob {
  queueName: string;
  protocol: IntakeProtocol;
  /** Client IP address (no port). */
  clientAddress: string;
  /** The sender as the protocol names it: IPP authenticated user or requesting-user-name, LPD `P` line; raw: null. */
  senderUser: string | null;
  /** Host the client says it is (LPD `H`), when known. */
  senderHost?: string | null;
  jobName: string | null;
  /** Copies requested by the protocol (IPP `copies`, LPD repeated format lines); 1 when unspecified. */
  copies: number;
  /** Document format as declared by the client (MIME type), when declared. */
  documentFormat: string | null;
  /** IPP `job-hold-until=indefinite` and the like: the job is held (paused) instead of ready. */
  holdRequested?: boolean;
  /** Other protocol attributes worth keeping with the job (JSON-serialisable). */
  attributes?: Record<string, unknown>;
}

/** A queue as front-ends see it. */
export interface QueueSummary {
  id: string;
  name: string;
  type: QueueType;
  online: boolean;
  description: string;
}

/** A job as front-ends and the REST API see it. Analysis fields are null until PDL analysis has run. */
export interface JobView {
  id: string;
  /** Small positive integer, unique on this site: the IPP job-id and the LPD job number. */
  number: number;
  name: string;
  owner: string;
  queueName: string;
  state: JobState;
  stateReason: string | null;
  protocol: IntakeProtocol;
  clientAddress: string;
  submittedAt: Date;
  /** When the job left `processing` (spooled and routed), or null. */
  processedAt: Date | null;
  /** When the job reached printed/failed/deleted, or null. */
  completedAt: Date | null;
  sizeBytes: number;
  sha256: string;
  documentFormat: string | null;
  /** The analysis (`pdl/analysis/job-analysis.ts` says what each count includes); null while `processing`. */
  pdl: string | null;
  /** Pages of one copy. */
  pages: number | null;
  colorPages: number | null;
  monoPages: number | null;
  copies: number;
  duplex: DuplexMode | null;
  paper: string | null;
  impressions: number | null;
  sheets: number | null;
  analysis: JobAnalysisDetails | null;
  /** Marked by its owner to keep (release). */
  favourite?: boolean;
  /** The printer of the latest release, or null before any. */
  printerId?: string | null;
  /** Releases started: first print, new attempts, reprints. */
  printAttempts?: number;
  /** False once the spool file has been removed (after printing, by retention). */
  documentKept?: boolean;
}

/** Who asks for a job operation: owners act on their own jobs, admins on any. */
export interface Requester {
  user: string;
  isAdmin: boolean;
}

export interface JobListFilter {
  queueName?: string;
  owner?: string;
  /** `not-completed`: processing, ready, paused, printing. `completed`: printed, failed, deleted. */
  which?: 'not-completed' | 'completed' | 'all';
  /** Exactly these states; when given, `which` is ignored (a protocol whose notion of "completed" differs). */
  states?: readonly JobState[];
  limit?: number;
}

/** What every intake front-end calls. */
export interface JobIntake {
  /** The queue a job would go to, checked before any data is read: QUEUE_NOT_FOUND or QUEUE_OFFLINE. */
  checkQueue(queueName: string): Promise<QueueSummary>;
  /** Every queue (for LPD listings and IPP printer lookups). */
  listQueues(): Promise<QueueSummary[]>;
  /**
   * Stream the document into the durable spool, detect the owner, and commit the job row. Resolves only after
   * the document is fsynced and renamed and the row is committed: only then may the client be told "accepted".
   * On any failure nothing of the job is kept.
   */
  submit(job: IncomingJob, document: Readable): Promise<JobView>;
  /** One job by its number, or null. */
  findJob(number: number): Promise<JobView | null>;
  /** Jobs, newest first. */
  listJobs(filter: JobListFilter): Promise<JobView[]>;
  /** How many jobs match (limit ignored): cheap, for counters such as IPP `queued-job-count`. */
  countJobs(filter: JobListFilter): Promise<number>;
  /** Soft-delete a job (owner or admin). JOB_STATE_CONFLICT when it is already printed, failed or deleted. */
  cancelJob(number: number, requester: Requester): Promise<JobView>;
  /** ready → paused, or a job in processing is routed to paused once analysed (owner or admin). */
  holdJob(number: number, requester: Requester): Promise<JobView>;
  /** paused → ready, or a job in processing held at submission is routed to ready (owner or admin). */
  releaseHeldJob(number: number, requester: Requester): Promise<JobView>;
}
