/**
 * The writing half of a directory sync: each planned batch becomes rows queued on the run's BulkWriter (groups
 * the batch needs first, then users, their names, cards and memberships, then the change-feed rows), and
 * `finish` queues what only the whole run can decide: disabled users, delegates, and the directory version.
 * Versions are handed out from the block the run started on and stored once at the end; the run holds the write
 * lock (SQLite) or the version row's lock (MariaDB) throughout, so nobody else can take the same numbers.
 */
import { type DataSource } from 'typeorm';
import { newId, type BulkWriter } from '@quire/common';
import { BulkTable } from './bulk-insert';
import {
  DirectoryChangeEntity,
  DirectoryDelegateEntity,
  DirectoryGroupEntity,
  DirectoryMembershipEntity,
} from './directory-group.entity';
import { DirectoryCardEntity, DirectoryNameEntity, DirectoryUserEntity } from './directory-user.entity';
import { DIRECTORY_VERSION_ROW, DirectoryVersionEntity } from './directory-version.entity';
import { nameKey } from './directory.repository';
import { missingGroupPaths } from './sync-context';
import { type BatchPlan, type DesiredUser, type ExistingUser } from './sync-plan';

/** What the applier needs from the sync's context. */
export interface ApplyState {
  source: string;
  /** The directory version when the run began. */
  version: number;
  groupIdByKey: Map<string, string>;
  /** Who holds each name before the run (for delegates). */
  nameOwners: Map<string, { userId: string }>;
  /** What rewriting a user's lists keeps: a card's validity, a membership's flags (`userId:groupId`). */
  cardValidity: Map<string, Date | null>;
  /** Who holds each card generated into a slot: a source listing the same card for that user adds no row. */
  slotCardOwners: Map<string, string>;
  membershipFlags: Map<string, { accounting: boolean; manager: boolean }>;
}

/** The tables a sync writes, each with its row encoder. */
class SyncTables {
  readonly users: BulkTable<DirectoryUserEntity>;
  readonly names: BulkTable<DirectoryNameEntity>;
  readonly cards: BulkTable<DirectoryCardEntity>;
  readonly memberships: BulkTable<DirectoryMembershipEntity>;
  readonly delegates: BulkTable<DirectoryDelegateEntity>;
  readonly groups: BulkTable<DirectoryGroupEntity>;
  readonly changes: BulkTable<DirectoryChangeEntity>;
  readonly version: BulkTable<DirectoryVersionEntity>;

  constructor(dataSource: DataSource) {
    this.users = new BulkTable(dataSource, DirectoryUserEntity);
    this.names = new BulkTable(dataSource, DirectoryNameEntity);
    this.cards = new BulkTable(dataSource, DirectoryCardEntity);
    this.memberships = new BulkTable(dataSource, DirectoryMembershipEntity);
    this.delegates = new BulkTable(dataSource, DirectoryDelegateEntity);
    this.groups = new BulkTable(dataSource, DirectoryGroupEntity);
    this.changes = new BulkTable(dataSource, DirectoryChangeEntity);
    this.version = new BulkTable(dataSource, DirectoryVersionEntity);
  }
}

/** Queues a run's writes; see the file comment. */
export class SyncApplier {
  private readonly tables: SyncTables;
  private version: number;
  private readonly startVersion: number;
  // The users whose delegates are written at the end.
  private readonly delegated: Array<{ id: string; after: DesiredUser }> = [];

  constructor(
    dataSource: DataSource,
    private readonly writer: BulkWriter,
    private readonly state: ApplyState,
    private readonly now: () => Date,
  ) {
    this.tables = new SyncTables(dataSource);
    this.version = state.version;
    this.startVersion = state.version;
  }

  /** Queue the writes of one planned batch. */
  applyBatch(batch: BatchPlan): void {
    const at = this.now();
    const changes: DirectoryChangeEntity[] = [];
    this.createGroups(batch, changes, at);
    const added = batch.add.map((after) => ({ id: newId(), after }));
    const users = added.map(({ id, after }) => {
      const row = this.userRow(id, after, (this.version += 1), at);
      changes.push(change(id, row.version, at));
      return row;
    });
    this.tables.users.insert(this.writer, users);
    const updates = batch.update.map(({ id, before, after }) => {
      const fields = this.updateFields(before, after, at);
      changes.push(change(id, fields.version as number, at));
      return { key: id, fields };
    });
    this.tables.users.update(this.writer, 'id', updates);
    const updatedIds = batch.update.map((u) => u.id);
    this.clearLists(updatedIds);
    const rewritten = [...added, ...batch.update.map(({ id, after }) => ({ id, after }))];
    this.writeLists(rewritten);
    this.tables.changes.insert(this.writer, changes);
  }

  /**
   * Queue the disabling of `disable`, every delegate of the run (a name resolves to the user of this run that
   * claimed it, `claimant`, or else to its holder before the run), and the new directory version.
   */
  finish(disable: ExistingUser[], claimant: (name: string) => DesiredUser | undefined): void {
    const at = this.now();
    const changes: DirectoryChangeEntity[] = [];
    this.tables.users.update(
      this.writer,
      'id',
      disable.map((user) => {
        const version = (this.version += 1);
        changes.push(change(user.id, version, at));
        return { key: user.id, fields: { state: 'disabled' as const, version, updatedAt: at } };
      }),
    );
    this.tables.delegates.insert(this.writer, this.delegateRows(claimant));
    this.tables.changes.insert(this.writer, changes);
    if (this.version !== this.startVersion) {
      this.tables.version.update(this.writer, 'id', [
        { key: DIRECTORY_VERSION_ROW, fields: { value: this.version } },
      ]);
    }
  }

  private createGroups(batch: BatchPlan, changes: DirectoryChangeEntity[], at: Date): void {
    const { groupIdByKey } = this.state;
    const wanted = new Set<string>();
    const want = (keys: string[]) => {
      for (const key of keys) if (!groupIdByKey.has(key)) wanted.add(key);
    };
    for (const { groupKeys } of batch.add) want(groupKeys);
    for (const { after } of batch.update) want(after.groupKeys);
    if (wanted.size === 0) return;
    const rows = missingGroupPaths(wanted, groupIdByKey).map((path) => {
      const parentId = path.length > 1 ? (groupIdByKey.get(JSON.stringify(path.slice(0, -1))) ?? null) : null;
      const name = path[path.length - 1];
      const group: DirectoryGroupEntity = {
        id: newId(),
        name,
        nameKey: nameKey(name),
        parentId,
        parentKey: parentId ?? '-',
        source: this.state.source,
        version: (this.version += 1),
        updatedAt: at,
      };
      groupIdByKey.set(JSON.stringify(path), group.id);
      changes.push(change(group.id, group.version, at, 'group'));
      return group;
    });
    this.tables.groups.insert(this.writer, rows);
  }

  /** Users updated by the run lose their lists first; cards generated into a slot are not the source's, and stay. */
  private clearLists(ids: string[]): void {
    if (ids.length === 0) return;
    this.tables.names.deleteWhere(this.writer, 'userId', ids);
    this.tables.cards.deleteWhere(this.writer, 'userId', ids, 'slot');
    this.tables.memberships.deleteWhere(this.writer, 'userId', ids);
    this.tables.delegates.deleteWhere(this.writer, 'userId', ids);
  }

  private writeLists(users: Array<{ id: string; after: DesiredUser }>): void {
    const names: DirectoryNameEntity[] = [];
    const cards: DirectoryCardEntity[] = [];
    const memberships: DirectoryMembershipEntity[] = [];
    const { groupIdByKey, cardValidity, membershipFlags } = this.state;
    for (const { id, after } of users) {
      after.id = id;
      names.push({ nameKey: nameKey(after.username), name: after.username, userId: id, kind: 'username' });
      for (const alias of after.aliases)
        names.push({ nameKey: nameKey(alias), name: alias, userId: id, kind: 'alias' });
      for (const key of unique(after.cardKeys)) {
        if (this.state.slotCardOwners.get(key) === id) continue;
        cards.push({ cardKey: key, userId: id, validUntil: cardValidity.get(key) ?? null });
      }
      const groupIds: string[] = [];
      for (const key of after.groupKeys) {
        const groupId = groupIdByKey.get(key);
        if (groupId !== undefined) groupIds.push(groupId);
      }
      for (const groupId of unique(groupIds)) {
        const flags = membershipFlags.get(`${id}:${groupId}`);
        memberships.push({ userId: id, groupId, accounting: false, manager: false, ...flags });
      }
      if (after.delegates.length > 0) this.delegated.push({ id, after });
    }
    this.tables.names.insert(this.writer, names);
    this.tables.cards.insert(this.writer, cards);
    this.tables.memberships.insert(this.writer, memberships);
  }

  private delegateRows(claimant: (name: string) => DesiredUser | undefined): DirectoryDelegateEntity[] {
    const rows: DirectoryDelegateEntity[] = [];
    for (const { id, after } of this.delegated) {
      for (const delegate of new Set(after.delegates)) {
        if (delegate.startsWith('group:')) {
          const groupId = this.state.groupIdByKey.get(delegate.slice(6));
          if (groupId) rows.push({ userId: id, kind: 'group', delegateId: groupId });
          continue;
        }
        const owner = claimant(delegate)?.id ?? this.state.nameOwners.get(delegate)?.userId;
        if (owner && owner !== id) rows.push({ userId: id, kind: 'user', delegateId: owner });
      }
    }
    return rows;
  }

  private userRow(id: string, after: DesiredUser, version: number, at: Date): DirectoryUserEntity {
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
      source: this.state.source,
      state: 'active',
      system: false,
      anonymised: false,
      keepForReprint: false,
      version,
      createdAt: at,
      updatedAt: at,
    };
  }

  private updateFields(before: ExistingUser, after: DesiredUser, at: Date): Partial<DirectoryUserEntity> {
    return {
      username: after.username,
      fullName: after.fullName,
      email: after.email,
      personalNumber: after.personalNumber,
      phone: after.phone,
      language: after.language,
      pinKey: after.pinKey,
      state: before.state === 'deleted' ? 'deleted' : 'active',
      version: (this.version += 1),
      updatedAt: at,
    };
  }
}

/** `items` without repeats; most lists here have one entry or none. */
function unique<T>(items: T[]): T[] {
  return items.length < 2 ? items : [...new Set(items)];
}

function change(
  entityId: string,
  version: number,
  at: Date,
  entityKind: 'user' | 'group' = 'user',
): DirectoryChangeEntity {
  return { version, entityKind, entityId, op: 'upsert', at };
}
