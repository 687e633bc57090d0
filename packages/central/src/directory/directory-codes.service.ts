/**
 * Bulk PIN / ID-code generation, as PaperCut's "generate new card/ID number" and MyQ's PIN generation: pick the
 * users (a group and its subgroups, or everyone; optionally only those without a PIN), give each a new unique,
 * non-trivial code of at least the length the directory's size calls for, store only its lookup key, and mail
 * each user their own code through the configured SMTP server and template. The clear codes exist only in those
 * mails and in the answer to the admin who asked (which the REST API returns once).
 */
import { In, IsNull, Not, type DataSource } from 'typeorm';
import { ErrorCode, QuireError, type Logger, type LookupKeys } from '@quire/common';
import { generateCodes, minimumCodeLength } from './code-generator';
import { DirectoryMembershipEntity } from './directory-group.entity';
import { type DirectoryGroupsService } from './directory-groups.service';
import { type DirectorySettings } from './directory-settings';
import { DirectoryUserEntity } from './directory-user.entity';
import { type DirectoryRepository } from './directory.repository';
import { renderMail, templateFor, type MailTemplateKind } from './mail-templates';
import { Mailer, type MailMessage } from './mailer';

/** Which users get a new code, and how. */
export interface CodeGenerationRequest {
  /** Only members of this group and its subgroups; all active users when absent. */
  groupId?: string;
  /** Only users who have no PIN yet. */
  onlyIfEmpty: boolean;
  /** At least this many digits (the directory's floor still applies). */
  length?: number;
  /** Mail each user their code; users without an email address are listed as not mailed. */
  notify: boolean;
  /** `newIdCode` (PaperCut's wording, `%id_number%`) or `newPin` (`%pin%`). */
  template: Extract<MailTemplateKind, 'newPin' | 'newIdCode'>;
}

/** One generated code, for the admin's answer. */
export interface GeneratedCode {
  userId: string;
  username: string;
  code: string;
  mailed: boolean;
  mailError?: string;
}

/** Dependencies of code generation. */
export interface DirectoryCodesOptions {
  dataSource: DataSource;
  repository: DirectoryRepository;
  groups: DirectoryGroupsService;
  settings: DirectorySettings;
  lookupKeys: LookupKeys;
  pinMinLength: number;
  logger: Logger;
  now?: () => Date;
}

/** Bulk code generation; see the file comment. */
export class DirectoryCodesService {
  constructor(private readonly options: DirectoryCodesOptions) {}

  /** Generate, store and (optionally) mail codes; resolves with each user's code and whether it was mailed. */
  async generate(request: CodeGenerationRequest): Promise<{ length: number; codes: GeneratedCode[] }> {
    const smtp = request.notify ? await this.options.settings.smtp() : null;
    if (request.notify && !smtp) {
      throw new QuireError(
        ErrorCode.ValidationFailed,
        'Set the SMTP server first (PUT /api/v1/notifications/smtp)',
      );
    }
    const users = await this.targets(request);
    const manager = this.options.dataSource.manager;
    const population = await manager.countBy(DirectoryUserEntity, { system: false });
    const length = Math.max(minimumCodeLength(population, this.options.pinMinLength), request.length ?? 0);
    const used = await manager.countBy(DirectoryUserEntity, { pinKey: Not(IsNull()) });
    const codes = await generateCodes(users.length, length, (code) => this.taken(code), { usedCount: used });
    await this.options.dataSource.transaction(async (tx) => {
      for (const [i, user] of users.entries()) {
        const version = await this.options.repository.recordChange(tx, 'user', user.id, 'upsert', new Date());
        await tx.update(
          DirectoryUserEntity,
          { id: user.id },
          { pinKey: this.options.lookupKeys.pin(codes[i]), version, updatedAt: new Date() },
        );
      }
    });
    const generated: GeneratedCode[] = users.map((user, i) => ({
      userId: user.id,
      username: user.username,
      code: codes[i],
      mailed: false,
    }));
    if (smtp)
      await this.mail(generated, users, request.template, new Mailer(smtp, { logger: this.options.logger }));
    this.options.logger.info('codes generated', {
      users: generated.length,
      length,
      mailed: generated.filter((g) => g.mailed).length,
    });
    return { length, codes: generated };
  }

  /** Active users in scope, by username. */
  private async targets(request: CodeGenerationRequest): Promise<DirectoryUserEntity[]> {
    const manager = this.options.dataSource.manager;
    const where = {
      system: false,
      state: 'active' as const,
      ...(request.onlyIfEmpty ? { pinKey: IsNull() } : {}),
    };
    if (!request.groupId) return manager.find(DirectoryUserEntity, { where, order: { username: 'ASC' } });
    const groupIds = await this.subtree(request.groupId);
    const members = await manager.findBy(DirectoryMembershipEntity, { groupId: In(groupIds) });
    const ids = [...new Set(members.map((m) => m.userId))];
    const users: DirectoryUserEntity[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      users.push(...(await manager.findBy(DirectoryUserEntity, { ...where, id: In(ids.slice(i, i + 500)) })));
    }
    return users.sort((a, b) => a.username.localeCompare(b.username));
  }

  /** A group and all groups under it. */
  private async subtree(groupId: string): Promise<string[]> {
    await this.options.groups.get(groupId);
    const all = await this.options.groups.list();
    const found = [groupId];
    for (let i = 0; i < found.length; i += 1) {
      for (const group of all) if (group.parentId === found[i]) found.push(group.id);
    }
    return found;
  }

  private async taken(code: string): Promise<boolean> {
    const key = this.options.lookupKeys.pin(code);
    return (await this.options.dataSource.manager.countBy(DirectoryUserEntity, { pinKey: key })) > 0;
  }

  private async mail(
    generated: GeneratedCode[],
    users: DirectoryUserEntity[],
    kind: CodeGenerationRequest['template'],
    mailer: Mailer,
  ): Promise<void> {
    const template = templateFor(await this.options.settings.templates(), kind);
    const messages: Array<{ index: number; message: MailMessage }> = [];
    users.forEach((user, index) => {
      if (!user.email) {
        generated[index].mailError = 'no email address';
        return;
      }
      const vars = {
        id_number: generated[index].code,
        pin: generated[index].code,
        username: user.username,
        fullname: user.fullName,
      };
      messages.push({ index, message: { to: user.email, ...renderMail(template, vars) } });
    });
    try {
      const outcomes = await mailer.sendMany(messages.map((m) => m.message));
      outcomes.forEach((outcome, i) => {
        const target = generated[messages[i].index];
        target.mailed = outcome.ok;
        if (!outcome.ok) target.mailError = outcome.error.message;
      });
    } finally {
      await mailer.close();
    }
  }
}
