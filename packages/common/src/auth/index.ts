/**
 * Authentication and the audit log: entities, repositories, services and the Express guards and routes.
 */
export * from './principal';
export * from './user.entity';
export * from './auth-token.entity';
export * from './audit-log.entity';
export * from './user.repository';
export * from './auth-token.repository';
export * from './audit-log.repository';
export * from './audit.service';
export * from './auth.service';
export * from './bootstrap-admin';
export * from './auth.middleware';
export * from './auth.routes';
