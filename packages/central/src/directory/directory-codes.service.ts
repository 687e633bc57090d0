/**
 * Bulk PIN / ID-code generation, as PaperCut's "generate new card/ID number" and MyQ's PIN generation: pick the
 * users (a group and its subgroups, or everyone; optionally only those with nothing in the target yet), give
 * each a new unique, non-trivial code of at least the length the directory's size calls for, in their PIN or in
 * their primary or secondary card slot, store only its lookup key, and mail each user their own code through the
 * configured SMTP server and template. The clear codes exist only in those mails and in the answer to the admin
 * who asked (which the REST API returns once).
 */
import { In, type DataSource } from 'typeorm';
import { ErrorCode, QuireError, type Logger, type LookupKeys } from '@quire/common';
import { generateCodes, minimumCodeLength } from './code-generator';
import { CODE_TARGETS, codeStoreFor, type CodeStore, type CodeTarget } from './code-targets';
import { DirectoryMembershipEntity } from './directory-group.entity';
import { type DirectoryGroupsService } from './directory-groups.service';
import { type DirectorySettings } from './directory-settings';
import { DirectoryUserEntity } from './directory-user.entity';
import { type DirectoryRepository } from './directory.repository';
import { renderMail, templateFor, type MailTemplateKind } from './mail-templates';
import { Mailer, type MailMessage } from '@quire/common';

/** Which users get a new code, and how. */
export interface CodeGenerationRequest {
  /** Only members of this group and its subgroups; all active users when absent. */
  groupId?: string;
  /** The PIN (the default) or the card in the primary or secondary slot. */
  target?: CodeTarget;
  /** Only users who have nothing in the target yet (no PIN, or no card in that slot). */
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
  async generate(
    request: CodeGenerationRequest,
  ): Promise<{ target: CodeTarget; length: number; codes: GeneratedCode[] }> {
    const target = checkedTarget(request.target);
    const store = codeStoreFor(target, this.options.lookupKeys);
    const smtp = request.notify ? await this.options.settings.smtp() : null;
    if (request.notify && !smtp) {
      throw new QuireError(
        ErrorCode.ValidationFailed,
        'Set the SMTP server first (PUT /api/v1/notifications/smtp)',
      );
    }
    const users = await this.targets(request, store);
    const manager = this.options.dataSource.manager;
    const population = await manager.countBy(DirectoryUserEntity, { system: false });
    const length = Math.max(minimumCodeLength(population, this.options.pinMinLength), request.length ?? 0);
    const codes = await generateCodes(users.length, length, (code) => store.isTaken(manager, code), {
      usedCount: await store.usedCount(manager),
    });
    await this.options.dataSource.transaction(async (tx) => {
      for (const [i, user] of users.entries()) {
        const version = await this.options.repository.recordChange(tx, 'user', user.id, 'upsert', new Date());
        const patch = await store.store(tx, user.id, codes[i]);
        await tx.update(DirectoryUserEntity, { id: user.id }, { ...patch, version, updatedAt: new Date() });
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
      target,
      users: generated.length,
      length,
      mailed: generated.filter((g) => g.mailed).length,
    });
    return { target, length, codes: generated };
  }

  /** Active users in scope, by username, less those with a code in the target when only empty ones are asked. */
  private async targets(request: CodeGenerationRequest, store: CodeStore): Promise<DirectoryUserEntity[]> {
    const users = await this.activeUsers(request.groupId);
    if (!request.onlyIfEmpty) return users;
    const holders = await store.holders(this.options.dataSource.manager, users);
    return users.filter((user) => !holders.has(user.id));
  }

  /** Active users, of a group and its subgroups or of the whole directory, by username. */
  private async activeUsers(groupId: string | undefined): Promise<DirectoryUserEntity[]> {
    const manager = this.options.dataSource.manager;
    const where = { system: false, state: 'active' as const };
    if (!groupId) return manager.find(DirectoryUserEntity, { where, order: { username: 'ASC' } });
    const groupIds = await this.subtree(groupId);
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

/** The target asked for, 'pin' when none is; VALIDATION_FAILED names the field for anything else. */
function checkedTarget(target: unknown): CodeTarget {
  if (target === undefined) return 'pin';
  if (CODE_TARGETS.includes(target as CodeTarget)) return target as CodeTarget;
  throw new QuireError(
    ErrorCode.ValidationFailed,
    `target must be one of ${CODE_TARGETS.join(', ')}, got ${JSON.stringify(target)}`,
    { details: { fields: [{ field: 'target', problem: `expected one of ${CODE_TARGETS.join(', ')}` }] } },
  );
}
