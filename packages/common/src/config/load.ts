/**
 * Loads and validates the configuration at start-up.
 *
 * Sources, highest first: environment variables `QUIRE_<SECTION>_<KEY>`, the `--config` file (YAML or JSON),
 * the schema default. Every problem is collected before failing, so an operator fixes them in one go; the error
 * names each key the way it was given (environment variable or file path) and says what is wrong. An unknown
 * `QUIRE_*` variable or file key is an error too: a typo must not silently fall back to a default.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { QuireError, ErrorCode } from '../errors';
import { configSchema, type QuireConfig } from './schema';
import { envName, SettingValueError, type Role, type Setting } from './setting';

export interface LoadConfigOptions {
  role: Role;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Path of a YAML or JSON file (`--config FILE`). */
  configFile?: string;
}

/** Raised when the configuration is invalid; `problems` lists one line per key. Exit code 2. */
export class ConfigError extends QuireError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(ErrorCode.ConfigInvalid, `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      details: { problems },
    });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type AnySchema = Record<string, Record<string, Setting<unknown>>>;
const schema = configSchema as AnySchema;

function envIndex(): Map<string, [string, string]> {
  const index = new Map<string, [string, string]>();
  for (const [section, settings] of Object.entries(schema)) {
    for (const key of Object.keys(settings)) index.set(envName(section, key), [section, key]);
  }
  return index;
}

function readConfigFile(file: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(
      `--config ${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
    return {};
  }
  try {
    const doc: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push(`--config ${file}: expected a mapping of sections (e.g. "http:" then "port: 8080")`);
      return {};
    }
    return doc as Record<string, unknown>;
  } catch (err) {
    problems.push(
      `--config ${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
    return {};
  }
}

function fileValues(file: Record<string, unknown>, fileName: string, problems: string[]) {
  const values = new Map<string, unknown>();
  for (const [section, entries] of Object.entries(file)) {
    if (!(section in schema)) {
      problems.push(`${fileName}: unknown section "${section}" (known: ${Object.keys(schema).join(', ')})`);
      continue;
    }
    if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
      problems.push(`${fileName}: section "${section}" must be a mapping of keys`);
      continue;
    }
    for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
      if (!(key in schema[section])) {
        problems.push(
          `${fileName}: unknown key "${section}.${key}" (known in ${section}: ${Object.keys(schema[section]).join(', ')})`,
        );
        continue;
      }
      values.set(`${section}.${key}`, value);
    }
  }
  return values;
}

function envValues(env: NodeJS.ProcessEnv, problems: string[]) {
  const index = envIndex();
  const values = new Map<string, unknown>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('QUIRE_') || value === undefined) continue;
    const target = index.get(name);
    if (!target) {
      problems.push(`${name}: unknown setting (see docs/configuration.md for the list)`);
      continue;
    }
    values.set(target.join('.'), value);
  }
  return values;
}

/**
 * Resolve the configuration for `role`, or throw ConfigError listing every problem. Settings of the other role
 * are accepted (one environment can serve both servers) but not validated beyond being known keys.
 */
export function loadConfig(options: LoadConfigOptions): QuireConfig {
  const { role, env = process.env, configFile } = options;
  const problems: string[] = [];
  const fromFile = configFile
    ? fileValues(readConfigFile(configFile, problems), configFile, problems)
    : new Map();
  const fromEnv = envValues(env, problems);
  const resolved: Record<string, Record<string, unknown>> = { role: role as never };

  for (const [section, settings] of Object.entries(schema)) {
    resolved[section] = {};
    for (const [key, setting] of Object.entries(settings)) {
      const path = `${section}.${key}`;
      const source = fromEnv.has(path)
        ? envName(section, key)
        : fromFile.has(path)
          ? `${configFile}: ${path}`
          : null;
      const raw = fromEnv.has(path) ? fromEnv.get(path) : fromFile.get(path);
      if (source !== null && setting.roles.includes(role)) {
        try {
          resolved[section][key] = setting.parse(raw);
          continue;
        } catch (err) {
          if (!(err instanceof SettingValueError)) throw err;
          problems.push(`${source}: ${err.message}`);
        }
      }
      const dflt = setting.defaultValue;
      resolved[section][key] = typeof dflt === 'function' ? dflt({ role, resolved }) : dflt;
    }
  }
  crossCheck(resolved as unknown as QuireConfig, role, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return resolved as unknown as QuireConfig;
}

function crossCheck(config: QuireConfig, role: Role, problems: string[]): void {
  if (role === 'central' && Boolean(config.grpc.tlsCertFile) !== Boolean(config.grpc.tlsKeyFile)) {
    problems.push(
      `${envName('grpc', 'tlsCertFile')} and ${envName('grpc', 'tlsKeyFile')}: set both for TLS, or neither`,
    );
  }
  if (role === 'site' && config.enrolment.token && !config.central.address) {
    problems.push(
      `${envName('enrolment', 'token')}: needs ${envName('central', 'address')} (host:port of central)`,
    );
  }
  if (role === 'site' && config.federation.reconnectMaxMs < config.federation.reconnectMinMs) {
    problems.push(
      `${envName('federation', 'reconnectMaxMs')}: must be at least ${envName('federation', 'reconnectMinMs')}`,
    );
  }
  if (config.federation.heartbeatTimeoutSeconds <= config.federation.heartbeatSeconds) {
    problems.push(
      `${envName('federation', 'heartbeatTimeoutSeconds')}: must be greater than ${envName('federation', 'heartbeatSeconds')}`,
    );
  }
}
