/**
 * The queues domain: creating, changing and deleting queues (names unique regardless of case, raw socket ports
 * unique), the queues every site starts with, the raw port map the socket listeners open, and owner detection
 * with each queue's rules. Emits `changed` after any committed change, so front-ends that cache queues (the
 * raw listeners, IPP printer lookups) know to read them again.
 */
import { EventEmitter } from 'node:events';
import { type EntityManager } from 'typeorm';
import {
  ErrorCode,
  QuireError,
  describeError,
  isUuid,
  newId,
  type FieldProblem,
  type Logger,
  isUniqueViolation,
} from '@quire/common';
import { type QueueSummary } from '../intake/intake-port';
import { defaultDetectionRules } from './detection-rules';
import { checkLocalChange, managedQueueDeletion, type QueueTemplateMark } from './managed-queue';
import { checkNewQueue, checkQueuePatch, type NewQueue, type QueuePatch } from './queue-input';
import { type QueueEntity } from './queue.entity';
import { queueNameKey, type QueueChanges, type QueueRepository } from './queue.repository';
import { detectOwner, type OwnerDetectionInput, type OwnerDetectionResult } from './user-detection';

export interface QueueServiceOptions {
  queues: QueueRepository;
  logger: Logger;
  /** Which of some printer ids name no printer; queues may only be assigned printers that exist. */
  unknownPrinters?: (ids: string[], manager?: EntityManager) => Promise<string[]>;
  now?: () => Date;
}

/** A raw socket port and the queue its jobs go to. */
export interface RawPortMapping {
  port: number;
  queueName: string;
}

/**
 * The queues a site starts with, both pull queues as in MyQ. `Web` detects the owner from the sender only: its
 * jobs come from signed-in web users, and a PJL USERNAME inside an uploaded print file must not reassign the job
 * (and its cost) to somebody else.
 */
export const DEFAULT_QUEUES: readonly NewQueue[] = [
  {
    name: 'Default',
    type: 'pull',
    description:
      'Secure pull printing for every user: jobs wait here until their owner releases them at a printer',
  },
  {
    name: 'Web',
    type: 'pull',
    description: 'Documents uploaded through the web interface, held until their owner releases them',
    userDetection: [{ kind: 'sender' }],
  },
];

type QueueServiceEvents = { changed: [] };

/** How old the intake's queue map may get before it is read again (changes by the CLI show within this). */
export const QUEUE_CACHE_MAX_AGE_MS = 10_000;
/** How old it may be when a name is not in it: a queue the CLI just created is found at once. */
export const QUEUE_CACHE_MISS_AGE_MS = 1_000;

/** Queue rules and persistence; see the file comment. */
export class QueueService extends EventEmitter<QueueServiceEvents> {
  private readonly now: () => Date;
  /**
   * Queues by lower-cased name, for the intake hot path (every job looks its queue up). Loaded on first use and
   * dropped on every committed change of this process. The CLI writes the same table from its own process
   * (`quire-site printers discover` creating direct queues), so the map is also reloaded once it is older than
   * QUEUE_CACHE_MAX_AGE_MS, or on a miss once it is older than QUEUE_CACHE_MISS_AGE_MS.
   */
  private byName: { loadedAt: number; queues: Promise<Map<string, QueueEntity>> } | null = null;

  constructor(private readonly options: QueueServiceOptions) {
    super();
    this.now = options.now ?? (() => new Date());
  }

  /** Every queue, by name. */
  list(): Promise<QueueEntity[]> {
    return this.options.queues.list();
  }

  /** The queue with this name in any case (`default` finds `Default`), or null. */
  async findByName(name: string): Promise<QueueEntity | null> {
    const key = name.toLowerCase();
    const found = (await this.queuesByName(QUEUE_CACHE_MAX_AGE_MS)).get(key);
    if (found) return found;
    return (await this.queuesByName(QUEUE_CACHE_MISS_AGE_MS)).get(key) ?? null;
  }

  /** The queue map, loaded again when it is older than `maxAgeMs`; a failed load is not kept. */
  private async queuesByName(maxAgeMs: number): Promise<Map<string, QueueEntity>> {
    const at = Date.now();
    if (this.byName === null || at - this.byName.loadedAt > maxAgeMs) {
      const queues = this.options.queues
        .list()
        .then((list) => new Map(list.map((queue) => [queue.name.toLowerCase(), queue])));
      this.byName = { loadedAt: at, queues };
    }
    const cached = this.byName;
    try {
      return await cached.queues;
    } catch (err) {
      if (this.byName === cached) this.byName = null;
      throw err;
    }
  }

  /** One queue, or NOT_FOUND. */
  async get(id: string, manager?: EntityManager): Promise<QueueEntity> {
    const queue = await this.options.queues.findById(id, manager);
    if (!queue) throw new QuireError(ErrorCode.NotFound, `No queue with id ${id}`);
    return queue;
  }

  /** A queue by id or by name in any case, or NOT_FOUND (the REST API takes either). */
  async resolve(ref: string, manager?: EntityManager): Promise<QueueEntity> {
    const byId = isUuid(ref) ? await this.options.queues.findById(ref, manager) : null;
    const queue = byId ?? (await this.options.queues.findByName(ref, manager));
    if (!queue) throw new QuireError(ErrorCode.QueueNotFound, `No queue named or with id "${ref}"`);
    return queue;
  }

  /**
   * Create a queue. Defaults: online, no raw port, the default detection rules, case-insensitive detection, and
   * unknown owners rejected (accepting them would hold jobs nobody can release or be charged for). A name taken
   * in any case, or a taken raw port, is a CONFLICT; bad settings are VALIDATION_FAILED.
   */
  async create(input: NewQueue, manager?: EntityManager): Promise<QueueEntity> {
    const queue = this.buildQueue(checkNewQueue(input), this.now());
    await this.assertPrinters(queue, manager);
    await this.assertNoClash(queue, null, manager);
    await this.conflictOnDuplicate(() => this.options.queues.insert(queue, manager), queue);
    this.announce(manager);
    this.options.logger.info('queue created', { queueId: queue.id, queue: queue.name, type: queue.type });
    return queue;
  }

  /**
   * Change some settings of a queue; NOT_FOUND, CONFLICT and VALIDATION_FAILED as for `create`. On a queue a
   * central template manages, a local change of a setting central holds is a CONFLICT naming it, and a changed
   * overridable setting is recorded as overridden; `byTemplate` marks central's own changes, which are neither.
   */
  async update(
    id: string,
    patch: QueuePatch,
    manager?: EntityManager,
    options: { byTemplate?: boolean } = {},
  ): Promise<QueueEntity> {
    const checked = checkQueuePatch(patch);
    const current = await this.get(id, manager);
    const changes: QueueChanges = { updatedAt: this.now() };
    for (const [key, value] of Object.entries(checked)) {
      if (value !== undefined) Object.assign(changes, { [key]: value });
    }
    if (current.templateId !== null && !options.byTemplate) {
      changes.templateOverridden = checkLocalChange(current, checked);
    }
    if (changes.name !== undefined) changes.nameKey = queueNameKey(changes.name);
    await this.assertPrinters({ ...current, ...changes }, manager);
    await this.assertNoClash(changes, id, manager);
    const updated = await this.conflictOnDuplicate(
      () => this.options.queues.update(id, changes, manager),
      changes,
    );
    if (!updated) throw new QuireError(ErrorCode.NotFound, `No queue with id ${id}`);
    this.announce(manager);
    this.options.logger.info('queue updated', { queueId: id, queue: changes.name ?? current.name });
    return { ...current, ...changes };
  }

  /**
   * Delete a queue, or NOT_FOUND; a queue a central template manages is a CONFLICT (its template is deleted at
   * central). Jobs already in it keep the queue name they were submitted with.
   */
  async remove(id: string, manager?: EntityManager): Promise<void> {
    const queue = await this.get(id, manager);
    if (queue.templateId !== null) throw managedQueueDeletion(queue);
    if (!(await this.options.queues.delete(id, manager))) {
      throw new QuireError(ErrorCode.NotFound, `No queue with id ${id}`);
    }
    this.announce(manager);
    this.options.logger.info('queue deleted', { queueId: id });
  }

  /** Tie a queue to the central template that manages it, or (with null) make it a local queue again. */
  async setTemplate(id: string, mark: QueueTemplateMark | null, manager?: EntityManager): Promise<void> {
    const changes: QueueChanges = {
      templateId: mark?.templateId ?? null,
      templateLocked: mark?.locked ?? [],
      templateOverridden: mark?.overridden ?? [],
      updatedAt: this.now(),
    };
    if (!(await this.options.queues.update(id, changes, manager))) {
      throw new QuireError(ErrorCode.NotFound, `No queue with id ${id}`);
    }
    this.announce(manager);
  }

  /** Take a deleted printer off every queue that names it. */
  async dropPrinter(printerId: string, manager?: EntityManager): Promise<void> {
    const queues = await this.options.queues.list(manager);
    for (const queue of queues.filter((q) => q.printers.includes(printerId))) {
      const printers = queue.printers.filter((id) => id !== printerId);
      await this.options.queues.update(queue.id, { printers, updatedAt: this.now() }, manager);
    }
    this.announce(manager);
  }

  /**
   * Create the default queues (`Default` and `Web`) when the site has no queue at all, i.e. on first start. A
   * queue an admin later deletes or renames stays so: the defaults are never recreated once any queue exists.
   * Idempotent, and safe if two processes race on one database.
   */
  async ensureDefaultQueues(): Promise<void> {
    const repo = this.options.queues;
    const created = await repo
      .transaction(async (manager) => {
        if ((await repo.count(manager)) > 0) return [];
        const now = this.now();
        const queues = DEFAULT_QUEUES.map((settings) => this.buildQueue(settings, now));
        for (const queue of queues) await repo.insert(queue, manager);
        return queues.map((queue) => queue.name);
      })
      .catch((err: unknown) => {
        if (isUniqueViolation(err)) return [];
        throw err;
      });
    if (created.length === 0) return;
    this.options.logger.info('default queues created', { queues: created });
    this.emitChanged();
  }

  /** Every raw socket port with its queue, by port. Offline queues are included: intake refuses their jobs. */
  async rawPortMappings(): Promise<RawPortMapping[]> {
    const queues = await this.options.queues.withRawPorts();
    return queues.map((queue) => ({ port: queue.rawPort as number, queueName: queue.name }));
  }

  /** The owner of a job on `queue`, by its detection rules and unknown-owner policy (see user-detection.ts). */
  detectOwner(queue: QueueEntity, input: OwnerDetectionInput): OwnerDetectionResult {
    return detectOwner(queue, input);
  }

  private buildQueue(settings: NewQueue, now: Date): QueueEntity {
    return {
      id: newId(),
      name: settings.name,
      nameKey: queueNameKey(settings.name),
      type: settings.type,
      description: settings.description ?? '',
      online: settings.online ?? true,
      rawPort: settings.rawPort ?? null,
      unknownOwnerPolicy: settings.unknownOwnerPolicy ?? 'reject',
      userDetection: settings.userDetection ?? defaultDetectionRules(),
      detectionCaseSensitive: settings.detectionCaseSensitive ?? false,
      printers: settings.printers ?? [],
      printerGroups: settings.printerGroups ?? [],
      priority: settings.priority ?? 0,
      keepForReprint: settings.keepForReprint ?? false,
      forceColor: settings.forceColor ?? 'keep',
      forceDuplex: settings.forceDuplex ?? 'keep',
      forceTonerSave: settings.forceTonerSave ?? 'keep',
      customPjl: settings.customPjl ?? [],
      templateId: null,
      templateLocked: [],
      templateOverridden: [],
      createdAt: now,
      updatedAt: now,
    };
  }

  /** A direct queue prints on one printer; every printer named must exist. VALIDATION_FAILED otherwise. */
  private async assertPrinters(queue: QueueEntity, manager?: EntityManager): Promise<void> {
    const problems: FieldProblem[] = [];
    if (queue.type === 'direct' && (queue.printers.length > 1 || queue.printerGroups.length > 0)) {
      problems.push({
        field: 'printers',
        problem: 'a direct queue prints on exactly one printer, and no group',
      });
    }
    const unknown = this.options.unknownPrinters
      ? await this.options.unknownPrinters(queue.printers, manager)
      : [];
    if (unknown.length > 0)
      problems.push({ field: 'printers', problem: `no printer with id ${unknown.join(', ')}` });
    if (problems.length === 0) return;
    const message = `Queue settings are invalid: ${problems.map((p) => `${p.field}: ${p.problem}`).join('; ')}`;
    throw new QuireError(ErrorCode.ValidationFailed, message, { details: { fields: problems } });
  }

  private async assertNoClash(
    wanted: { name?: string; rawPort?: number | null },
    exceptId: string | null,
    manager?: EntityManager,
  ): Promise<void> {
    const clash = await this.options.queues.findClash(wanted, exceptId, manager);
    if (clash) throw this.conflict(clash.field, clash.queue.name, wanted.rawPort ?? null);
  }

  /** Run a write, turning a unique-index violation (a concurrent write won the race) into CONFLICT. */
  private async conflictOnDuplicate<T>(
    write: () => Promise<T>,
    wanted: { name?: string; rawPort?: number | null },
  ): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const field = /raw_port/.test(describeError(err)) ? 'rawPort' : 'name';
      throw this.conflict(field, field === 'name' ? (wanted.name ?? null) : null, wanted.rawPort ?? null);
    }
  }

  /** CONFLICT naming the field, and the queue holding the name or port when it is known. */
  private conflict(field: 'name' | 'rawPort', holder: string | null, rawPort: number | null): QuireError {
    const message =
      field === 'name'
        ? `A queue named "${holder ?? '(this name)'}" already exists (queue names are compared without regard to case)`
        : `Raw port ${rawPort} is already mapped to ${holder === null ? 'another queue' : `queue "${holder}"`}`;
    return new QuireError(ErrorCode.Conflict, message, { details: { field } });
  }

  private announce(manager: EntityManager | undefined): void {
    this.options.queues.afterCommit(manager, () => this.emitChanged());
  }

  private emitChanged(): void {
    this.byName = null;
    try {
      this.emit('changed');
    } catch (err) {
      this.options.logger.error('a queue change listener failed', { error: describeError(err) });
    }
  }
}

/** A queue as intake front-ends see it. */
export function toQueueSummary(queue: QueueEntity): QueueSummary {
  return {
    id: queue.id,
    name: queue.name,
    type: queue.type,
    online: queue.online,
    description: queue.description,
  };
}
