export { loadConfig, ConfigError, type LoadConfigOptions } from './load';
export { configSchema, type QuireConfig } from './schema';
export { envName, type Role } from './setting';
export { renderConfigDocs } from './docs';
