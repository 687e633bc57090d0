/**
 * The printer event evaluator: a monitoring observer that turns each stored observation of a printer into
 * episodes. For every enabled definition it asks which subjects are in the condition now (event-conditions.ts),
 * opens an episode for each that has none, and closes the open ones whose condition the reading shows is over;
 * counter milestones fire as instant episodes. It runs inside the transaction that stores the observation, so
 * episodes, their outbox records and the observation commit together; actions hear of the changes only after
 * that commit, and never hold up the poll.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { afterCommit, newId, withinTransaction, type Logger } from '@quire/common';
import { type PrinterObservation, type PrinterReading } from '../monitoring/printer-reading';
import { PrinterEntity } from '../printer.entity';
import { counterValue, crossedMilestones } from './counter-milestones';
import { evaluateCondition, type ActiveCondition, type StateSpec } from './event-conditions';
import { type MilestoneParams } from './event-definition-input';
import { queueEpisodeRecords, type EventOutbox } from './episode-records';
import {
  type ActiveDefinition,
  type PrinterEventDefinitionService,
} from './printer-event-definition.service';
import { PrinterEventEntity } from './printer-event.entity';
import { openKeyOf, type PrinterEventRepository } from './printer-event.repository';

/** What happened to an episode: it opened, closed, or (a milestone) did both at once. */
export type EpisodeTransition = 'open' | 'close' | 'instant';

/** One episode change, as event actions receive it after the commit. */
export interface EpisodeChange {
  transition: EpisodeTransition;
  episode: PrinterEventEntity;
  /** The printer as it was when the change was judged. */
  printer: PrinterEntity;
  /** The observation that caused the change. */
  observation: PrinterObservation;
}

/** Construction options of PrinterEventEvaluator. */
export interface PrinterEventEvaluatorOptions {
  dataSource: DataSource;
  definitions: Pick<PrinterEventDefinitionService, 'enabled'>;
  episodes: PrinterEventRepository;
  /** The replication outbox; null on a standalone site. */
  outbox?: EventOutbox | null;
  /** Told of the changes once their transaction has committed (the action dispatcher's `dispatch`). */
  onEpisodes?: (changes: EpisodeChange[]) => void;
  logger?: Logger;
}

const SUBJECT_MAX = 64;
const MESSAGE_MAX = 512;

/** Opens and closes episodes from observations; a `PrinterObserver` of the monitor. */
export class PrinterEventEvaluator {
  constructor(private readonly options: PrinterEventEvaluatorOptions) {}

  /**
   * Judge `now` (and, for milestones, the last answer before it: `lastReading`, or previous's reading when that
   * is left out) against every enabled definition, inside the transaction of `manager` that stores the
   * observation.
   */
  async observe(
    printer: PrinterEntity,
    now: PrinterObservation,
    previous: PrinterObservation | null,
    manager: EntityManager,
    lastReading?: PrinterReading | null,
  ): Promise<void> {
    const before = lastReading === undefined ? (previous?.reading ?? null) : lastReading;
    const definitions = await this.options.definitions.enabled(manager);
    if (definitions.length === 0) return;
    const open = await this.options.episodes.openFor(printer.id, manager);
    // Actions run after the commit; the caller may change its printer object by then.
    const context = { printer: Object.assign(new PrinterEntity(), printer), now, manager };
    const changes: EpisodeChange[] = [];
    for (const definition of definitions) {
      const { spec } = definition;
      const found =
        spec.type === 'counter-milestone'
          ? await this.fireMilestones(definition, spec.params, before, context)
          : await this.settle(
              definition,
              spec,
              open.filter((episode) => episode.definitionId === definition.id),
              context,
            );
      changes.push(...found);
    }
    if (changes.length === 0) return;
    await queueEpisodeRecords(
      this.options.outbox,
      changes.map((change) => change.episode),
      manager,
    );
    this.log(changes);
    const listener = this.options.onEpisodes;
    if (listener) afterCommit(this.options.dataSource, manager, () => listener(changes));
  }

  /**
   * Close every open episode of a printer being deleted, in the deleting transaction when `manager` is in one
   * (nothing would ever judge them again); the history keeps them. Actions are not told: a deleted printer's
   * jam was not cleared.
   */
  async printerRemoved(printerId: string, manager?: EntityManager, at: Date = new Date()): Promise<void> {
    await withinTransaction(this.options.dataSource, manager, async (tx) => {
      const closed: PrinterEventEntity[] = [];
      for (const episode of await this.options.episodes.openFor(printerId, tx)) {
        if (!(await this.options.episodes.close(episode.id, at, tx))) continue;
        closed.push(Object.assign(episode, { closedAt: at, openKey: null }));
      }
      await queueEpisodeRecords(this.options.outbox, closed, tx);
    });
  }

  /** Open an episode per newly active subject; close those the reading shows are over. */
  private async settle(
    definition: ActiveDefinition,
    spec: StateSpec,
    open: PrinterEventEntity[],
    context: JudgingContext,
  ): Promise<EpisodeChange[]> {
    const state = evaluateCondition(spec, context.printer.model, context.now);
    if (!state) return [];
    const changes: EpisodeChange[] = [];
    const openSubjects = new Set(open.map((episode) => episode.subject));
    for (const [subject, condition] of state.active) {
      if (openSubjects.has(subject.slice(0, SUBJECT_MAX))) continue;
      const episode = this.episode(definition, context, subject, condition);
      episode.openKey = openKeyOf(definition.id, context.printer.id, episode.subject);
      if (await this.options.episodes.tryInsert(episode, context.manager)) {
        changes.push(this.change('open', episode, context));
      }
    }
    for (const episode of open) {
      if (state.active.has(episode.subject) || !state.settles(episode.subject)) continue;
      const at = new Date(Math.max(context.now.at.getTime(), episode.openedAt.getTime()));
      if (!(await this.options.episodes.close(episode.id, at, context.manager))) continue;
      Object.assign(episode, { closedAt: at, openKey: null });
      changes.push(this.change('close', episode, context));
    }
    return changes;
  }

  /** Fire an instant episode for each multiple of `everyPages` the counter passed. */
  private async fireMilestones(
    definition: ActiveDefinition,
    params: MilestoneParams,
    lastReading: PrinterReading | null,
    context: JudgingContext,
  ): Promise<EpisodeChange[]> {
    const current = counterValue(context.now.reading?.counters, params.counter);
    if (current === null) return [];
    const before = counterValue(lastReading?.counters, params.counter);
    const lastFired =
      before === null
        ? await this.options.episodes.lastMilestone(definition.id, context.printer.id, context.manager)
        : null;
    const changes: EpisodeChange[] = [];
    for (const milestone of crossedMilestones(before, current, params.everyPages, lastFired)) {
      const episode = this.episode(definition, context, String(milestone), {
        message: `${COUNTER_LABELS[params.counter]} counter reached ${milestone} pages (now ${current})`,
        details: { milestone, counter: params.counter, value: current, everyPages: params.everyPages },
      });
      episode.closedAt = episode.openedAt;
      episode.milestoneKey = `${definition.id}|${context.printer.id}|${milestone}`;
      if (await this.options.episodes.tryInsert(episode, context.manager)) {
        changes.push(this.change('instant', episode, context));
      }
    }
    return changes;
  }

  private episode(
    definition: ActiveDefinition,
    context: JudgingContext,
    subject: string,
    condition: ActiveCondition,
  ): PrinterEventEntity {
    return Object.assign(new PrinterEventEntity(), {
      id: newId(),
      definitionId: definition.id,
      eventName: definition.name,
      printerId: context.printer.id,
      printerName: context.printer.name,
      type: definition.spec.type,
      subject: subject.slice(0, SUBJECT_MAX),
      openedAt: context.now.at,
      closedAt: null,
      message: condition.message.slice(0, MESSAGE_MAX),
      details: condition.details,
      openKey: null,
      milestoneKey: null,
    });
  }

  private change(transition: EpisodeTransition, episode: PrinterEventEntity, context: JudgingContext) {
    return { transition, episode, printer: context.printer, observation: context.now };
  }

  private log(changes: readonly EpisodeChange[]): void {
    for (const { transition, episode } of changes) {
      this.options.logger?.info(transition === 'close' ? 'Printer event closed' : 'Printer event opened', {
        printer: episode.printerName,
        event: episode.eventName,
        subject: episode.subject,
        message: episode.message,
        episodeId: episode.id,
      });
    }
  }
}

/** What every judgement of one observation shares. */
interface JudgingContext {
  printer: PrinterEntity;
  now: PrinterObservation;
  manager: EntityManager;
}

const COUNTER_LABELS = { total: 'Total', mono: 'Mono', color: 'Colour' } as const;
