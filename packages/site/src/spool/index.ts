/**
 * The spool capability: the durable document store of received jobs, and its start-up recovery.
 */
export * from './spool-layout';
export * from './spool-writer';
export * from './spool-store';
export * from './spool-recovery';
