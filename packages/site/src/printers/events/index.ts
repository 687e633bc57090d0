/**
 * Printer events and actions: event definitions, the evaluator that opens and closes episodes from monitoring
 * observations, the history, and the actions (email, webhook) that tell people about episodes.
 */
import { PrinterEventActionEntity } from './printer-event-action.entity';
import { PrinterEventDefinitionEntity } from './printer-event-definition.entity';
import { PrinterEventEntity } from './printer-event.entity';

export * from './counter-milestones';
export * from './episode-records';
export * from './event-action-input';
export * from './event-actions.routes';
export * from './event-conditions';
export * from './event-definition-input';
export * from './event-delivery';
export * from './event-history-csv';
export * from './event-templates';
export * from './printer-event-action.entity';
export * from './printer-event-action.repository';
export * from './printer-event-action.service';
export * from './printer-event-definition.entity';
export * from './printer-event-definition.repository';
export * from './printer-event-definition.service';
export * from './printer-event-definitions.routes';
export * from './printer-event-dispatcher';
export * from './printer-event-evaluator';
export * from './printer-event-json';
export * from './printer-event.entity';
export * from './printer-event.repository';
export * from './printer-events.routes';

/** The entities of printer events, for the site's DataSource. */
export const printerEventEntities = [
  PrinterEventDefinitionEntity,
  PrinterEventEntity,
  PrinterEventActionEntity,
];
