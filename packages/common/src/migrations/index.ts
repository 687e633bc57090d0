/**
 * The schema @quire/common owns. Each server lists `commonEntities` and `commonMigrations` before its own, so
 * both servers get the same users, auth tokens and audit log tables.
 */
import { AuditLogEntity } from '../auth/audit-log.entity';
import { AuthTokenEntity } from '../auth/auth-token.entity';
import { UserEntity } from '../auth/user.entity';
import { CreateAuthTables1763700000000 } from './1763700000000-create-auth-tables';

export { CreateAuthTables1763700000000 } from './1763700000000-create-auth-tables';

/** Entities defined in common, for `createDataSource({ entities })`. */
export const commonEntities = [UserEntity, AuthTokenEntity, AuditLogEntity];

/** Migrations defined in common, in order, for `createDataSource({ migrations })`. */
export const commonMigrations = [CreateAuthTables1763700000000];
