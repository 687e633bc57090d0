/**
 * Console sign-in for directory users (the AuthService's external check): a user whose account comes from an
 * LDAP source signs in by binding to that source as themselves; a user with a directory password, by that
 * password. Deleted, disabled and system accounts never sign in this way. Wrong password and unknown user give
 * the same answer; an LDAP source that does not answer fails the sign-in with LDAP_UNAVAILABLE, as MyQ does.
 */
import { type DataSource } from 'typeorm';
import { verifyPassword, type ExternalLogin } from '@quire/common';
import { type DirectorySourcesService } from './directory-sources.service';
import { type DirectoryRepository } from './directory.repository';

/** The external login check for central's AuthService. */
export function directoryLogin(
  dataSource: DataSource,
  repository: DirectoryRepository,
  sources: DirectorySourcesService,
): ExternalLogin {
  return async (username, password) => {
    const user = await repository.userByName(dataSource.manager, username);
    if (!user || user.system || user.state !== 'active' || user.username !== username) return null;
    const ok = user.source.startsWith('ldap:')
      ? await sources.verifyLdapPassword(user, password)
      : user.passwordHash !== null && (await verifyPassword(password, user.passwordHash));
    return ok ? { displayName: user.fullName, email: user.email || null } : null;
  };
}
