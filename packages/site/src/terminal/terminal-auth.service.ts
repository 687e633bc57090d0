/**
 * Signing in at a printer's terminal: by PIN, by card, or by username and password, against the site's directory
 * cache; the sessions that follow (a bearer token, ended by logout or after `terminal.sessionIdleSeconds`
 * without a request); and the lockout, as MyQ does it: 5 failed logins of one user, card or PIN within 15 minutes
 * lock that credential for 15 minutes. Every login, failed, locked or not, is written to the audit log (never
 * the PIN, card or password).
 */
import { type DataSource, MoreThanOrEqual } from 'typeorm';
import {
  ErrorCode,
  newId,
  QuireError,
  randomToken,
  sha256Hex,
  type AuditOutcome,
  type AuditService,
} from '@quire/common';
import { type DirectoryUserEntity } from '../directory/directory-user.entity';
import { type DirectoryService } from '../directory/directory.service';
import { type PrinterEntity } from '../printers/printer.entity';
import { type PrinterService } from '../printers/printer.service';
import { TerminalLoginFailureEntity, TerminalSessionEntity } from './terminal-session.entity';

/** Failed logins within LOCKOUT_WINDOW_MS that lock a credential. */
export const LOCKOUT_FAILURES = 5;
/** Both the window failures are counted in and how long the lock lasts. */
export const LOCKOUT_WINDOW_MS = 15 * 60_000;

/** How stale a session's `last_seen_at` may be before a request writes it again. */
const SEEN_WRITE_MS = 30_000;

/** What a user signs in with. */
export type TerminalCredential = { pin: string } | { card: string } | { username: string; password: string };

/** An open terminal session. */
export interface TerminalSession {
  user: DirectoryUserEntity;
  printer: PrinterEntity;
  tokenHash: string;
}

/** Dependencies of terminal sign-in. */
export interface TerminalAuthOptions {
  dataSource: DataSource;
  directory: DirectoryService;
  printers: PrinterService;
  audit: AuditService;
  sessionIdleSeconds: number;
  now?: () => Date;
}

/** Where a login came from, for the audit log. */
export interface LoginOrigin {
  remoteAddr?: string;
  requestId?: string;
}

/** Terminal sign-in and sessions; see the file comment. */
export class TerminalAuthService {
  private readonly now: () => Date;

  constructor(private readonly options: TerminalAuthOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** An enabled printer terminals may sign in at; PRINTER_NOT_FOUND otherwise. */
  async printer(printerId: string): Promise<PrinterEntity> {
    const printer = await this.options.printers.get(printerId);
    if (!printer.enabled)
      throw new QuireError(ErrorCode.PrinterNotFound, `Printer "${printer.name}" is disabled`);
    return printer;
  }

  /**
   * Sign in at `printerId`. PRINTER_NOT_FOUND for an unknown or disabled printer, AUTH_ACCOUNT_LOCKED while the
   * credential is locked, AUTH_INVALID_CREDENTIALS when it matches no enabled user.
   */
  async login(
    printerId: string,
    credential: TerminalCredential,
    origin: LoginOrigin,
  ): Promise<{ token: string; session: TerminalSession; expiresAt: Date }> {
    const printer = await this.printer(printerId);
    const key = this.credentialKey(credential);
    const lockedFor = await this.lockedForMs(key);
    if (lockedFor > 0) {
      await this.audit(origin, credential, printer, 'denied', { reason: 'locked' });
      throw new QuireError(
        ErrorCode.AuthAccountLocked,
        `Too many failed logins: this ${kindOf(credential)} is locked for ${Math.ceil(lockedFor / 60_000)} more minute(s)`,
      );
    }
    const user = await this.findUser(credential);
    if (!user) {
      await this.options.dataSource.manager.insert(TerminalLoginFailureEntity, {
        id: newId(),
        credential: key,
        at: this.now(),
      });
      await this.audit(origin, credential, printer, 'denied', { reason: 'invalid credentials' });
      throw new QuireError(
        ErrorCode.AuthInvalidCredentials,
        `Unknown ${kindOf(credential)}, or a wrong password`,
      );
    }
    await this.options.dataSource.manager.delete(TerminalLoginFailureEntity, { credential: key });
    const token = randomToken(32);
    const at = this.now();
    const row: TerminalSessionEntity = {
      tokenHash: sha256Hex(token),
      username: user.username,
      printerId: printer.id,
      createdAt: at,
      lastSeenAt: at,
    };
    await this.options.dataSource.manager.insert(TerminalSessionEntity, row);
    await this.audit(origin, credential, printer, 'ok', { user: user.username });
    return { token, session: { user, printer, tokenHash: row.tokenHash }, expiresAt: this.expiryOf(at) };
  }

  /** The session of a bearer token; TERMINAL_SESSION_INVALID when there is none or it has expired. */
  async authenticate(token: string): Promise<TerminalSession> {
    const manager = this.options.dataSource.manager;
    const tokenHash = sha256Hex(token);
    const row = await manager.findOneBy(TerminalSessionEntity, { tokenHash });
    const at = this.now();
    if (!row || this.expiryOf(row.lastSeenAt) <= at) {
      if (row) await manager.delete(TerminalSessionEntity, { tokenHash });
      throw new QuireError(ErrorCode.TerminalSessionInvalid, 'The terminal session has ended; sign in again');
    }
    const user = await this.options.directory.byUsername(row.username);
    const printer = await this.options.printers.get(row.printerId).catch(() => null);
    if (!user?.enabled || !printer) {
      await manager.delete(TerminalSessionEntity, { tokenHash });
      throw new QuireError(ErrorCode.TerminalSessionInvalid, 'The terminal session has ended; sign in again');
    }
    // Written at most every SEEN_WRITE_MS (or a tenth of the idle time): every terminal request would otherwise
    // cost a commit, and its fsync sits in front of a release's first byte.
    const writeEvery = Math.min(SEEN_WRITE_MS, this.options.sessionIdleSeconds * 100);
    if (at.getTime() - row.lastSeenAt.getTime() >= writeEvery) {
      await manager.update(TerminalSessionEntity, { tokenHash }, { lastSeenAt: at });
    }
    return { user, printer, tokenHash };
  }

  /** End a session. */
  async logout(session: TerminalSession): Promise<void> {
    await this.options.dataSource.manager.delete(TerminalSessionEntity, { tokenHash: session.tokenHash });
  }

  /** When a session last seen at `lastSeen` expires. */
  expiryOf(lastSeen: Date): Date {
    return new Date(lastSeen.getTime() + this.options.sessionIdleSeconds * 1000);
  }

  private findUser(credential: TerminalCredential): Promise<DirectoryUserEntity | null> {
    if ('pin' in credential) return this.options.directory.byPin(credential.pin);
    if ('card' in credential) return this.options.directory.byCard(credential.card);
    return this.options.directory.byPassword(credential.username, credential.password);
  }

  /** The lockout key of a credential: its lookup key, never the PIN or card itself. */
  private credentialKey(credential: TerminalCredential): string {
    const keys = this.options.directory.lookupKeys;
    if ('pin' in credential) return `pin:${keys.pin(credential.pin)}`;
    if ('card' in credential) return `card:${keys.card(credential.card)}`;
    return `user:${credential.username.toLowerCase().slice(0, 128)}`;
  }

  /**
   * How long the credential stays locked, or 0. It is locked for LOCKOUT_WINDOW_MS from the failure that made
   * LOCKOUT_FAILURES within one window; failures are not recorded while it is locked, so that failure is the
   * newest, and the five newest failures span at most one window exactly when such a lock was set.
   */
  private async lockedForMs(key: string): Promise<number> {
    const since = new Date(this.now().getTime() - 2 * LOCKOUT_WINDOW_MS);
    const failures = await this.options.dataSource.manager.find(TerminalLoginFailureEntity, {
      where: { credential: key, at: MoreThanOrEqual(since) },
      order: { at: 'DESC' },
      take: LOCKOUT_FAILURES,
    });
    if (failures.length < LOCKOUT_FAILURES) return 0;
    const newest = failures[0].at.getTime();
    if (newest - failures[LOCKOUT_FAILURES - 1].at.getTime() > LOCKOUT_WINDOW_MS) return 0;
    return Math.max(0, newest + LOCKOUT_WINDOW_MS - this.now().getTime());
  }

  private async audit(
    origin: LoginOrigin,
    credential: TerminalCredential,
    printer: PrinterEntity,
    outcome: AuditOutcome,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.options.audit.record({
      actorName: 'username' in credential ? credential.username : `(${kindOf(credential)})`,
      action: 'terminal.login',
      targetType: 'printer',
      targetId: printer.id,
      details: { method: kindOf(credential), ...details },
      outcome,
      remoteAddr: origin.remoteAddr,
      requestId: origin.requestId,
    });
  }
}

function kindOf(credential: TerminalCredential): 'PIN' | 'card' | 'user' {
  return 'pin' in credential ? 'PIN' : 'card' in credential ? 'card' : 'user';
}
