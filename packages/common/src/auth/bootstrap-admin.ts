/**
 * First start: create the administrator when no user exists yet. There is no default password: either the
 * operator configured one, or a random one is generated and handed to `printOnce` (the server writes it to
 * standard error, once). The password never reaches the log or the audit row. Later starts change nothing, so an
 * admin who changed their password or renamed the account is never overwritten.
 */
import { hashPassword, randomPassword } from '../crypto';
import type { Logger } from '../logging/logger';
import { SYSTEM_ACTOR, type AuditService } from './audit.service';
import type { UserRepository } from './user.repository';

/** What `bootstrapAdmin` needs; `username` and `password` come from `config.admin`. */
export interface BootstrapAdminOptions {
  users: UserRepository;
  audit: AuditService;
  username: string;
  /** Empty or undefined: generate one. */
  password?: string;
  logger: Logger;
  /** Shows the generated password to the operator; called at most once, only when a password was generated. */
  printOnce: (text: string) => void;
  now?: () => Date;
}

/** The outcome: whether an admin was created, and the generated password when there was one. */
export interface BootstrapAdminResult {
  created: boolean;
  username: string;
  generatedPassword?: string;
}

/** The block shown to the operator once, when the password was generated. */
export function generatedPasswordNotice(username: string, password: string): string {
  return [
    '',
    '==================== Quire first start ====================',
    ` Created administrator "${username}" with a generated password:`,
    '',
    `     ${password}`,
    '',
    ' It is shown only this once. Sign in and change it.',
    '===========================================================',
    '',
  ].join('\n');
}

/** Create the first administrator if the users table is empty; otherwise do nothing. */
export async function bootstrapAdmin(options: BootstrapAdminOptions): Promise<BootstrapAdminResult> {
  const { users, audit, username, logger } = options;
  if ((await users.count()) > 0) return { created: false, username };
  const password = options.password || randomPassword();
  const generated = options.password ? undefined : password;
  const passwordHash = await hashPassword(password);
  const now = options.now?.() ?? new Date();
  try {
    await users.transaction(async (manager) => {
      // Counted again inside the transaction: another process may have bootstrapped while we hashed.
      if ((await users.count(manager)) > 0) throw new AlreadyBootstrapped();
      const admin = await users.create(
        { username, displayName: 'Administrator', passwordHash, isAdmin: true },
        now,
        manager,
      );
      const details = { username, passwordSource: generated ? 'generated' : 'configured' };
      await audit.record(
        {
          actorName: SYSTEM_ACTOR,
          action: 'user.bootstrap-admin',
          targetType: 'user',
          targetId: admin.id,
          details,
          outcome: 'ok',
        },
        manager,
      );
    });
  } catch (err) {
    if (err instanceof AlreadyBootstrapped || (await users.count()) > 0) return { created: false, username };
    throw err;
  }
  logger.info('created the first administrator', {
    username,
    passwordSource: generated ? 'generated' : 'configured',
  });
  if (generated) options.printOnce(generatedPasswordNotice(username, generated));
  return generated ? { created: true, username, generatedPassword: generated } : { created: true, username };
}

/** Thrown inside the bootstrap transaction to roll it back when another process created a user first. */
class AlreadyBootstrapped extends Error {}
