/**
 * The rules of a queue managed by a central template. Central holds the queue's name and every setting its
 * template names, except those the template marks overridable: a local admin may change those, and central's
 * later values for a setting once changed here are no longer applied. Settings the template does not name stay
 * the site's. Pure functions, so QueueService (local changes) and QueueTemplates (central's changes) share them.
 */
import { isDeepStrictEqual } from 'node:util';
import { ErrorCode, QuireError } from '@quire/common';
import { type QueuePatch } from './queue-input';
import { type QueueEntity } from './queue.entity';

/** How a queue is tied to its template. */
export interface QueueTemplateMark {
  templateId: string;
  /** Settings central holds: a local admin may not change them. */
  locked: string[];
  /** Overridable settings a local admin has changed. */
  overridden: string[];
}

/** What a queue template says (the settings as the site applies them: printers are ids here). */
export interface QueueTemplateSettings {
  id: string;
  name: string;
  settings: Record<string, unknown>;
  overridable: string[];
}

/** The settings in `patch` whose value differs from the queue's. */
export function changedSettings(queue: QueueEntity, patch: QueuePatch): string[] {
  return Object.entries(patch)
    .filter(
      ([key, value]) => value !== undefined && !isDeepStrictEqual(value, queue[key as keyof QueueEntity]),
    )
    .map(([key]) => key);
}

/**
 * Check a local admin's change of a managed queue. CONFLICT names the settings central holds that it would
 * change; otherwise the answer is the queue's overridden settings with the changed ones added.
 */
export function checkLocalChange(queue: QueueEntity, patch: QueuePatch): string[] {
  const changed = changedSettings(queue, patch);
  const locked = queue.templateLocked.filter((key) => changed.includes(key));
  if (locked.length > 0) {
    throw new QuireError(
      ErrorCode.Conflict,
      `Queue "${queue.name}" is managed by a central template, which holds ${locked.join(', ')}: change ${locked.length === 1 ? 'it' : 'them'} in the template at central`,
      { details: { fields: locked, templateId: queue.templateId } },
    );
  }
  return [...new Set([...queue.templateOverridden, ...changed])];
}

/** CONFLICT for deleting a managed queue locally. */
export function managedQueueDeletion(queue: QueueEntity): QuireError {
  return new QuireError(
    ErrorCode.Conflict,
    `Queue "${queue.name}" is managed by a central template: delete the template at central (the queue then stays, as a local queue)`,
    { details: { templateId: queue.templateId } },
  );
}

/** The settings central holds on a queue made from `template`: its name, and every named setting not overridable. */
export function lockedSettings(template: QueueTemplateSettings): string[] {
  return ['name', ...Object.keys(template.settings).filter((key) => !template.overridable.includes(key))];
}

/**
 * What applying `template` to `queue` changes, and the queue's mark afterwards. Overridable settings the site
 * has changed keep the site's value; a setting that is no longer overridable goes back to central's. A queue
 * that another template managed, or none, starts with no overrides.
 */
export function centralChange(
  queue: QueueEntity,
  template: QueueTemplateSettings,
): { patch: QueuePatch; mark: QueueTemplateMark } {
  const previous = queue.templateId === template.id ? queue.templateOverridden : [];
  const overridden = previous.filter((key) => template.overridable.includes(key));
  const patch: Record<string, unknown> = { name: template.name };
  for (const [key, value] of Object.entries(template.settings)) {
    if (!overridden.includes(key)) patch[key] = value;
  }
  return {
    patch: patch as QueuePatch,
    mark: { templateId: template.id, locked: lockedSettings(template), overridden },
  };
}
