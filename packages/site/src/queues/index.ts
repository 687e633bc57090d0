/**
 * The queues capability: queue entity and persistence, per-queue user detection, the `/api/v1/queues` REST
 * API, and queues managed by central's queue templates. The job core calls QueueService; front-ends see queues
 * as `QueueSummary` (intake/intake-port.ts).
 */
export * from './detection-rules';
export * from './user-detection';
export * from './queue-input';
export * from './queue.entity';
export * from './queue.repository';
export * from './queue.service';
export * from './queues.routes';
export * from './managed-queue';
export * from './queue-templates';
