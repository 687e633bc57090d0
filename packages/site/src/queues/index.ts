/**
 * The queues capability: queue entity and persistence, per-queue user detection, and the `/api/v1/queues` REST
 * API. The job core calls QueueService; front-ends see queues as `QueueSummary` (intake/intake-port.ts).
 */
export * from './detection-rules';
export * from './user-detection';
export * from './queue-input';
export * from './queue.entity';
export * from './queue.repository';
export * from './queue.service';
export * from './queues.routes';
