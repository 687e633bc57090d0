/**
 * What every Quire server starts with, whatever its role: the database (opened and migrated, common tables plus
 * the server's own), the metrics registry, the first admin, the auth and audit services, and the database
 * readiness check. Central and site compose their own capabilities on top of it.
 */
import { type DataSource, type EntitySchema, type MixedList } from 'typeorm';
import { AuditLogRepository } from '../auth/audit-log.repository';
import { AuditService } from '../auth/audit.service';
import { AuthTokenRepository } from '../auth/auth-token.repository';
import { AuthService } from '../auth/auth.service';
import { bootstrapAdmin } from '../auth/bootstrap-admin';
import { UserRepository } from '../auth/user.repository';
import { type QuireConfig } from '../config';
import { openDatabase, pingDatabase } from '../db/data-source';
import { describeError } from '../errors';
import { type ReadinessCheck } from '../http/health';
import { type Logger } from '../logging/logger';
import { createMetricsRegistry, type Registry } from '../metrics/registry';
import { commonEntities, commonMigrations } from '../migrations';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityList = Array<Function | EntitySchema>;
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type MigrationList = Function[];

export interface ServerCoreOptions {
  config: QuireConfig;
  logger: Logger;
  /** The server's own entities and migrations, added after the common ones. */
  entities: EntityList;
  migrations: MigrationList;
  /** Shows a generated admin password once. */
  printOnce: (text: string) => void;
}

export interface ServerCore {
  dataSource: DataSource;
  metrics: Registry;
  users: UserRepository;
  audit: AuditService;
  auth: AuthService;
  databaseCheck: ReadinessCheck;
  close(): Promise<void>;
}

function allEntities(entities: EntityList): MixedList<EntityList[number]> {
  return [...commonEntities, ...entities];
}

/** Open the database of `config.db.url` with the common and the given migrations applied; returns their names. */
export async function migrateDatabase(config: QuireConfig, entities: EntityList, migrations: MigrationList) {
  const { dataSource, applied } = await openDatabase({
    url: config.db.url,
    poolSize: config.db.poolSize,
    entities: allEntities(entities),
    migrations: [...commonMigrations, ...migrations],
  });
  await dataSource.destroy();
  return applied;
}

/** Open the DB, apply migrations, create the first admin if there is none, and build the auth services. */
export async function openServerCore(options: ServerCoreOptions): Promise<ServerCore> {
  const { config, logger } = options;
  const { dataSource, applied } = await openDatabase({
    url: config.db.url,
    poolSize: config.db.poolSize,
    entities: allEntities(options.entities),
    migrations: [...commonMigrations, ...options.migrations],
  });
  if (applied.length > 0) logger.info('database migrated', { applied });
  try {
    const users = new UserRepository(dataSource);
    const audit = new AuditService(new AuditLogRepository(dataSource));
    await bootstrapAdmin({
      users,
      audit,
      username: config.admin.username,
      password: config.admin.password,
      logger,
      printOnce: options.printOnce,
    });
    const auth = new AuthService({
      users,
      tokens: new AuthTokenRepository(dataSource),
      audit,
      settings: config.auth,
    });
    const databaseCheck: ReadinessCheck = {
      name: 'database',
      async check() {
        try {
          await pingDatabase(dataSource);
          return { ok: true, detail: dataSource.options.type };
        } catch (err) {
          return { ok: false, detail: `database unreachable: ${describeError(err)}` };
        }
      },
    };
    return {
      dataSource,
      metrics: createMetricsRegistry(config.role),
      users,
      audit,
      auth,
      databaseCheck,
      close: () => dataSource.destroy(),
    };
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}
