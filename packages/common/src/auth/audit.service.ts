/**
 * The audit log: who did what, to what, with which outcome. Admin writes go through `auditedWrite`, which puts
 * the change and its audit row in one transaction, so the log can never claim a change that was rolled back or
 * miss one that was committed. A failed write still leaves a `failed` row, written after the rollback.
 */
import type { Request } from 'express';
import type { DataSource, EntityManager } from 'typeorm';
import { isQuireError } from '../errors';
import { AuditLogRepository } from './audit-log.repository';
import type { AuditLogEntity, AuditOutcome } from './audit-log.entity';

/** The actor name used for actions the server takes by itself, such as creating the first admin. */
export const SYSTEM_ACTOR = 'system';
/** The actor name used for requests that are not authenticated. */
export const ANONYMOUS_ACTOR = 'anonymous';

// A MySQL TEXT holds 65,535 bytes; 16,000 characters fit even when every one takes four bytes in utf8mb4.
const MAX_DETAILS_CHARS = 16_000;
// Column widths of `audit_log`. Values are clipped to fit because MySQL's strict mode would otherwise fail the
// insert, and with it the audited action, over an over-long user name or address.
const WIDTH = { actorName: 128, targetId: 128, remoteAddr: 64, requestId: 128 } as const;

/** One audit record as callers describe it; the service fills in the id and the time. */
export interface AuditEntry {
  actorId?: string | null;
  actorName: string;
  action: string;
  targetType: string;
  targetId?: string | null;
  details?: Record<string, unknown>;
  outcome: AuditOutcome;
  remoteAddr?: string;
  requestId?: string;
}

/** Serialise details, keeping an oversized payload from failing the insert (and so the audited action). */
function serialiseDetails(details: Record<string, unknown> | undefined): string {
  const json = JSON.stringify(details ?? {});
  return json.length <= MAX_DETAILS_CHARS ? json : JSON.stringify({ truncated: true, length: json.length });
}

/** Writes audit records with an injectable clock. */
export class AuditService {
  constructor(
    private readonly repository: AuditLogRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Insert one audit row, inside `manager`'s transaction when one is given. */
  record(entry: AuditEntry, manager?: EntityManager): Promise<AuditLogEntity> {
    return this.repository.insert(
      {
        at: this.now(),
        actorId: entry.actorId ?? null,
        actorName: entry.actorName.slice(0, WIDTH.actorName),
        action: entry.action,
        targetType: entry.targetType,
        targetId: entry.targetId?.slice(0, WIDTH.targetId) ?? null,
        details: serialiseDetails(entry.details),
        outcome: entry.outcome,
        remoteAddr: (entry.remoteAddr ?? '').slice(0, WIDTH.remoteAddr),
        requestId: (entry.requestId ?? '').slice(0, WIDTH.requestId),
      },
      manager,
    );
  }
}

/** The actor and request fields of an audit entry, taken from an Express request. */
export function auditContextOf(
  req: Request,
): Pick<AuditEntry, 'actorId' | 'actorName' | 'remoteAddr' | 'requestId'> {
  return {
    actorId: req.principal?.userId ?? null,
    actorName: req.principal?.username ?? ANONYMOUS_ACTOR,
    remoteAddr: req.ip ?? req.socket.remoteAddress ?? '',
    requestId: req.requestId,
  };
}

/** What an audited write does, as named in its audit row. */
export interface AuditedAction {
  action: string;
  targetType: string;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Handed to the write so it can fill in what it learns on the way, typically the id of the row it creates
 * (`scope.targetId = site.id`). Both rows, `ok` or `failed`, use the values as they stand at the end.
 */
export interface AuditScope {
  targetId: string | null;
  details: Record<string, unknown>;
}

/** The failure summary kept in a `failed` audit row: a stable code and, for domain errors, their message. */
function failureDetails(err: unknown): Record<string, unknown> {
  return isQuireError(err) ? { errorCode: err.code, error: err.message } : { errorCode: 'INTERNAL' };
}

/**
 * Run `fn` in a transaction and write its `ok` audit row in the same transaction. When `fn` (or the commit)
 * fails, write a `failed` row outside the rolled-back transaction and rethrow the original error. If even that
 * row cannot be written, the failure is logged on the request's logger and the original error still wins.
 */
export async function auditedWrite<T>(
  req: Request,
  action: AuditedAction,
  dataSource: DataSource,
  fn: (manager: EntityManager, scope: AuditScope) => Promise<T>,
): Promise<T> {
  const audit = new AuditService(new AuditLogRepository(dataSource));
  const base = { ...auditContextOf(req), action: action.action, targetType: action.targetType };
  const scope: AuditScope = { targetId: action.targetId ?? null, details: { ...action.details } };
  try {
    return await dataSource.transaction(async (manager) => {
      const result = await fn(manager, scope);
      await audit.record(
        { ...base, targetId: scope.targetId, details: scope.details, outcome: 'ok' },
        manager,
      );
      return result;
    });
  } catch (err) {
    const details = { ...scope.details, ...failureDetails(err) };
    try {
      await audit.record({ ...base, targetId: scope.targetId, details, outcome: 'failed' });
    } catch (auditErr) {
      req.log?.error('could not write the audit row of a failed write', {
        action: action.action,
        error: auditErr instanceof Error ? auditErr.message : String(auditErr),
      });
    }
    throw err;
  }
}
