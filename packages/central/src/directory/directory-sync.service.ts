/**
 * Runs a directory sync: loads what the directory holds for a source, plans the changes (sync-plan.ts), and
 * applies them in ONE transaction, so a run that fails halfway (a lost LDAP connection, a database error) leaves
 * the directory exactly as it was. A dry run plans and reports without writing. Every run, dry or not, failed or
 * not, leaves a history row with its counts, duration and errors. Rows are written in chunks and the directory
 * version is bumped once per run for all its users, which is what keeps a 100,000-user sync fast.
 */
import { In, type DataSource, type EntityManager } from 'typeorm';
import { describeError, newId, type Logger, type LookupKeys } from '@quire/common';
import {
  DirectoryChangeEntity,
  DirectoryDelegateEntity,
  DirectoryGroupEntity,
  DirectoryMembershipEntity,
  DirectorySyncRunEntity,
} from './directory-group.entity';
import { insertRows } from './bulk-insert';
import { loadSyncContext, missingGroupPaths } from './sync-context';
import { DirectoryCardEntity, DirectoryNameEntity, DirectoryUserEntity } from './directory-user.entity';
import { DIRECTORY_VERSION_ROW, DirectoryVersionEntity } from './directory-version.entity';
import { nameKey } from './directory.repository';
import { type SourceProblem, type SourceRead } from './source-user';
import { planSync, type DesiredUser, type ExistingUser, type SyncPlan, type SyncRules } from './sync-plan';

const CHUNK = 400;
const SAMPLES = 10;
const KEPT_PROBLEMS = 1000;

/** What a run did, or would do (dry run). */
export interface SyncReport {
  runId: string;
  source: string;
  dryRun: boolean;
  status: 'ok' | 'partial' | 'failed';
  counts: {
    added: number;
    updated: number;
    disabled: number;
    unchanged: number;
    conflicts: number;
    skipped: number;
  };
  samples: { added: string[]; updated: string[]; disabled: string[] };
  conflicts: SourceProblem[];
  problems: SourceProblem[];
  durationMs: number;
  error?: string;
}

/** Dependencies of the sync service. */
export interface DirectorySyncOptions {
  dataSource: DataSource;
  lookupKeys: LookupKeys;
  logger: Logger;
  now?: () => Date;
}

/** Directory syncs and imports; see the file comment. */
export class DirectorySyncService {
  private readonly now: () => Date;

  constructor(private readonly options: DirectorySyncOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Apply `read` (or, for a dry run, only plan it) under `rules`. `read` is whatever a source returned; a source
   * that failed never gets here, so nothing is applied for it, but the caller records the failure with
   * `recordFailure`. Resolves with the report; a failure while applying rolls everything back and is reported.
   */
  async run(read: SourceRead, rules: SyncRules, dryRun: boolean): Promise<SyncReport> {
    const started = this.now();
    const report = emptyReport(rules.source, dryRun);
    report.problems = read.problems.slice(0, KEPT_PROBLEMS);
    report.counts.skipped = read.problems.length;
    try {
      const plan = await this.options.dataSource.transaction(async (tx) => {
        const ctx = await loadSyncContext(tx, rules.source);
        const groupKeys = new Set(ctx.groupIdByKey.keys());
        for (const user of read.users) {
          for (const path of user.groups) {
            for (let depth = 1; depth <= path.length; depth += 1)
              groupKeys.add(JSON.stringify(path.slice(0, depth)));
          }
        }
        const planned = planSync(read.users, rules, {
          ...ctx,
          groupKeys,
          pinKey: (p) => this.pinKey(p),
          cardKey: (c) => this.cardKey(c),
        });
        if (!dryRun) await this.apply(tx, planned, rules, ctx.groupIdByKey);
        return planned;
      });
      fillReport(report, plan);
      report.status = report.counts.skipped + report.counts.conflicts > 0 ? 'partial' : 'ok';
    } catch (err) {
      report.status = 'failed';
      report.error = describeError(err);
      this.options.logger.error('directory sync failed; nothing was applied', {
        source: rules.source,
        error: report.error,
      });
    }
    report.durationMs = this.now().getTime() - started.getTime();
    await this.saveRun(report, started);
    return report;
  }

  /** Record a run whose source could not be read (nothing was applied). */
  async recordFailure(source: string, dryRun: boolean, error: unknown, started: Date): Promise<SyncReport> {
    const report = emptyReport(source, dryRun);
    report.status = 'failed';
    report.error = describeError(error);
    report.durationMs = this.now().getTime() - started.getTime();
    await this.saveRun(report, started);
    return report;
  }

  /** The history of runs, newest first. */
  history(source: string | undefined, limit: number): Promise<DirectorySyncRunEntity[]> {
    return this.options.dataSource.manager.find(DirectorySyncRunEntity, {
      where: source ? { source } : {},
      order: { startedAt: 'DESC' },
      take: limit,
    });
  }

  private pinKey(pin: string): string {
    return this.options.lookupKeys.pin(pin);
  }

  private cardKey(card: string): string {
    return this.options.lookupKeys.card(card);
  }

  /** Write the plan: groups first, then users in chunks, then the change-feed rows under one version block. */
  private async apply(
    tx: EntityManager,
    plan: SyncPlan,
    rules: SyncRules,
    groupIdByKey: Map<string, string>,
  ) {
    const wanted = new Set([...plan.add, ...plan.update.map((u) => u.after)].flatMap((u) => u.groupKeys));
    const missing = missingGroupPaths(wanted, groupIdByKey);
    const touched = plan.add.length + plan.update.length + plan.disable.length;
    if (touched + missing.length === 0) return;
    let version = await this.reserveVersions(tx, touched + missing.length);
    const changes: DirectoryChangeEntity[] = [];
    const groups = missing.map((path) => {
      const parentId = path.length > 1 ? (groupIdByKey.get(JSON.stringify(path.slice(0, -1))) ?? null) : null;
      const group = this.groupRow(path, parentId, rules.source, (version += 1));
      groupIdByKey.set(JSON.stringify(path), group.id);
      changes.push(change(group.id, group.version, 'upsert', group.updatedAt, 'group'));
      return group;
    });
    await insertRows(tx, DirectoryGroupEntity, groups);
    const at = this.now();
    const added = plan.add.map((after) => ({ id: newId(), after }));
    const users = added.map(({ id, after }) => this.userRow(id, after, rules.source, (version += 1), at));
    changes.push(...users.map((u) => change(u.id, u.version, 'upsert', at)));
    await insertRows(tx, DirectoryUserEntity, users);
    for (const { id, before, after } of plan.update) {
      await tx.update(DirectoryUserEntity, { id }, this.updateRow(before, after, (version += 1), at));
      changes.push(change(id, version, 'upsert', at));
    }
    const rewritten = [...added, ...plan.update.map(({ id, after }) => ({ id, after }))];
    await this.writeLists(tx, rewritten, new Set(plan.update.map((u) => u.id)), groupIdByKey);
    for (const chunk of chunks(plan.disable, CHUNK)) {
      await tx.update(
        DirectoryUserEntity,
        { id: In(chunk.map((u) => u.id)) },
        { state: 'disabled', updatedAt: at },
      );
      for (const user of chunk) {
        await tx.update(DirectoryUserEntity, { id: user.id }, { version: (version += 1) });
        changes.push(change(user.id, version, 'upsert', at));
      }
    }
    await insertRows(tx, DirectoryChangeEntity, changes);
  }

  /** Replace names, cards, memberships and delegates of the users written. */
  private async writeLists(
    tx: EntityManager,
    users: Array<{ id: string; after: DesiredUser }>,
    existing: Set<string>,
    groupIdByKey: Map<string, string>,
  ) {
    // Users added by this run have no lists yet: only the updated ones are read and cleared first.
    const ids = users.map((u) => u.id).filter((id) => existing.has(id));
    // What a rewrite keeps: a kept card's validity, a kept membership's accounting and manager flags.
    const validUntil = new Map<string, Date | null>();
    const flags = new Map<string, { accounting: boolean; manager: boolean }>();
    for (const chunk of chunks(ids, CHUNK)) {
      for (const card of await tx.findBy(DirectoryCardEntity, { userId: In(chunk) })) {
        validUntil.set(card.cardKey, card.validUntil);
      }
      for (const m of await tx.findBy(DirectoryMembershipEntity, { userId: In(chunk) })) {
        flags.set(`${m.userId}:${m.groupId}`, { accounting: m.accounting, manager: m.manager });
      }
      await tx.delete(DirectoryNameEntity, { userId: In(chunk) });
      await tx.delete(DirectoryCardEntity, { userId: In(chunk) });
      await tx.delete(DirectoryMembershipEntity, { userId: In(chunk) });
      await tx.delete(DirectoryDelegateEntity, { userId: In(chunk) });
    }
    const names = users.flatMap(({ id, after }) => [
      { nameKey: nameKey(after.username), name: after.username, userId: id, kind: 'username' as const },
      ...after.aliases.map((alias) => ({
        nameKey: nameKey(alias),
        name: alias,
        userId: id,
        kind: 'alias' as const,
      })),
    ]);
    await insertRows(tx, DirectoryNameEntity, names);
    const cards = new Map<string, DirectoryCardEntity>();
    for (const { id, after } of users)
      for (const key of after.cardKeys) {
        cards.set(key, { cardKey: key, userId: id, validUntil: validUntil.get(key) ?? null });
      }
    await insertRows(tx, DirectoryCardEntity, [...cards.values()]);
    const memberships = users.flatMap(({ id, after }) =>
      [
        ...new Set(
          after.groupKeys.map((key) => groupIdByKey.get(key)).filter((g): g is string => g !== undefined),
        ),
      ].map((groupId) => ({
        userId: id,
        groupId,
        accounting: false,
        manager: false,
        ...flags.get(`${id}:${groupId}`),
      })),
    );
    await insertRows(tx, DirectoryMembershipEntity, memberships);
    const delegateRows: DirectoryDelegateEntity[] = [];
    for (const { id, after } of users) {
      for (const delegate of new Set(after.delegates)) {
        if (delegate.startsWith('group:')) {
          const groupId = groupIdByKey.get(delegate.slice(6));
          if (groupId) delegateRows.push({ userId: id, kind: 'group', delegateId: groupId });
          continue;
        }
        const owner = await tx.findOneBy(DirectoryNameEntity, { nameKey: nameKey(delegate) });
        if (owner && owner.userId !== id)
          delegateRows.push({ userId: id, kind: 'user', delegateId: owner.userId });
      }
    }
    await insertRows(tx, DirectoryDelegateEntity, delegateRows);
  }

  private groupRow(
    path: string[],
    parentId: string | null,
    source: string,
    version: number,
  ): DirectoryGroupEntity {
    const name = path[path.length - 1];
    return {
      id: newId(),
      name,
      nameKey: nameKey(name),
      parentId,
      parentKey: parentId ?? '-',
      source,
      version,
      updatedAt: this.now(),
    };
  }

  private userRow(
    id: string,
    after: DesiredUser,
    source: string,
    version: number,
    at: Date,
  ): DirectoryUserEntity {
    return {
      id,
      username: after.username,
      fullName: after.fullName,
      email: after.email,
      personalNumber: after.personalNumber,
      phone: after.phone,
      language: after.language,
      notes: '',
      pinKey: after.pinKey,
      passwordHash: null,
      source,
      state: 'active',
      system: false,
      anonymised: false,
      keepForReprint: false,
      version,
      createdAt: at,
      updatedAt: at,
    };
  }

  private updateRow(before: ExistingUser, after: DesiredUser, version: number, at: Date) {
    return {
      username: after.username,
      fullName: after.fullName,
      email: after.email,
      personalNumber: after.personalNumber,
      phone: after.phone,
      language: after.language,
      pinKey: after.pinKey,
      state: before.state === 'deleted' ? ('deleted' as const) : ('active' as const),
      version,
      updatedAt: at,
    };
  }

  /** Bump the directory version by `count` at once; returns the version before the block. */
  private async reserveVersions(tx: EntityManager, count: number): Promise<number> {
    await tx.increment(DirectoryVersionEntity, { id: DIRECTORY_VERSION_ROW }, 'value', count);
    const row = await tx.findOneByOrFail(DirectoryVersionEntity, { id: DIRECTORY_VERSION_ROW });
    return row.value - count;
  }

  private async saveRun(report: SyncReport, started: Date): Promise<void> {
    const row: DirectorySyncRunEntity = {
      id: report.runId,
      source: report.source,
      dryRun: report.dryRun,
      status: report.status,
      startedAt: started,
      durationMs: report.durationMs,
      counts: JSON.stringify(report.counts),
      errors: JSON.stringify(
        report.error
          ? [{ origin: 'run', message: report.error }]
          : [...report.conflicts, ...report.problems].slice(0, KEPT_PROBLEMS),
      ),
    };
    await this.options.dataSource.manager.insert(DirectorySyncRunEntity, row).catch((err: unknown) => {
      this.options.logger.error('sync history not written', { error: describeError(err) });
    });
  }
}

function emptyReport(source: string, dryRun: boolean): SyncReport {
  return {
    runId: newId(),
    source,
    dryRun,
    status: 'ok',
    counts: { added: 0, updated: 0, disabled: 0, unchanged: 0, conflicts: 0, skipped: 0 },
    samples: { added: [], updated: [], disabled: [] },
    conflicts: [],
    problems: [],
    durationMs: 0,
  };
}

function fillReport(report: SyncReport, plan: SyncPlan): void {
  report.counts.added = plan.add.length;
  report.counts.updated = plan.update.length;
  report.counts.disabled = plan.disable.length;
  report.counts.unchanged = plan.unchanged;
  report.counts.conflicts = plan.conflicts.length;
  report.conflicts = plan.conflicts.slice(0, KEPT_PROBLEMS);
  report.samples.added = plan.add.slice(0, SAMPLES).map((u) => u.username);
  report.samples.updated = plan.update.slice(0, SAMPLES).map((u) => u.after.username);
  report.samples.disabled = plan.disable.slice(0, SAMPLES).map((u) => u.username);
}

function change(
  entityId: string,
  version: number,
  op: 'upsert' | 'delete',
  at: Date,
  entityKind: 'user' | 'group' = 'user',
): DirectoryChangeEntity {
  return { version, entityKind, entityId, op, at };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
