/**
 * Rights: MyQ's list of administrative rights, granted to users or groups on central (sites only read them), and
 * the REST guard that checks them. A right granted to a group applies to its members and to the members of its
 * subgroups; `administrator` includes every right. Console administrators (the `*admin` account and users with
 * the admin flag) hold every right.
 */
import { type NextFunction, type Request, type Response } from 'express';
import { type DataSource, type EntityManager } from 'typeorm';
import { ErrorCode, QuireError } from '@quire/common';
import { DirectoryGroupEntity, DirectoryRightEntity } from './directory-group.entity';
import { DirectoryUserEntity } from './directory-user.entity';
import { type DirectoryGroupsService } from './directory-groups.service';
import { type DirectoryRepository } from './directory.repository';

/** Every right, as MyQ names them (myq-3 §3). */
export const RIGHTS = [
  'administrator',
  'manage-users',
  'manage-printers',
  'view-printers',
  'manage-queues',
  'manage-jobs',
  'read-jobs',
  'manage-reports',
  'manage-settings',
  'manage-licences',
  'recharge-credit',
  'manage-payments',
  'manage-vouchers',
  'manage-projects',
  'increase-quotas',
  'view-log',
  'delete-cards',
] as const;
export type Right = (typeof RIGHTS)[number];

/** Rights granted to one user or group. */
export interface RightsGrant {
  subjectKind: 'user' | 'group';
  subjectId: string;
  rights: Right[];
}

/** Grants, and what a user holds. */
export class RightsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: DirectoryRepository,
    private readonly groups: DirectoryGroupsService,
  ) {}

  /** Every grant, by subject. */
  async list(): Promise<RightsGrant[]> {
    const rows = await this.dataSource.manager.find(DirectoryRightEntity);
    const bySubject = new Map<string, RightsGrant>();
    for (const row of rows) {
      const key = `${row.subjectKind}:${row.subjectId}`;
      const grant = bySubject.get(key) ?? {
        subjectKind: row.subjectKind,
        subjectId: row.subjectId,
        rights: [],
      };
      grant.rights.push(row.right as Right);
      bySubject.set(key, grant);
    }
    return [...bySubject.values()];
  }

  /**
   * Replace the rights of one subject. Sites receive rights with their user or group, so this is a change of
   * that subject: it bumps the directory version and writes a change-feed row in the same transaction.
   */
  async set(grant: RightsGrant, manager?: EntityManager): Promise<void> {
    const run = async (tx: EntityManager) => {
      await tx.delete(DirectoryRightEntity, { subjectKind: grant.subjectKind, subjectId: grant.subjectId });
      const rows = [...new Set(grant.rights)].map((right) => ({ ...grant, right }));
      if (rows.length > 0) await tx.insert(DirectoryRightEntity, rows);
      const version = await this.repository.recordChange(
        tx,
        grant.subjectKind,
        grant.subjectId,
        'upsert',
        new Date(),
      );
      const subject = grant.subjectKind === 'user' ? DirectoryUserEntity : DirectoryGroupEntity;
      await tx.update(subject, { id: grant.subjectId }, { version });
    };
    await (manager ? run(manager) : this.dataSource.transaction(run));
  }

  /** The rights a directory user holds, directly or through their groups and those groups' parents. */
  async rightsOfUser(userId: string): Promise<Set<Right>> {
    const tx = this.dataSource.manager;
    const memberships = await this.repository.membershipsOf(tx, [userId]);
    const groupIds = await this.groups.withAncestors(memberships.map((m) => m.groupId));
    const rows = await this.repository.rightsOf(tx, [
      { kind: 'user', id: userId },
      ...groupIds.map((id) => ({ kind: 'group' as const, id })),
    ]);
    const rights = new Set(rows.map((row) => row.right as Right));
    if (rights.has('administrator')) return new Set(RIGHTS);
    return rights;
  }

  /**
   * Express guard: the signed-in caller must hold `right`. Console admins pass; anyone else needs a directory
   * user of the same username holding the right. FORBIDDEN otherwise.
   */
  require(right: Right) {
    return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
      const principal = req.principal;
      if (principal?.isAdmin) return next();
      const user = principal
        ? await this.repository.userByName(this.dataSource.manager, principal.username)
        : null;
      if (user?.state === 'active' && (await this.rightsOfUser(user.id)).has(right)) return next();
      throw new QuireError(
        ErrorCode.Forbidden,
        `This needs the right "${right}"; ask an administrator to grant it`,
      );
    };
  }
}
