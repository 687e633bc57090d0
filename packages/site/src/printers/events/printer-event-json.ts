/** The JSON views of event definitions and episodes, shared by the REST routes. */
import { type PrinterEventDefinitionEntity } from './printer-event-definition.entity';
import { type PrinterEventEntity } from './printer-event.entity';

/** The JSON view of an event definition. */
export function eventDefinitionJson(definition: PrinterEventDefinitionEntity) {
  return {
    id: definition.id,
    name: definition.name,
    type: definition.type,
    enabled: definition.enabled,
    params: definition.params,
    createdAt: definition.createdAt.toISOString(),
    updatedAt: definition.updatedAt.toISOString(),
  };
}

/** The JSON view of an episode. */
export function episodeJson(episode: PrinterEventEntity) {
  return {
    id: episode.id,
    definitionId: episode.definitionId,
    eventName: episode.eventName,
    type: episode.type,
    printerId: episode.printerId,
    printerName: episode.printerName,
    subject: episode.subject,
    message: episode.message,
    details: episode.details,
    openedAt: episode.openedAt.toISOString(),
    closedAt: episode.closedAt?.toISOString() ?? null,
    open: episode.closedAt === null,
  };
}
