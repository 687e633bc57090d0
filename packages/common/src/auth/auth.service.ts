/**
 * Password login, bearer tokens and account lockout.
 *
 * Rules: an unknown user and a wrong password get the same AUTH_INVALID_CREDENTIALS, after the same scrypt work,
 * so neither the answer nor its timing tells whether an account exists. `maxFailedLogins` consecutive failures
 * lock the account for `lockoutMinutes`; while locked even the right password is refused, and when the lock
 * runs out the count starts again from zero. A disabled account is refused only after its password checked out,
 * so the refusal is no oracle for guessers. Tokens are random, stored as SHA-256, and expire; expired ones are
 * purged when presented (and by `purgeExpiredTokens`). Every login attempt is audited as `auth.login`.
 */
import { hashPassword, randomToken, sha256Hex, verifyPassword } from '../crypto';
import { ErrorCode, QuireError } from '../errors';
import type { AuditOutcome } from './audit-log.entity';
import type { AuditService } from './audit.service';
import type { AuthTokenRepository } from './auth-token.repository';
import type { Principal } from './principal';
import type { UserEntity } from './user.entity';
import type { UserRepository } from './user.repository';

/** The auth settings from `config.auth`. */
export interface AuthSettings {
  tokenTtlMinutes: number;
  maxFailedLogins: number;
  lockoutMinutes: number;
}

/** Dependencies of the AuthService; `now` is injectable so lockout expiry can be tested without sleeping. */
export interface AuthServiceOptions {
  users: UserRepository;
  tokens: AuthTokenRepository;
  audit: AuditService;
  settings: AuthSettings;
  now?: () => Date;
}

/**
 * A password check outside this service, for accounts it holds no password for: the account's display name and
 * email when the password is right, null when it is wrong or the account is unknown there (the same answer).
 */
export type ExternalLogin = (
  username: string,
  password: string,
) => Promise<{ displayName: string; email: string | null } | null>;

/** Where a login attempt came from, for the token row and the audit log. */
export interface LoginContext {
  remoteAddr: string;
  requestId: string;
}

/** A successful login: the bearer token (shown once, never stored), its expiry and the user. */
export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: UserEntity;
}

const MINUTE_MS = 60_000;
/** `last_used_at` is rewritten at most this often, so authenticating a request is normally a pure read. */
const TOUCH_INTERVAL_MS = MINUTE_MS;
/** Longer values cannot be tokens we issued; refusing them early keeps hashing bounded. */
const MAX_TOKEN_LENGTH = 256;

/** Login, logout and token authentication. */
export class AuthService {
  private readonly now: () => Date;
  private externalLogin: ExternalLogin | undefined;
  /** A real scrypt hash to verify against when the user does not exist, so both paths cost the same. */
  private decoyHash: Promise<string> | undefined;

  constructor(private readonly options: AuthServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The audit log this service writes to; the Express guards record their refusals there too. */
  get audit(): AuditService {
    return this.options.audit;
  }

  /**
   * Let accounts this service does not hold a password for sign in through another check (central's directory:
   * a bind to the user's LDAP source, or the directory's own password). A first successful sign-in creates the
   * console account (no local password, no admin flag); lockout and auditing apply as to any account.
   */
  setExternalLogin(check: ExternalLogin): void {
    this.externalLogin = check;
  }

  /** Check a user name and password and issue a bearer token; see the module comment for the refusal rules. */
  async login(username: string, password: string, ctx: LoginContext): Promise<LoginResult> {
    const now = this.now();
    const user = await this.options.users.findByUsername(username);
    if (!user || user.passwordHash === null) {
      if (this.externalLogin) return this.loginExternally(username, password, user, now, ctx);
      return this.refuseUnknown(username, password, user, ctx);
    }
    await this.enforceLock(user, now, ctx);
    if (!(await verifyPassword(password, user.passwordHash))) return this.refuseWrongPassword(user, now, ctx);
    if (user.disabled) {
      await this.auditLogin(ctx, this.attempt(user), 'denied', { reason: 'disabled' });
      throw new QuireError(ErrorCode.AuthAccountDisabled, 'This account is disabled; ask an administrator');
    }
    if (user.failedLoginCount > 0) {
      await this.options.users.clearFailedLogins(user.id, now);
      user.failedLoginCount = 0;
    }
    return this.issueToken(user, now, ctx);
  }

  /** Revoke a token; true when it existed. */
  logout(token: string): Promise<boolean> {
    return this.options.tokens.deleteByHash(sha256Hex(token));
  }

  /** The principal behind a bearer token, or null when the token is unknown, expired, or its user is disabled. */
  async authenticate(token: string): Promise<Principal | null> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    const row = await this.options.tokens.findByHash(sha256Hex(token));
    if (!row) return null;
    const now = this.now();
    if (row.expiresAt <= now) {
      await this.options.tokens.deleteById(row.id);
      return null;
    }
    const user = await this.options.users.findById(row.userId);
    if (!user || user.disabled) return null;
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
      await this.options.tokens.touch(row.id, now);
    }
    return { userId: user.id, username: user.username, isAdmin: user.isAdmin, tokenId: row.id };
  }

  /** Delete every expired token; for a periodic job. Returns how many were deleted. */
  purgeExpiredTokens(): Promise<number> {
    return this.options.tokens.deleteExpired(this.now());
  }

  /** Sign in through the external check; see {@link setExternalLogin}. */
  private async loginExternally(
    username: string,
    password: string,
    user: UserEntity | null,
    now: Date,
    ctx: LoginContext,
  ): Promise<LoginResult> {
    if (user) await this.enforceLock(user, now, ctx);
    const external = await (this.externalLogin as ExternalLogin)(username, password);
    if (!external) {
      if (user) {
        // The same scrypt work as an unknown name costs, so the time to refuse tells nobody who has an account.
        await verifyPassword(password, await this.decoy());
        return this.refuseWrongPassword(user, now, ctx);
      }
      return this.refuseUnknown(username, password, null, ctx);
    }
    const account =
      user ??
      (await this.options.users.create(
        {
          username,
          displayName: external.displayName,
          email: external.email,
          passwordHash: null,
          isAdmin: false,
        },
        now,
      ));
    if (account.disabled) {
      await this.auditLogin(ctx, this.attempt(account), 'denied', { reason: 'disabled' });
      throw new QuireError(ErrorCode.AuthAccountDisabled, 'This account is disabled; ask an administrator');
    }
    if (account.failedLoginCount > 0) await this.options.users.clearFailedLogins(account.id, now);
    return this.issueToken(account, now, ctx);
  }

  /** No such user (or no local password): spend the same scrypt work as a real check, then refuse. */
  private async refuseUnknown(
    username: string,
    password: string,
    user: UserEntity | null,
    ctx: LoginContext,
  ): Promise<never> {
    await verifyPassword(password, await this.decoy());
    await this.auditLogin(ctx, { actorName: username, targetId: user?.id }, 'failed', { reason: 'invalid' });
    throw invalidCredentials();
  }

  /** Refuse while the account is locked; once the lock has run out, clear it before the password is checked. */
  private async enforceLock(user: UserEntity, now: Date, ctx: LoginContext): Promise<void> {
    if (!user.lockedUntil) return;
    if (user.lockedUntil > now) {
      await this.auditLogin(ctx, this.attempt(user), 'denied', { reason: 'locked' });
      throw accountLocked(user.lockedUntil);
    }
    // The next guesser gets a fresh allowance, not a single try before the next lock.
    await this.options.users.clearFailedLogins(user.id, now);
    user.failedLoginCount = 0;
    user.lockedUntil = null;
  }

  private async issueToken(user: UserEntity, now: Date, ctx: LoginContext): Promise<LoginResult> {
    const token = randomToken(32);
    const expiresAt = new Date(now.getTime() + this.options.settings.tokenTtlMinutes * MINUTE_MS);
    await this.options.tokens.create({
      tokenHash: sha256Hex(token),
      userId: user.id,
      createdAt: now,
      expiresAt,
      remoteAddr: ctx.remoteAddr.slice(0, 64),
    });
    await this.auditLogin(ctx, this.actor(user), 'ok', {});
    return { token, expiresAt, user };
  }

  private async refuseWrongPassword(user: UserEntity, now: Date, ctx: LoginContext): Promise<never> {
    const { maxFailedLogins, lockoutMinutes } = this.options.settings;
    const failures = await this.options.users.incrementFailedLogins(user.id, now);
    if (failures < maxFailedLogins) {
      await this.auditLogin(ctx, this.attempt(user), 'failed', { reason: 'invalid', failures });
      throw invalidCredentials();
    }
    const until = new Date(now.getTime() + lockoutMinutes * MINUTE_MS);
    await this.options.users.lockUntil(user.id, until, now);
    await this.auditLogin(ctx, this.attempt(user), 'failed', {
      reason: 'invalid',
      failures,
      lockedUntil: until,
    });
    throw accountLocked(until);
  }

  /** The audit identity of a successful login: the user acting on their own account. */
  private actor(user: UserEntity): { actorId: string; actorName: string; targetId: string } {
    return { actorId: user.id, actorName: user.username, targetId: user.id };
  }

  /**
   * The audit identity of a refused attempt: whoever typed the name is not proven to be the user, so the row
   * names the account as target but carries no actor id (queries by actor list only what users really did).
   */
  private attempt(user: UserEntity): { actorName: string; targetId: string } {
    return { actorName: user.username, targetId: user.id };
  }

  private async auditLogin(
    ctx: LoginContext,
    who: { actorId?: string; actorName: string; targetId?: string },
    outcome: AuditOutcome,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.options.audit.record({
      actorId: who.actorId ?? null,
      actorName: who.actorName,
      action: 'auth.login',
      targetType: 'user',
      targetId: who.targetId ?? null,
      details,
      outcome,
      remoteAddr: ctx.remoteAddr,
      requestId: ctx.requestId,
    });
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= hashPassword(randomToken(16));
    return this.decoyHash;
  }
}

function invalidCredentials(): QuireError {
  return new QuireError(ErrorCode.AuthInvalidCredentials, 'Invalid user name or password');
}

function accountLocked(until: Date): QuireError {
  return new QuireError(
    ErrorCode.AuthAccountLocked,
    `Account is locked after too many failed logins; try again after ${until.toISOString()}`,
    { details: { lockedUntil: until.toISOString() } },
  );
}
