/**
 * @quire/common: the building blocks both servers share. See docs/architecture.md for what lives where.
 */
export * from './errors';
export * from './ids';
export * from './crypto';
export * from './lookup-keys';
export * from './config';
export * from './logging/logger';
export * from './db/data-source';
export * from './db/columns';
export * from './db/within-transaction';
export * from './db/after-commit';
export * from './db/json-settings';
export * from './metrics/registry';
export * from './cli/run-command';
export * from './cli/server-cli';
export * from './http';
export * from './auth';
export * from './lifecycle';
export * from './migrations';
export * from './server/server-core';
export * from './ipp';
export * from './db/group-commit';
export * from './db/write-unit';
export * from './db/unit-writers';
export * from './db/bulk-writer';
export * from './db/bulk-transaction';
export * from './mail/mailer';
export * from './csv';
