/**
 * The JSON bodies that travel inside the federation's replication messages. The protobuf messages
 * (`OutboxRecord.body`, `VersionedBatch.changes`) carry them as UTF-8 JSON, so a record can grow a field without
 * a proto change; these types are the contract for what is inside, shared by both tiers.
 *
 * Up (site → central): one record per outbox row, of kind `job`, `job_event`, `audit`, `printer_counter` or
 * `printer_event`. Central stores each as
 * an upsert on (site id, `key`), so a replay never duplicates anything.
 * Down (central → site): directory changes (users and groups) and template changes, each entity once per batch
 * with its state as it is now, or its deletion.
 */

/** What an outbox record is. */
export type OutboxRecordKind = 'job' | 'job_event' | 'audit' | 'printer_counter' | 'printer_event';

/** A job as central keeps it: the site's job row without local paths; times are ISO 8601 strings. */
export interface JobRecord {
  id: string;
  number: number;
  name: string;
  owner: string;
  ownerMethod: string;
  queueId: string;
  queueName: string;
  state: string;
  stateReason: string | null;
  protocol: string;
  clientAddress: string;
  senderHost: string | null;
  submittedAt: string;
  processedAt: string | null;
  completedAt: string | null;
  sizeBytes: number;
  documentFormat: string | null;
  pdl: string | null;
  copies: number;
  pages: number | null;
  colorPages: number | null;
  monoPages: number | null;
  duplex: string | null;
  paper: string | null;
  impressions: number | null;
  sheets: number | null;
  favourite: boolean;
  printerId: string | null;
  printAttempts: number;
  releasedBy: string | null;
  documentRemovedAt: string | null;
}

/** One state change of a job. `fromState` is null for the creation. */
export interface JobEventRecord {
  id: string;
  jobId: string;
  at: string;
  fromState: string | null;
  toState: string;
  reason: string | null;
  actor: string;
}

/** One entry of the site's audit log. */
export interface AuditRecord {
  id: string;
  at: string;
  actorId: string | null;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string | null;
  details: string;
  outcome: string;
  remoteAddr: string;
  requestId: string;
}

/** One stored page-counter snapshot of a printer (the SNMP counter report's source); key: `id`. */
export interface PrinterCounterRecord {
  id: string;
  printerId: string;
  printerName: string;
  serial: string | null;
  mac: string | null;
  at: string;
  total: number | null;
  mono: number | null;
  color: number | null;
}

/** One printer event episode as it is now (open, or closed with its close time); key: `id`. */
export interface PrinterEventRecord {
  id: string;
  printerId: string;
  printerName: string;
  /** The event type: `toner-low`, `toner-empty`, `out-of-paper`, `paper-jam`, `cover-open`, ... */
  type: string;
  /** What within the printer: the supply or tray index, the milestone; '' when the event is printer-wide. */
  subject: string;
  openedAt: string;
  closedAt: string | null;
  /** A one-line account for reports (`Black toner at 7%`). */
  message: string;
}

/** The body of each outbox record kind. */
export interface OutboxBodies {
  job: JobRecord;
  job_event: JobEventRecord;
  audit: AuditRecord;
  printer_counter: PrinterCounterRecord;
  printer_event: PrinterEventRecord;
}

/** A directory user as sites receive it: lookup keys only, never a PIN or card number. */
export interface UserRecord {
  id: string;
  username: string;
  aliases: string[];
  fullName: string;
  email: string;
  language: string | null;
  pinKey: string | null;
  /** Card lookup keys; `validUntil` (ISO 8601, or null: no end) is when a temporary card stops working. */
  cards: Array<{ key: string; validUntil: string | null }>;
  /** Ids of the groups the user is a direct member of (sites resolve names and ancestors themselves). */
  groups: string[];
  /** Central ids of the users and groups who may release this user's delegated jobs. */
  delegates: Array<{ kind: 'user' | 'group'; id: string }>;
  keepForReprint: boolean;
  state: 'active' | 'disabled';
  /** `local`, or `ldap:NAME` for users who sign in by binding to their source. */
  auth: string;
  /** Rights granted to the user directly (group grants travel with the group), sorted. */
  rights: string[];
}

/** A directory group as sites receive it. */
export interface GroupRecord {
  id: string;
  name: string;
  parentId: string | null;
  /** Rights granted to the group, sorted; they apply to its members and the members of its subgroups. */
  rights: string[];
}

/**
 * One directory change: the entity as it is now, or its deletion. A snapshot lists every group before any user,
 * so a site can resolve a user's group names from the batches it already holds.
 */
export type DirectoryChange =
  | { kind: 'user'; id: string; op: 'upsert'; user: UserRecord }
  | { kind: 'group'; id: string; op: 'upsert'; group: GroupRecord }
  | { kind: 'user' | 'group'; id: string; op: 'delete' };

/** What a configuration template configures on a site. */
export type TemplateType = 'queue' | 'policy' | 'printer-profile' | 'price-list';

/** A configuration template as sites receive it. `settings` is validated by the site for its type. */
export interface TemplateRecord {
  id: string;
  type: TemplateType;
  name: string;
  settings: Record<string, unknown>;
  /** Setting names a site may override locally; the others are central's. */
  overridable: string[];
}

/** One template change: the template as it is now, or its deletion. */
export type TemplateChange =
  | { kind: 'template'; id: string; op: 'upsert'; template: TemplateRecord }
  | { kind: 'template'; id: string; op: 'delete' };

/** `value` as the UTF-8 JSON bytes of a `body` or `changes` field. */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/**
 * The JSON value in a `body` or `changes` field. Throws an Error naming `what` when the bytes are not JSON, so a
 * malformed message ends in a clear refusal rather than a half-applied batch.
 */
export function decodeJson<T>(bytes: Buffer | Uint8Array | string, what: string): T {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}
