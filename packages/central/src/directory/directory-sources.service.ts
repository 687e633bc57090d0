/**
 * Directory sources on central: LDAP sources kept in the database (added through the API) and in the config
 * file (`directory.sourcesFile`, read at start-up; those cannot be changed through the API), their scheduled
 * syncs (node-cron, one task per source with a `schedule`), a sync run for one source (read it whole, then apply
 * in one transaction, so a connection lost mid-read changes nothing), and sign-in by LDAP bind for users whose
 * account comes from an LDAP source.
 */
import { readFile } from 'node:fs/promises';
import cron, { type ScheduledTask } from 'node-cron';
import { parse as parseYaml } from 'yaml';
import { type DataSource } from 'typeorm';
import { ConfigError, describeError, ErrorCode, QuireError, type Logger } from '@quire/common';
import { DirectorySourceEntity } from './directory-group.entity';
import { type DirectorySyncService, type SyncReport } from './directory-sync.service';
import { type DirectoryUserEntity } from './directory-user.entity';
import { type DirectoryRepository } from './directory.repository';
import { parseLdapSourceConfig, redactLdapSourceConfig, type LdapSourceConfig } from './ldap-source-config';
import { authenticateLdapUser, readLdapSource } from './ldap-source';

/** What the API shows instead of a bind password. */
const MASK = redactLdapSourceConfig({ bindPassword: 'x' } as LdapSourceConfig).bindPassword;

/** Dependencies of the sources service. */
export interface DirectorySourcesOptions {
  dataSource: DataSource;
  repository: DirectoryRepository;
  sync: DirectorySyncService;
  logger: Logger;
  /** Sources from the config file: read-only through the API. */
  fileSources?: LdapSourceConfig[];
}

/** How a sync of one source runs. */
export interface SourceSyncOptions {
  dryRun: boolean;
  /** Entries read so far, for a progress bar. */
  onProgress?: (count: number) => void;
  signal?: AbortSignal;
}

/** Directory sources; see the file comment. */
export class DirectorySourcesService {
  private readonly tasks = new Map<string, ScheduledTask>();
  private readonly running = new Map<string, Promise<SyncReport>>();

  constructor(private readonly options: DirectorySourcesOptions) {}

  /** Every source, config-file ones first. */
  async list(): Promise<Array<{ config: LdapSourceConfig; fromFile: boolean }>> {
    const rows = await this.options.dataSource.manager.find(DirectorySourceEntity, {
      order: { name: 'ASC' },
    });
    const stored = rows.flatMap((row) => {
      try {
        return [{ config: parseLdapSourceConfig(JSON.parse(row.settings)), fromFile: false }];
      } catch (err) {
        this.options.logger.error('a stored directory source is invalid and is ignored', {
          source: row.name,
          error: describeError(err),
        });
        return [];
      }
    });
    return [...(this.options.fileSources ?? []).map((config) => ({ config, fromFile: true })), ...stored];
  }

  /** One source by name, or NOT_FOUND. */
  async get(name: string): Promise<LdapSourceConfig> {
    const found = (await this.list()).find((source) => source.config.name === name);
    if (!found) throw new QuireError(ErrorCode.NotFound, `No directory source named "${name}"`);
    return found.config;
  }

  /** Add or replace an API-managed source (VALIDATION_FAILED; CONFLICT for a config-file source's name). */
  async save(input: unknown): Promise<LdapSourceConfig> {
    const config = parseLdapSourceConfig(await this.withStoredPassword(input));
    if (this.options.fileSources?.some((source) => source.name === config.name)) {
      throw new QuireError(
        ErrorCode.Conflict,
        `Source "${config.name}" comes from the config file; edit it there`,
      );
    }
    const manager = this.options.dataSource.manager;
    await manager.delete(DirectorySourceEntity, { name: config.name });
    await manager.insert(DirectorySourceEntity, {
      name: config.name,
      type: config.type,
      settings: JSON.stringify(config),
      updatedAt: new Date(),
    });
    this.schedule(config);
    return config;
  }

  /**
   * A source sent back as the API showed it carries the masked bind password (or none): keep the stored one, so
   * editing a filter does not need the password again.
   */
  private async withStoredPassword(input: unknown): Promise<unknown> {
    if (typeof input !== 'object' || input === null) return input;
    const given = input as { name?: unknown; bindPassword?: unknown };
    if (given.bindPassword !== undefined && given.bindPassword !== MASK) return input;
    const stored = await this.options.dataSource.manager.findOneBy(DirectorySourceEntity, {
      name: typeof given.name === 'string' ? given.name : '',
    });
    if (!stored) return input;
    const bindPassword = (JSON.parse(stored.settings) as { bindPassword?: string }).bindPassword;
    return { ...given, bindPassword };
  }

  /** Remove an API-managed source; its users stay (their source tag keeps saying where they came from). */
  async remove(name: string): Promise<void> {
    const result = await this.options.dataSource.manager.delete(DirectorySourceEntity, { name });
    if ((result.affected ?? 0) === 0)
      throw new QuireError(ErrorCode.NotFound, `No stored source named "${name}"`);
    void this.tasks.get(name)?.stop();
    this.tasks.delete(name);
  }

  /**
   * Sync one source: read it whole, then apply (or, dry, only plan). A read that fails applies nothing and is
   * recorded as a failed run. A sync of a source already running is joined rather than started twice.
   */
  sync(name: string, options: SourceSyncOptions): Promise<SyncReport> {
    const key = `${name}:${options.dryRun}`;
    const current = this.running.get(key);
    if (current) return current;
    const run = this.runSync(name, options).finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  /** Schedule every source that has a `schedule`. */
  async start(): Promise<void> {
    for (const { config } of await this.list()) this.schedule(config);
  }

  /** Unschedule everything and wait for syncs in progress. */
  async stop(): Promise<void> {
    for (const task of this.tasks.values()) await task.stop();
    this.tasks.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * Check the password of a user whose account comes from an LDAP source by binding as them. Null when the user
   * is not an active LDAP user or the password is wrong (the same answer, so it reveals nothing); LDAP_UNAVAILABLE
   * when no server of the source answers.
   */
  async verifyLdapPassword(user: DirectoryUserEntity, password: string): Promise<boolean> {
    if (!user.source.startsWith('ldap:') || user.state !== 'active') return false;
    const config = await this.get(user.source.slice(5)).catch(() => null);
    if (!config) return false;
    const outcome = await authenticateLdapUser(config, user.username, password);
    if (outcome === 'unavailable') {
      throw new QuireError(
        ErrorCode.LdapUnavailable,
        `The LDAP servers of source "${config.name}" do not answer`,
      );
    }
    return outcome;
  }

  private async runSync(name: string, options: SourceSyncOptions): Promise<SyncReport> {
    const config = await this.get(name);
    const source = `ldap:${config.name}`;
    return this.options.sync.runFeed(
      async (emit) => {
        const read = await readLdapSource(config, {
          onProgress: options.onProgress,
          signal: options.signal,
          onUsers: emit,
        });
        return read.problems;
      },
      {
        source,
        addNew: config.options.addNew,
        disableMissing: config.options.disableMissing,
        lowercaseUsernames: config.options.lowercaseUsernames,
        pairByPersonalNumber: config.options.pairByPersonalNumber,
        // LDAP is authoritative for what it maps; delegates are not an LDAP attribute.
        merge: { cards: 'full', pin: 'ifNotEmpty', groups: 'full', delegates: 'none' },
      },
      options.dryRun,
    );
  }

  private schedule(config: LdapSourceConfig): void {
    void this.tasks.get(config.name)?.stop();
    this.tasks.delete(config.name);
    if (!config.schedule) return;
    const task = cron.schedule(config.schedule, () => {
      void this.sync(config.name, { dryRun: false }).catch((err: unknown) =>
        this.options.logger.error('scheduled directory sync failed', {
          source: config.name,
          error: describeError(err),
        }),
      );
    });
    this.tasks.set(config.name, task);
  }
}

/**
 * The LDAP sources of `directory.sourcesFile` (YAML or JSON, `sources: [...]`), validated; CONFIG_INVALID naming
 * the file and each bad source, so central refuses to start on a typo rather than sync with a wrong filter.
 */
export async function loadSourcesFile(file: string): Promise<LdapSourceConfig[]> {
  if (!file) return [];
  let parsed: unknown;
  try {
    parsed = parseYaml(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`directory.sourcesFile ${file}: ${describeError(err)}`]);
  }
  const list = (parsed as { sources?: unknown } | null)?.sources;
  if (!Array.isArray(list))
    throw new ConfigError([`directory.sourcesFile ${file}: expected a "sources:" list`]);
  const problems: string[] = [];
  const sources = list.flatMap((entry, index) => {
    try {
      return [parseLdapSourceConfig(entry)];
    } catch (err) {
      problems.push(`directory.sourcesFile ${file}: sources.${index}: ${describeError(err)}`);
      return [];
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return sources;
}
