/**
 * Event actions: creating, changing and deleting them, and recording how their last delivery went. Every action
 * must name event definitions that exist; the webhook secret is kept for signing and never shown (the JSON says
 * only whether one is set).
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { checkInput, ErrorCode, newId, QuireError, withinTransaction } from '@quire/common';
import {
  actionPatchSchema,
  checkActionSettings,
  type ActionKind,
  type ActionPatch,
  type ActionSettings,
  type NewAction,
  type NotifyOn,
} from './event-action-input';
import { PrinterEventActionEntity } from './printer-event-action.entity';
import { type ActionChanges, type PrinterEventActionRepository } from './printer-event-action.repository';
import { type PrinterEventDefinitionRepository } from './printer-event-definition.repository';

/** Construction options of PrinterEventActionService. */
export interface PrinterEventActionServiceOptions {
  dataSource: DataSource;
  actions: PrinterEventActionRepository;
  definitions: PrinterEventDefinitionRepository;
  now?: () => Date;
}

/** How one delivery went, as recorded on the action: sent (to some recipients at least), an error, or both. */
export interface DeliveryOutcome {
  at: Date;
  sent: boolean;
  error: string | null;
}

/** The JSON view of an action: every setting but the secret, and the last delivery's outcome. */
export function eventActionJson(action: PrinterEventActionEntity) {
  return {
    id: action.id,
    name: action.name,
    enabled: action.enabled,
    definitionIds: action.definitionIds,
    printerGroups: action.printerGroups,
    kind: action.kind,
    recipients: action.recipients,
    subject: action.subject,
    body: action.body,
    url: action.url,
    secretSet: action.secret !== null && action.secret !== '',
    notifyOn: action.notifyOn,
    minIntervalMinutes: action.minIntervalMinutes,
    lastSentAt: action.lastSentAt?.toISOString() ?? null,
    lastError: action.lastError,
    lastErrorAt: action.lastErrorAt?.toISOString() ?? null,
    createdAt: action.createdAt.toISOString(),
    updatedAt: action.updatedAt.toISOString(),
  };
}

function settingsOf(action: PrinterEventActionEntity): ActionSettings {
  return {
    name: action.name,
    enabled: action.enabled,
    definitionIds: action.definitionIds,
    printerGroups: action.printerGroups,
    kind: action.kind as ActionKind,
    recipients: action.recipients,
    subject: action.subject,
    body: action.body,
    url: action.url,
    secret: action.secret,
    notifyOn: action.notifyOn as NotifyOn,
    minIntervalMinutes: action.minIntervalMinutes,
  };
}

/** Event action rules and persistence. */
export class PrinterEventActionService {
  private readonly now: () => Date;

  constructor(private readonly options: PrinterEventActionServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Every action, by name. */
  list(manager?: EntityManager): Promise<PrinterEventActionEntity[]> {
    return this.options.actions.list(manager);
  }

  /** The enabled actions. */
  listEnabled(manager?: EntityManager): Promise<PrinterEventActionEntity[]> {
    return this.options.actions.listEnabled(manager);
  }

  /** One action, or EVENT_ACTION_NOT_FOUND. */
  async get(id: string, manager?: EntityManager): Promise<PrinterEventActionEntity> {
    const action = await this.options.actions.findById(id, manager);
    if (!action) throw new QuireError(ErrorCode.EventActionNotFound, `No event action with id ${id}`);
    return action;
  }

  /** Add an action; VALIDATION_FAILED names each bad field, including event definitions that do not exist. */
  async create(input: NewAction, manager?: EntityManager): Promise<PrinterEventActionEntity> {
    const settings = checkActionSettings(input);
    return withinTransaction(this.options.dataSource, manager, async (tx) => {
      await this.checkDefinitions(settings.definitionIds, tx);
      const at = this.now();
      const action = Object.assign(new PrinterEventActionEntity(), settings, {
        id: newId(),
        lastSentAt: null,
        lastError: null,
        lastErrorAt: null,
        createdAt: at,
        updatedAt: at,
      });
      await this.options.actions.insert(action, tx);
      return action;
    });
  }

  /** Change some settings; the merged action is checked as a whole. */
  async update(id: string, patch: ActionPatch, manager?: EntityManager): Promise<PrinterEventActionEntity> {
    const changes = checkInput(actionPatchSchema, patch, 'Event action is invalid', '(action)');
    return withinTransaction(this.options.dataSource, manager, async (tx) => {
      const current = await this.get(id, tx);
      const settings = checkActionSettings({ ...settingsOf(current), ...changes });
      if (changes.definitionIds !== undefined) await this.checkDefinitions(settings.definitionIds, tx);
      const updatedAt = this.now();
      await this.options.actions.update(id, { ...settings, updatedAt }, tx);
      return Object.assign(current, settings, { updatedAt });
    });
  }

  /** Delete an action. */
  async remove(id: string, manager?: EntityManager): Promise<void> {
    if (!(await this.options.actions.delete(id, manager))) {
      throw new QuireError(ErrorCode.EventActionNotFound, `No event action with id ${id}`);
    }
  }

  /** Record how a delivery went: when it last reached someone, and the last error and when. */
  async recordOutcome(id: string, outcome: DeliveryOutcome): Promise<void> {
    const changes: ActionChanges = {};
    if (outcome.sent) changes.lastSentAt = outcome.at;
    if (outcome.error !== null)
      Object.assign(changes, { lastError: outcome.error.slice(0, 2000), lastErrorAt: outcome.at });
    await this.options.actions.update(id, changes);
  }

  private async checkDefinitions(ids: readonly string[], manager: EntityManager): Promise<void> {
    const existing = await this.options.definitions.existingIds(ids, manager);
    const unknown = ids.filter((id) => !existing.has(id));
    if (unknown.length === 0) return;
    const problem = `names no event definition: ${unknown.join(', ')}`;
    throw new QuireError(ErrorCode.ValidationFailed, `Event action is invalid: definitionIds ${problem}`, {
      details: { fields: [{ field: 'definitionIds', problem }] },
    });
  }
}
