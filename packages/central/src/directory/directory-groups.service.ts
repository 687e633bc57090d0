/**
 * Directory groups: a tree at most MAX_GROUP_DEPTH levels deep, names unique among siblings (case-sensitively),
 * never a cycle. Sync creates missing groups by path (`ensurePath`). Deleting a group that still has subgroups is
 * refused; its memberships, delegations and rights go with it. Every change bumps the directory version.
 */
import { type DataSource, type EntityManager } from 'typeorm';
import { ErrorCode, newId, QuireError, withinTransaction } from '@quire/common';
import {
  DirectoryDelegateEntity,
  DirectoryGroupEntity,
  DirectoryMembershipEntity,
  DirectoryRightEntity,
} from './directory-group.entity';
import { nameKey, type DirectoryRepository } from './directory.repository';

/** MyQ nests groups; more than 10 levels is always a mistake (or a cycle in a source). */
export const MAX_GROUP_DEPTH = 10;

/** Group names may not hold `,` or `|`: the CSV format uses them to separate groups and path levels. */
export function groupNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > 128) return 'must have 1 to 128 characters';
  if (/[,|]|\p{Cc}/u.test(name)) return 'must not contain , or | or control characters';
  return null;
}

/** Dependencies of the groups service. */
export interface DirectoryGroupsOptions {
  dataSource: DataSource;
  repository: DirectoryRepository;
  now?: () => Date;
}

/** Directory groups; see the file comment. */
export class DirectoryGroupsService {
  private readonly now: () => Date;

  constructor(private readonly options: DirectoryGroupsOptions) {
    this.now = options.now ?? (() => new Date());
  }

  private run<T>(manager: EntityManager | undefined, fn: (tx: EntityManager) => Promise<T>): Promise<T> {
    return withinTransaction(this.options.dataSource, manager, fn);
  }

  /** Every group, by name. */
  list(): Promise<DirectoryGroupEntity[]> {
    return this.options.repository.groups(this.options.dataSource.manager);
  }

  /** One group, or NOT_FOUND. */
  async get(id: string, manager?: EntityManager): Promise<DirectoryGroupEntity> {
    const group = await (manager ?? this.options.dataSource.manager).findOneBy(DirectoryGroupEntity, { id });
    if (!group) throw new QuireError(ErrorCode.NotFound, `No group with id ${id}`);
    return group;
  }

  /** Create a group under `parentId` (null: a root). CONFLICT for a sibling of the same name. */
  create(name: string, parentId: string | null, source = 'manual', manager?: EntityManager) {
    return this.run(manager, async (tx) => {
      assertName(name);
      if (parentId !== null) await this.assertDepth(tx, parentId, 1);
      await this.assertSiblingFree(tx, name, parentId, null);
      const group: DirectoryGroupEntity = {
        id: newId(),
        name,
        nameKey: nameKey(name),
        parentId,
        parentKey: parentId ?? '-',
        source,
        version: 0,
        updatedAt: this.now(),
      };
      group.version = await this.options.repository.recordChange(tx, 'group', group.id, 'upsert', this.now());
      await tx.insert(DirectoryGroupEntity, group);
      return group;
    });
  }

  /** Rename and/or move a group; refused when the move would make a cycle or go past MAX_GROUP_DEPTH. */
  update(id: string, change: { name?: string; parentId?: string | null }, manager?: EntityManager) {
    return this.run(manager, async (tx) => {
      const group = await this.get(id, tx);
      const name = change.name ?? group.name;
      const parentId = change.parentId === undefined ? group.parentId : change.parentId;
      assertName(name);
      if (parentId !== null) {
        if (await this.isWithin(tx, parentId, id)) {
          throw new QuireError(
            ErrorCode.ValidationFailed,
            'A group cannot be moved under itself or its subgroups',
          );
        }
        await this.assertDepth(tx, parentId, await this.heightOf(tx, id));
      }
      await this.assertSiblingFree(tx, name, parentId, id);
      const changes = {
        name,
        nameKey: nameKey(name),
        parentId,
        parentKey: parentId ?? '-',
        updatedAt: this.now(),
        version: await this.options.repository.recordChange(tx, 'group', id, 'upsert', this.now()),
      };
      await tx.update(DirectoryGroupEntity, { id }, changes);
      return { ...group, ...changes };
    });
  }

  /** Delete a group without subgroups, with its memberships, delegations and rights. */
  remove(id: string, manager?: EntityManager): Promise<void> {
    return this.run(manager, async (tx) => {
      const group = await this.get(id, tx);
      if (await tx.findOneBy(DirectoryGroupEntity, { parentId: id })) {
        throw new QuireError(
          ErrorCode.Conflict,
          `Group "${group.name}" has subgroups; delete or move them first`,
        );
      }
      await tx.delete(DirectoryMembershipEntity, { groupId: id });
      await tx.delete(DirectoryDelegateEntity, { kind: 'group', delegateId: id });
      await tx.delete(DirectoryRightEntity, { subjectKind: 'group', subjectId: id });
      await tx.delete(DirectoryGroupEntity, { id });
      await this.options.repository.recordChange(tx, 'group', id, 'delete', this.now());
    });
  }

  /**
   * The group at `path` (names from a root), creating the missing levels with `source`; the sync engine's way in.
   * `known` caches groups by path key within one run.
   */
  async ensurePath(
    tx: EntityManager,
    path: string[],
    source: string,
    known: Map<string, DirectoryGroupEntity>,
  ): Promise<DirectoryGroupEntity> {
    if (path.length === 0 || path.length > MAX_GROUP_DEPTH) {
      throw new QuireError(ErrorCode.ValidationFailed, `A group path has 1 to ${MAX_GROUP_DEPTH} levels`);
    }
    let parentId: string | null = null;
    let group: DirectoryGroupEntity | null = null;
    for (let depth = 1; depth <= path.length; depth += 1) {
      const key = JSON.stringify(path.slice(0, depth));
      const name = path[depth - 1];
      group = known.get(key) ?? null;
      group ??= await tx.findOneBy(DirectoryGroupEntity, {
        parentKey: parentId ?? '-',
        nameKey: nameKey(name),
      });
      group ??= await this.create(name, parentId, source, tx);
      known.set(key, group);
      parentId = group.id;
    }
    return group as DirectoryGroupEntity;
  }

  /** The ids of `groupIds` and all their ancestors (rights and delegations granted to a parent group apply). */
  async withAncestors(groupIds: string[], manager?: EntityManager): Promise<string[]> {
    const tx = manager ?? this.options.dataSource.manager;
    const all = new Map((await this.options.repository.groups(tx)).map((group) => [group.id, group]));
    const found = new Set<string>();
    for (const start of groupIds) {
      for (let id: string | null = start, steps = 0; id && steps <= MAX_GROUP_DEPTH; steps += 1) {
        found.add(id);
        id = all.get(id)?.parentId ?? null;
      }
    }
    return [...found];
  }

  private async assertSiblingFree(
    tx: EntityManager,
    name: string,
    parentId: string | null,
    exceptId: string | null,
  ) {
    const other = await tx.findOneBy(DirectoryGroupEntity, {
      parentKey: parentId ?? '-',
      nameKey: nameKey(name),
    });
    if (other && other.id !== exceptId) {
      throw new QuireError(ErrorCode.Conflict, `A group named "${name}" already exists there`, {
        details: { field: 'name' },
      });
    }
  }

  /** VALIDATION_FAILED when `extra` more levels under `parentId` would pass MAX_GROUP_DEPTH. */
  private async assertDepth(tx: EntityManager, parentId: string, extra: number): Promise<void> {
    let depth = 0;
    for (let id: string | null = parentId; id; depth += 1) {
      if (depth > MAX_GROUP_DEPTH) break;
      const group: DirectoryGroupEntity | null = await tx.findOneBy(DirectoryGroupEntity, { id });
      if (!group) throw new QuireError(ErrorCode.ValidationFailed, `No group with id ${id}`);
      id = group.parentId;
    }
    if (depth + extra > MAX_GROUP_DEPTH) {
      throw new QuireError(ErrorCode.ValidationFailed, `Groups nest at most ${MAX_GROUP_DEPTH} levels deep`);
    }
  }

  /** Levels of the subtree under `id`, itself included. */
  private async heightOf(tx: EntityManager, id: string): Promise<number> {
    const children = await tx.findBy(DirectoryGroupEntity, { parentId: id });
    let height = 1;
    for (const child of children) height = Math.max(height, 1 + (await this.heightOf(tx, child.id)));
    return height;
  }

  /** True when `candidate` is `ancestor` or under it. */
  private async isWithin(tx: EntityManager, candidate: string, ancestor: string): Promise<boolean> {
    for (let id: string | null = candidate, steps = 0; id && steps <= MAX_GROUP_DEPTH + 1; steps += 1) {
      if (id === ancestor) return true;
      id = (await tx.findOneBy(DirectoryGroupEntity, { id }))?.parentId ?? null;
    }
    return false;
  }
}

function assertName(name: string): void {
  const problem = groupNameProblem(name);
  if (problem) {
    throw new QuireError(ErrorCode.ValidationFailed, `Group name "${name}" ${problem}`, {
      details: { fields: [{ field: 'name', problem }] },
    });
  }
}
