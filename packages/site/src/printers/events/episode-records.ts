/**
 * Episodes as central hears of them: a `printer_event` outbox record per opened or closed episode, queued in the
 * transaction that opens or closes it, keyed by the episode id, so central's upsert keeps the latest state and a
 * replay changes nothing. A standalone site (no outbox) queues nothing.
 */
import { type EntityManager } from 'typeorm';
import { executeUnit, type PlannedStatement } from '@quire/common';
import { type PrinterEventRecord } from '@quire/shared-proto';
import { type OutboxDraft } from '../../federation/replication-outbox';
import { type PrinterEventEntity } from './printer-event.entity';

/** What the event code needs of the replication outbox. */
export interface EventOutbox {
  plan(drafts: readonly OutboxDraft[]): PlannedStatement[];
}

/** An episode as a `printer_event` record body. */
export function printerEventRecordOf(episode: PrinterEventEntity): PrinterEventRecord {
  return {
    id: episode.id,
    printerId: episode.printerId,
    printerName: episode.printerName,
    type: episode.type,
    subject: episode.subject,
    openedAt: episode.openedAt.toISOString(),
    closedAt: episode.closedAt ? episode.closedAt.toISOString() : null,
    message: episode.message,
  };
}

/** Queue one record per episode (as it is now) in `manager`'s transaction; nothing without an outbox. */
export async function queueEpisodeRecords(
  outbox: EventOutbox | null | undefined,
  episodes: readonly PrinterEventEntity[],
  manager: EntityManager,
): Promise<void> {
  if (!outbox || episodes.length === 0) return;
  const drafts: OutboxDraft<'printer_event'>[] = episodes.map((episode) => ({
    kind: 'printer_event',
    key: episode.id,
    body: printerEventRecordOf(episode),
  }));
  await executeUnit(manager, { statements: outbox.plan(drafts) });
}
