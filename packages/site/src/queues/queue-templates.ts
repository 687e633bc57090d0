/**
 * Makes central's queue templates take effect on the site: a template creates the queue of its name, or takes
 * over the local queue already called so, and each later version changes it, keeping the overridable settings a
 * local admin has changed (managed-queue.ts). Deleting the template leaves the queue, as a local one: jobs may be
 * waiting in it.
 *
 * A template names printers as central knows them, by name (a site printer id works too); they are resolved to
 * this site's printers here. Anything the site cannot apply (an unknown printer, a taken raw port, a value this
 * version refuses) is a QuireError naming the setting, and changes nothing.
 */
import { type EntityManager } from 'typeorm';
import { ErrorCode, isUuid, QuireError } from '@quire/common';
import { type PrinterRepository } from '../printers';
import {
  centralChange,
  lockedSettings,
  type QueueTemplateMark,
  type QueueTemplateSettings,
} from './managed-queue';
import { checkedInput, newQueueSchema, type NewQueue } from './queue-input';
import { type QueueEntity } from './queue.entity';
import { type QueueRepository } from './queue.repository';
import { type QueueService } from './queue.service';

/** Resolves printer names or ids to this site's printer ids; `unknown` lists the ones that name no printer. */
export type PrinterResolver = (
  refs: string[],
  manager?: EntityManager,
) => Promise<{ ids: string[]; unknown: string[] }>;

/** A PrinterResolver over the site's printers: an id first, else a name in any case. */
export function printerResolver(printers: PrinterRepository): PrinterResolver {
  return async (refs, manager) => {
    const ids: string[] = [];
    const unknown: string[] = [];
    for (const ref of refs) {
      const printer =
        (isUuid(ref) ? await printers.findById(ref, manager) : null) ??
        (await printers.findByNameKey(ref.toLowerCase(), manager));
      if (printer) ids.push(printer.id);
      else unknown.push(ref);
    }
    return { ids, unknown };
  };
}

/** Construction options of QueueTemplates. */
export interface QueueTemplatesOptions {
  queues: QueueService;
  repository: QueueRepository;
  resolvePrinters: PrinterResolver;
}

/** Applies queue templates to the site's queues; see the file comment. */
export class QueueTemplates {
  constructor(private readonly options: QueueTemplatesOptions) {}

  /** Create or change the queue of `template`; a QuireError naming the setting when it cannot be applied. */
  async apply(template: QueueTemplateSettings, manager: EntityManager): Promise<QueueEntity> {
    const { queues } = this.options;
    const resolved = { ...template, settings: await this.siteSettings(template, manager) };
    const queue = await this.queueOf(template, manager);
    let id: string;
    let mark: QueueTemplateMark;
    if (queue) {
      const change = centralChange(queue, resolved);
      await queues.update(queue.id, change.patch, manager, { byTemplate: true });
      id = queue.id;
      mark = change.mark;
    } else {
      const created = await queues.create({ ...resolved.settings, name: template.name } as NewQueue, manager);
      id = created.id;
      mark = { templateId: template.id, locked: lockedSettings(template), overridden: [] };
    }
    await queues.setTemplate(id, mark, manager);
    return queues.get(id, manager);
  }

  /** The queue of a deleted template becomes a local queue again (nothing happens when there is none). */
  async release(templateId: string, manager: EntityManager): Promise<void> {
    const queue = await this.options.repository.findByTemplateId(templateId, manager);
    if (queue) await this.options.queues.setTemplate(queue.id, null, manager);
  }

  /** The queue the template manages, else the local queue of its name; CONFLICT when another template has it. */
  private async queueOf(
    template: QueueTemplateSettings,
    manager: EntityManager,
  ): Promise<QueueEntity | null> {
    const { repository } = this.options;
    const managed = await repository.findByTemplateId(template.id, manager);
    if (managed) return managed;
    const named = await repository.findByName(template.name, manager);
    if (named?.templateId) {
      throw new QuireError(
        ErrorCode.Conflict,
        `Queue "${named.name}" is managed by another central template (${named.templateId})`,
        { details: { field: 'name', templateId: named.templateId } },
      );
    }
    return named;
  }

  /** The template's settings checked as a new queue's, with its printers as this site's ids. */
  private async siteSettings(
    template: QueueTemplateSettings,
    manager: EntityManager,
  ): Promise<Record<string, unknown>> {
    const settings = { ...template.settings };
    const refs = settings.printers;
    if (Array.isArray(refs) && refs.every((ref): ref is string => typeof ref === 'string')) {
      const { ids, unknown } = await this.options.resolvePrinters(refs, manager);
      if (unknown.length > 0) {
        const problem = `no printer named or with id ${unknown.map((ref) => `"${ref}"`).join(', ')} on this site`;
        throw new QuireError(
          ErrorCode.ValidationFailed,
          `Queue template settings are invalid: printers: ${problem}`,
          {
            details: { fields: [{ field: 'printers', problem }] },
          },
        );
      }
      settings.printers = ids;
    }
    const { name: _name, ...checked } = checkedInput(
      newQueueSchema,
      { ...settings, name: template.name },
      'Queue template',
    );
    return checked;
  }
}
