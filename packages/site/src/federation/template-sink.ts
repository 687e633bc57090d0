/**
 * Where central's configuration templates land on a site: the VersionedSink behind the template applier.
 *
 * Each batch is applied in one transaction together with the version it reaches. Every template is stored as
 * central sent it; a queue template also creates or changes its queue (queues/queue-templates.ts), inside a
 * savepoint, so a template the site cannot apply (an unknown printer, a taken raw port, a value this version
 * refuses) rolls back alone: its row keeps the error, the log says why, and the rest of the batch, and
 * replication, go on. After each batch the failed queue templates are tried again, since a later change may have
 * unblocked them (a queue renamed out of the way); `reapplyFailed` does the same on demand (a printer added).
 * Only a batch that cannot be stored at all (malformed, or the database failing) is refused, and central then
 * sends it again.
 *
 * A snapshot marks each row it lists with its snapshot id (after clearing the marks at its first batch), and its
 * last batch removes the rows left unmarked: a deleted template's queue stays, as a local queue.
 */
import { IsNull, Not, type DataSource, type EntityManager } from 'typeorm';
import { type QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { z } from 'zod';
import { checkInput, describeError, isQuireError, type Logger } from '@quire/common';
import { type TemplateChange } from '@quire/shared-proto';
import { PrinterRepository } from '../printers/printer.repository';
import { printerResolver, QueueTemplates } from '../queues/queue-templates';
import { QueueRepository } from '../queues/queue.repository';
import { type QueueService } from '../queues/queue.service';
import { SiteTemplateEntity, TEMPLATE_STATE_ROW, TemplateStateEntity } from './template-sink.entities';
import { VersionedApplier, type AppliedBatch, type VersionedSink } from './versioned-applier';

/** Construction options of TemplateSink. */
export interface TemplateSinkOptions {
  dataSource: DataSource;
  queueTemplates: QueueTemplates;
  logger: Logger;
  now?: () => Date;
}

/** A stored template that could not be applied, and why. */
export interface TemplateFailure {
  id: string;
  type: string;
  name: string;
  error: string;
}

// Not strict: a later central may add fields, and this site should still store what it understands.
const templateSchema = z.object({
  id: z.string().min(1).max(36),
  type: z.string().min(1).max(32),
  name: z.string().min(1).max(127),
  settings: z.record(z.string(), z.unknown()),
  overridable: z.array(z.string().max(64)).max(100),
});

const changesSchema = z.array(
  z.discriminatedUnion('op', [
    z.object({
      kind: z.literal('template'),
      id: z.string().min(1).max(36),
      op: z.literal('upsert'),
      template: templateSchema,
    }),
    z.object({ kind: z.literal('template'), id: z.string().min(1).max(36), op: z.literal('delete') }),
  ]),
);

type StoredTemplate = z.infer<typeof templateSchema>;

/** The site's template store; see the file comment. */
export class TemplateSink implements VersionedSink<TemplateChange> {
  private readonly now: () => Date;

  constructor(private readonly options: TemplateSinkOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The template version the site holds (0 before its first snapshot). */
  async appliedVersion(): Promise<number> {
    const row = await this.options.dataSource.manager.findOneBy(TemplateStateEntity, {
      id: TEMPLATE_STATE_ROW,
    });
    return row?.version ?? 0;
  }

  /** Apply one batch, and store its version when it settles one; VALIDATION_FAILED when it is malformed. */
  async apply(batch: AppliedBatch<TemplateChange>): Promise<void> {
    const changes = checkInput(changesSchema, batch.changes, 'Template batch is malformed', '(changes)');
    const logs = await this.options.dataSource.transaction(async (tx) => {
      const before = await this.errorsById(tx);
      if (batch.snapshotId !== 0 && batch.first) {
        await tx.createQueryBuilder().update(SiteTemplateEntity).set({ snapshotId: 0 }).execute();
      }
      for (const change of changes) {
        if (change.op === 'delete') await this.remove(change.id, tx);
        else await this.store({ ...change.template, id: change.id }, batch.snapshotId, tx);
      }
      if (batch.snapshotId !== 0 && batch.last) await this.removeUnlisted(batch.snapshotId, tx);
      await this.retryFailed(tx);
      if (batch.snapshotId === 0 || batch.last) {
        await tx.update(
          TemplateStateEntity,
          { id: TEMPLATE_STATE_ROW },
          { version: batch.toVersion, updatedAt: this.now() },
        );
      }
      return this.newErrors(before, tx);
    });
    this.log(logs);
  }

  /** Try every queue template that could not be applied again (after a printer was added, for example). */
  async reapplyFailed(): Promise<void> {
    const logs = await this.options.dataSource.transaction(async (tx) => {
      const before = await this.errorsById(tx);
      await this.retryFailed(tx);
      return this.newErrors(before, tx);
    });
    this.log(logs);
  }

  /** The stored templates the site could not apply, by name. */
  async failures(): Promise<TemplateFailure[]> {
    const rows = await this.options.dataSource.manager.find(SiteTemplateEntity, {
      where: { error: Not(IsNull()) },
      order: { name: 'ASC' },
    });
    return rows.map((row) => ({ id: row.id, type: row.type, name: row.name, error: row.error ?? '' }));
  }

  private async store(template: StoredTemplate, snapshotId: number, tx: EntityManager): Promise<void> {
    const existing = await tx.findOneBy(SiteTemplateEntity, { id: template.id });
    const row: SiteTemplateEntity = {
      id: template.id,
      type: template.type,
      name: template.name,
      settings: template.settings,
      overridable: template.overridable,
      snapshotId: snapshotId !== 0 ? snapshotId : (existing?.snapshotId ?? 0),
      error: template.type === 'queue' ? await this.applyQueue(template, tx) : null,
      updatedAt: this.now(),
    };
    // TypeORM's deep-partial type cannot express a JSON object of unknown values; the transformer writes it.
    const values = row as QueryDeepPartialEntity<SiteTemplateEntity>;
    if (existing) await tx.update(SiteTemplateEntity, { id: row.id }, values);
    else await tx.insert(SiteTemplateEntity, values);
  }

  private async remove(id: string, tx: EntityManager): Promise<void> {
    const row = await tx.findOneBy(SiteTemplateEntity, { id });
    if (!row) return;
    if (row.type === 'queue') await this.options.queueTemplates.release(id, tx);
    await tx.delete(SiteTemplateEntity, { id });
  }

  private async removeUnlisted(snapshotId: number, tx: EntityManager): Promise<void> {
    const unlisted = await tx.find(SiteTemplateEntity, { where: { snapshotId: Not(snapshotId) } });
    for (const row of unlisted) await this.remove(row.id, tx);
  }

  /** Apply a queue template in a savepoint: null when applied, else why not (a database failure is thrown). */
  private async applyQueue(template: StoredTemplate, tx: EntityManager): Promise<string | null> {
    try {
      await tx.transaction((inner) => this.options.queueTemplates.apply(template, inner));
      return null;
    } catch (err) {
      if (!isQuireError(err)) throw err;
      return `Queue template "${template.name}" cannot be applied on this site: ${describeError(err)}`;
    }
  }

  private async retryFailed(tx: EntityManager): Promise<void> {
    const failed = await tx.find(SiteTemplateEntity, { where: { type: 'queue', error: Not(IsNull()) } });
    for (const row of failed) {
      const error = await this.applyQueue(row, tx);
      if (error !== row.error) await tx.update(SiteTemplateEntity, { id: row.id }, { error });
    }
  }

  private async errorsById(tx: EntityManager): Promise<Map<string, string>> {
    const rows = await tx.find(SiteTemplateEntity, { where: { error: Not(IsNull()) } });
    return new Map(rows.map((row) => [row.id, row.error ?? '']));
  }

  /** Errors that are new since `before` (so an error is logged once, not at every batch), and cleared ones. */
  private async newErrors(before: Map<string, string>, tx: EntityManager) {
    const after = await this.errorsById(tx);
    const raised = [...after].filter(([id, error]) => before.get(id) !== error).map(([, error]) => error);
    const cleared = [...before.keys()].filter((id) => !after.has(id));
    return { raised, cleared };
  }

  private log({ raised, cleared }: { raised: string[]; cleared: string[] }): void {
    for (const error of raised) this.options.logger.error(error);
    if (cleared.length > 0) {
      this.options.logger.info('queue templates that had failed are now applied', { templateIds: cleared });
    }
  }
}

/** What the template applier needs from the site server that composes it. */
export interface TemplateApplierOptions {
  dataSource: DataSource;
  /** The site's queue service: queue templates change queues through it, so caches and listeners follow. */
  queues: QueueService;
  logger: Logger;
  /** Called with the version held after each settled batch (metrics, status). */
  onApplied?(version: number): void;
}

/**
 * Compose the site's side of template replication: the sink over the site's queues and printers, and the
 * `templates` applier to hand CentralLink as a participant.
 */
export function buildTemplateApplier(options: TemplateApplierOptions): {
  sink: TemplateSink;
  applier: VersionedApplier<TemplateChange>;
} {
  const logger = options.logger.child({ component: 'templates' });
  const queueTemplates = new QueueTemplates({
    queues: options.queues,
    repository: new QueueRepository(options.dataSource),
    resolvePrinters: printerResolver(new PrinterRepository(options.dataSource)),
  });
  const sink = new TemplateSink({ dataSource: options.dataSource, queueTemplates, logger });
  const applier = new VersionedApplier<TemplateChange>({
    payload: 'templates',
    ack: 'templateAck',
    helloField: 'templateVersion',
    sink,
    logger,
    onApplied: options.onApplied,
  });
  return { sink, applier };
}
