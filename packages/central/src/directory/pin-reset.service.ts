/**
 * PIN reset by email, self-service: a user who forgot their PIN asks for a reset code by username, gets it by
 * mail, and trades it for a new PIN, which is mailed too (it is never shown on screen or stored in clear). The
 * request answers the same whether or not the user exists or has an email address, so it reveals nothing; requests
 * are rate-limited per user, codes expire after 30 minutes and die after 5 wrong tries, and only their SHA-256 is
 * kept.
 */
import { randomInt } from 'node:crypto';
import { Column, Entity, PrimaryColumn, type DataSource } from 'typeorm';
import {
  describeError,
  ErrorCode,
  QuireError,
  safeEqual,
  sha256Hex,
  TimestampColumn,
  type Logger,
  type LookupKeys,
} from '@quire/common';
import { generateUniqueCode, minimumCodeLength } from './code-generator';
import { type DirectorySettings } from './directory-settings';
import { DirectoryUserEntity } from './directory-user.entity';
import { type DirectoryRepository } from './directory.repository';
import { renderMail, templateFor } from './mail-templates';
import { Mailer } from '@quire/common';
import { RateLimiter } from '@quire/common';

const CODE_TTL_MS = 30 * 60_000;
const MAX_TRIES = 5;

@Entity({ name: 'directory_pin_resets' })
export class DirectoryPinResetEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  @Column({ name: 'code_hash', type: 'varchar', length: 64 })
  codeHash!: string;

  @Column({ type: 'integer' })
  tries!: number;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt!: Date;
}

/** Dependencies of the PIN reset. */
export interface PinResetOptions {
  dataSource: DataSource;
  repository: DirectoryRepository;
  settings: DirectorySettings;
  lookupKeys: LookupKeys;
  pinMinLength: number;
  logger: Logger;
  now?: () => Date;
}

/** PIN reset by email; see the file comment. */
export class PinResetService {
  private readonly limiter: RateLimiter;
  private readonly now: () => Date;

  constructor(private readonly options: PinResetOptions) {
    this.now = options.now ?? (() => new Date());
    this.limiter = new RateLimiter({ intervalMinutes: 5, now: () => this.now().getTime() });
  }

  /** Mail a reset code to `username` if they exist, are active and have an email address; silent otherwise. */
  async request(username: string): Promise<void> {
    if (!this.limiter.tryAcquire(username)) return;
    const user = await this.options.repository.userByName(this.options.dataSource.manager, username);
    if (!user || user.system || user.state !== 'active' || !user.email) return;
    const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
    const manager = this.options.dataSource.manager;
    await manager.delete(DirectoryPinResetEntity, { userId: user.id });
    await manager.insert(DirectoryPinResetEntity, {
      userId: user.id,
      codeHash: sha256Hex(code),
      tries: 0,
      expiresAt: new Date(this.now().getTime() + CODE_TTL_MS),
    });
    // The answer must not depend on whether the user exists, so a mail failure is logged, not returned.
    await this.mail(user, 'pinResetCode', { reset_code: code }).catch((err: unknown) =>
      this.options.logger.warn('PIN reset code not mailed', {
        user: user.username,
        error: describeError(err),
      }),
    );
  }

  /** Trade a valid reset code for a new PIN, mailed to the user. VALIDATION_FAILED for any wrong or old code. */
  async confirm(username: string, code: string): Promise<void> {
    const manager = this.options.dataSource.manager;
    const user = await this.options.repository.userByName(manager, username);
    const reset = user ? await manager.findOneBy(DirectoryPinResetEntity, { userId: user.id }) : null;
    const refused = new QuireError(
      ErrorCode.ValidationFailed,
      'This reset code is wrong or has expired; ask for a new one',
    );
    if (!user || !reset || reset.expiresAt <= this.now()) throw refused;
    if (!safeEqual(reset.codeHash, sha256Hex(code))) {
      if (reset.tries + 1 >= MAX_TRIES) await manager.delete(DirectoryPinResetEntity, { userId: user.id });
      else await manager.increment(DirectoryPinResetEntity, { userId: user.id }, 'tries', 1);
      throw refused;
    }
    const population = await manager.countBy(DirectoryUserEntity, { system: false });
    const length = minimumCodeLength(population, this.options.pinMinLength);
    const pin = await generateUniqueCode(
      length,
      async (candidate) =>
        (await manager.countBy(DirectoryUserEntity, { pinKey: this.options.lookupKeys.pin(candidate) })) > 0,
    );
    // Mailed first: a PIN stored but never delivered would lock the user out of the old and the new one.
    await this.mail(user, 'newPin', { pin });
    await this.options.dataSource.transaction(async (tx) => {
      const version = await this.options.repository.recordChange(tx, 'user', user.id, 'upsert', this.now());
      await tx.update(
        DirectoryUserEntity,
        { id: user.id },
        { pinKey: this.options.lookupKeys.pin(pin), version },
      );
      await tx.delete(DirectoryPinResetEntity, { userId: user.id });
    });
  }

  private async mail(
    user: DirectoryUserEntity,
    kind: 'pinResetCode' | 'newPin',
    vars: { reset_code?: string; pin?: string },
  ): Promise<void> {
    const smtp = await this.options.settings.smtp();
    if (!smtp) {
      throw new QuireError(
        ErrorCode.NotReady,
        'PIN reset by email needs an SMTP server; ask an administrator',
      );
    }
    const template = templateFor(await this.options.settings.templates(), kind);
    const mailer = new Mailer(smtp, { logger: this.options.logger });
    try {
      await mailer.send({
        to: user.email,
        ...renderMail(template, { ...vars, username: user.username, fullname: user.fullName }),
      });
    } finally {
      await mailer.close();
    }
  }
}
