/** Printer monitoring: polling printers, storing what they report, and the contract with SNMP and events. */
export * from './printer-reading';
export * from './monitor-ports';
export * from './printer-monitor';
export * from './printer-status.entity';
export * from './printer-status.repository';
export * from './staggered-poller';
export { counterRecordOf } from './observation-recorder';
export { type MonitorMetrics, type PollOutcome } from './monitor-metrics';
