/**
 * Event definitions: creating, changing and deleting them, and the list of enabled ones the evaluator reads on
 * every poll (cached, and dropped whenever a change commits). Switching a definition off or deleting it closes
 * its open episodes in the same transaction, since nothing would ever judge them again; the history keeps them.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { afterCommit, checkInput, ErrorCode, newId, QuireError, withinTransaction } from '@quire/common';
import {
  checkDefinitionSpec,
  definitionPatchSchema,
  newDefinitionSchema,
  storedDefinitionSpec,
  type DefinitionPatch,
  type DefinitionSpec,
  type NewDefinition,
} from './event-definition-input';
import { queueEpisodeRecords, type EventOutbox } from './episode-records';
import { type PrinterEventActionRepository } from './printer-event-action.repository';
import { PrinterEventDefinitionEntity } from './printer-event-definition.entity';
import { type PrinterEventDefinitionRepository } from './printer-event-definition.repository';
import { type PrinterEventRepository } from './printer-event.repository';

/** An enabled definition as the evaluator uses it: its stored row with the parameters parsed. */
export interface ActiveDefinition {
  id: string;
  name: string;
  spec: DefinitionSpec;
}

/** Construction options of PrinterEventDefinitionService. */
export interface PrinterEventDefinitionServiceOptions {
  dataSource: DataSource;
  definitions: PrinterEventDefinitionRepository;
  episodes: PrinterEventRepository;
  actions: PrinterEventActionRepository;
  /** The replication outbox; null on a standalone site. */
  outbox?: EventOutbox | null;
  now?: () => Date;
}

/** Event definition rules and persistence. */
export class PrinterEventDefinitionService {
  private readonly now: () => Date;
  private cache: Promise<ActiveDefinition[]> | null = null;

  constructor(private readonly options: PrinterEventDefinitionServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Every definition, by name. */
  list(manager?: EntityManager): Promise<PrinterEventDefinitionEntity[]> {
    return this.options.definitions.list(manager);
  }

  /** One definition, or NOT_FOUND. */
  async get(id: string, manager?: EntityManager): Promise<PrinterEventDefinitionEntity> {
    const definition = await this.options.definitions.findById(id, manager);
    if (!definition) throw new QuireError(ErrorCode.NotFound, `No printer event definition with id ${id}`);
    return definition;
  }

  /**
   * The enabled definitions whose parameters make sense, for the evaluator. Read once and kept until a change
   * commits; a row edited by hand into nonsense is left out rather than misjudged.
   */
  enabled(manager?: EntityManager): Promise<ActiveDefinition[]> {
    this.cache ??= this.loadEnabled(manager).catch((err: unknown) => {
      this.cache = null;
      throw err;
    });
    return this.cache;
  }

  /** Add a definition; VALIDATION_FAILED names each bad field or parameter. */
  async create(input: NewDefinition, manager?: EntityManager): Promise<PrinterEventDefinitionEntity> {
    const body = checkInput(newDefinitionSchema, input, 'Event definition is invalid', '(definition)');
    const spec = checkDefinitionSpec(body.type, body.params ?? {});
    const at = this.now();
    const definition = Object.assign(new PrinterEventDefinitionEntity(), {
      id: newId(),
      name: body.name,
      type: spec.type,
      enabled: body.enabled,
      params: spec.params,
      createdAt: at,
      updatedAt: at,
    });
    await this.options.definitions.insert(definition, manager);
    this.changed(manager);
    return definition;
  }

  /** Change a definition's name, parameters or switch; switching it off closes its open episodes. */
  async update(
    id: string,
    patch: DefinitionPatch,
    manager?: EntityManager,
  ): Promise<PrinterEventDefinitionEntity> {
    const changes = checkInput(definitionPatchSchema, patch, 'Event definition is invalid', '(definition)');
    return withinTransaction(this.options.dataSource, manager, async (tx) => {
      const current = await this.get(id, tx);
      const params = changes.params
        ? checkDefinitionSpec(current.type, changes.params).params
        : current.params;
      const updated = Object.assign(new PrinterEventDefinitionEntity(), current, {
        name: changes.name ?? current.name,
        enabled: changes.enabled ?? current.enabled,
        params,
        updatedAt: this.now(),
      });
      const { name, enabled, updatedAt } = updated;
      await this.options.definitions.update(id, { name, enabled, params, updatedAt }, tx);
      if (current.enabled && !updated.enabled) await this.closeEpisodes(id, tx);
      this.changed(tx);
      return updated;
    });
  }

  /** Delete a definition: its open episodes close, and actions no longer list it. */
  async remove(id: string, manager?: EntityManager): Promise<void> {
    await withinTransaction(this.options.dataSource, manager, async (tx) => {
      await this.get(id, tx);
      await this.closeEpisodes(id, tx);
      await this.options.actions.dropDefinition(id, this.now(), tx);
      await this.options.definitions.delete(id, tx);
      this.changed(tx);
    });
  }

  private async closeEpisodes(definitionId: string, manager: EntityManager): Promise<void> {
    const at = this.now();
    const closed = [];
    for (const episode of await this.options.episodes.openOfDefinition(definitionId, manager)) {
      if (!(await this.options.episodes.close(episode.id, at, manager))) continue;
      closed.push(Object.assign(episode, { closedAt: at, openKey: null }));
    }
    await queueEpisodeRecords(this.options.outbox, closed, manager);
  }

  private async loadEnabled(manager?: EntityManager): Promise<ActiveDefinition[]> {
    const rows = await this.options.definitions.listEnabled(manager);
    const active: ActiveDefinition[] = [];
    for (const row of rows) {
      const spec = storedDefinitionSpec(row.type, row.params);
      if (spec) active.push({ id: row.id, name: row.name, spec });
    }
    return active;
  }

  /** Drop the cache now and again once the change commits, so a read in between cannot keep the old list. */
  private changed(manager?: EntityManager): void {
    this.cache = null;
    afterCommit(this.options.dataSource, manager, () => {
      this.cache = null;
    });
  }
}
