/** The directory capability of central: users, groups, rights, sync and import, and the change feed. */
export * from './change-feed';
export * from './directory-group.entity';
export * from './directory-groups.service';
export * from './directory-sync.service';
export * from './directory-user.entity';
export * from './directory-users.service';
export * from './directory-version.entity';
export * from './directory.repository';
export * from './directory.routes';
export * from './rights';
export * from './source-user';
export * from './sync-plan';
