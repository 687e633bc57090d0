/**
 * The HTTP scaffold both servers mount their routers on: the app factory, the listener with graceful close,
 * body validation, and the error mapping.
 */
export * from './request-context';
export * from './app';
export * from './http-server';
export * from './health';
export * from './parse-body';
export * from './error-handler';
export * from './request-id';
export { HTTP_DURATION_METRIC, pathWithoutQuery } from './request-log';
export * from './query-params';
