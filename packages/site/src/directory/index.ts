/** The site's directory cache: users, PIN and card lookup keys, groups and delegates. */
export * from './directory-user.entity';
export * from './directory.repository';
export * from './directory.service';
export * from './directory.routes';
