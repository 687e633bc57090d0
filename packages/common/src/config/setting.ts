/**
 * The building blocks of the configuration schema: one `Setting` per key, each with its parser, its one
 * documented default, the roles that read it, and the sentence that documents it.
 *
 * Parsers take the raw value (a string from the environment, or any JSON/YAML value from the config file) and
 * either return the typed value or throw `SettingValueError` with a message that says what is expected.
 */

export type Role = 'central' | 'site';

/** Thrown by a parser; the loader adds the key name and where the value came from. */
export class SettingValueError extends Error {}

export interface Setting<T> {
  /** Parse a raw value (string from env, or any value from a file). Throws SettingValueError. */
  parse(raw: unknown): T;
  /** The default, or a function of the role and the settings already resolved in earlier sections. */
  defaultValue: T | ((ctx: DefaultContext) => T);
  /** How the default reads in the docs, when it is not a plain value. */
  defaultDoc?: string;
  /** Which servers read it. */
  roles: readonly Role[];
  /** One paragraph for docs/configuration.md. */
  doc: string;
  /** Secrets are never echoed back in errors or logs. */
  secret?: boolean;
  /** A short description of the accepted values, for the docs table. */
  type: string;
}

export interface DefaultContext {
  role: Role;
  /** Settings resolved so far (sections are resolved in declaration order). */
  resolved: Record<string, Record<string, unknown>>;
}

type SettingOptions<T> = Omit<Setting<T>, 'parse' | 'type'>;

function show(raw: unknown): string {
  return typeof raw === 'string' ? JSON.stringify(raw) : (JSON.stringify(raw) ?? String(raw));
}

/** An integer between `min` and `max`, inclusive. */
export function integerSetting(min: number, max: number, options: SettingOptions<number>): Setting<number> {
  return {
    ...options,
    type: `integer ${min}–${max}`,
    parse(raw) {
      const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
      if (text === undefined || !/^-?\d+$/.test(text)) {
        throw new SettingValueError(`expected an integer from ${min} to ${max}, got ${show(raw)}`);
      }
      const value = Number(text);
      if (value < min || value > max) {
        throw new SettingValueError(`expected an integer from ${min} to ${max}, got ${value}`);
      }
      return value;
    },
  };
}

/** A TCP/UDP port; 0 asks the OS for a free one. */
export function portSetting(options: SettingOptions<number>): Setting<number> {
  const base = integerSetting(0, 65535, options);
  return {
    ...base,
    type: 'port 0–65535',
    parse(raw) {
      try {
        return base.parse(raw);
      } catch {
        throw new SettingValueError(`expected a port number from 0 to 65535, got ${show(raw)}`);
      }
    },
  };
}

/** Any string, optionally checked against a pattern with a human explanation. */
export function stringSetting(
  options: SettingOptions<string> & { pattern?: RegExp; patternDoc?: string; allowEmpty?: boolean },
): Setting<string> {
  const { pattern, patternDoc, allowEmpty = true, ...rest } = options;
  return {
    ...rest,
    type: patternDoc ?? 'string',
    parse(raw) {
      if (typeof raw !== 'string' && typeof raw !== 'number') {
        throw new SettingValueError(`expected a string, got ${show(raw)}`);
      }
      const value = String(raw).trim();
      if (!allowEmpty && value === '') throw new SettingValueError('must not be empty');
      if (pattern && value !== '' && !pattern.test(value)) {
        throw new SettingValueError(
          `expected ${patternDoc ?? pattern.source}, got ${options.secret ? '(hidden)' : show(raw)}`,
        );
      }
      return value;
    },
  };
}

/** One of a fixed set of strings. */
export function enumSetting<const T extends string>(
  values: readonly T[],
  options: SettingOptions<T>,
): Setting<T> {
  return {
    ...options,
    type: values.join(' \\| '),
    parse(raw) {
      const value = typeof raw === 'string' ? raw.trim() : raw;
      if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
        throw new SettingValueError(`expected one of ${values.join(', ')}, got ${show(raw)}`);
      }
      return value as T;
    },
  };
}

/** true/false; the environment may also say 1/0, yes/no, on/off. */
export function booleanSetting(options: SettingOptions<boolean>): Setting<boolean> {
  return {
    ...options,
    type: 'boolean',
    parse(raw) {
      if (typeof raw === 'boolean') return raw;
      const text = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      if (text !== undefined && ['true', '1', 'yes', 'on'].includes(text)) return true;
      if (text !== undefined && ['false', '0', 'no', 'off'].includes(text)) return false;
      throw new SettingValueError(`expected true or false, got ${show(raw)}`);
    },
  };
}

/** `camelCase` key → `CAMEL_CASE`, the environment form. */
export function envKeyPart(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The environment variable that sets `section.key`. */
export function envName(section: string, key: string): string {
  return `QUIRE_${envKeyPart(section)}_${envKeyPart(key)}`;
}
