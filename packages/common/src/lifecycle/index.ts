/**
 * Process lifecycle helpers shared by both servers.
 */
export * from './shutdown';
