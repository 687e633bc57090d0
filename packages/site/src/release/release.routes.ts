/**
 * REST front-end for releasing and for the directory cache of a standalone site:
 * - `POST /api/v1/jobs/{id}/print {printerId?}`: an admin prints (or reprints, or retries) a job on one of its
 *   queue's printers, through the same release service as terminals, IPP and direct queues;
 * - `PUT /api/v1/directory/users/{username}`: an admin stores a user in the site's directory cache, with PIN,
 *   card, password, groups, policy and delegates (on a federated site central fills the cache).
 * Both are admin-only and audited.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import {
  auditContextOf,
  auditedWrite,
  describeError,
  ErrorCode,
  parseBody,
  QuireError,
  requireAdmin,
  requireAuth,
  type AuditService,
  type AuthService,
} from '@quire/common';
import { type DirectoryService } from '../directory/directory.service';
import { jobJson, toJobView } from '../jobs/job-view';
import { isUniqueViolation } from '../queues/queue.repository';
import { type ReleaseService } from './release.service';

/** What the release routes need. */
export interface ReleaseRouterDeps {
  release: ReleaseService;
  directory: DirectoryService;
  auth: AuthService;
  audit: AuditService;
  dataSource: DataSource;
}

const printSchema = z.strictObject({ printerId: z.string().min(1).max(64).optional() });

const usernameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\s/]+$/, 'must have no spaces or slashes');

const directoryUserSchema = z.strictObject({
  fullName: z.string().max(255).optional(),
  email: z.string().max(255).optional(),
  pin: z.string().min(4).max(32).regex(/^\d+$/, 'must be digits').nullable().optional(),
  card: z.string().min(1).max(128).nullable().optional(),
  password: z.string().min(8).max(1024).nullable().optional(),
  groups: z.array(z.string().min(1).max(128)).max(500).optional(),
  keepForReprint: z.boolean().optional(),
  enabled: z.boolean().optional(),
  delegates: z.array(z.string().min(1).max(134)).max(500).optional(),
});

/** The release and directory-cache router. */
export function releaseRouter(deps: ReleaseRouterDeps): Router {
  const router = Router();
  router.use(['/api/v1/jobs/:id/print', '/api/v1/directory'], requireAuth(deps.auth), requireAdmin);

  router.post('/api/v1/jobs/:id/print', async (req, res) => {
    const { printerId } = parseBody(printSchema, req.body ?? {});
    const id = String(req.params.id);
    // The release commits its own transition (the state machine's transaction), so the audit row follows it
    // rather than wrapping it: SQLite has one connection, and transactions do not nest.
    const audit = { ...auditContextOf(req), action: 'job.print', targetType: 'job', targetId: id };
    try {
      const job = await deps.release.release(id, {
        actor: { kind: 'admin', username: req.principal?.username ?? 'admin' },
        printerId,
      });
      await deps.audit.record({ ...audit, details: { printerId: job.printerId }, outcome: 'ok' });
      res.status(202).json(jobJson(toJobView(job)));
    } catch (err) {
      await deps.audit.record({
        ...audit,
        details: { printerId, error: describeError(err) },
        outcome: 'failed',
      });
      throw err;
    }
  });

  router.put('/api/v1/directory/users/:username', async (req, res) => {
    const body = parseBody(directoryUserSchema, req.body);
    const username = parseBody(usernameSchema, String(req.params.username));
    const user = await auditedWrite(
      req,
      {
        action: 'directory.user.save',
        targetType: 'directory-user',
        targetId: username,
        details: { fields: Object.keys(body) },
      },
      deps.dataSource,
      (manager) =>
        deps.directory.saveUser({ ...body, username }, manager).catch((err: unknown) => {
          if (!isUniqueViolation(err)) throw err;
          throw new QuireError(ErrorCode.Conflict, 'This PIN or card already belongs to another user', {
            details: { field: /card/.test(describeError(err)) ? 'card' : 'pin' },
          });
        }),
    );
    res.json({
      username: user.username,
      fullName: user.fullName,
      email: user.email,
      hasPin: user.pinKey !== null,
      hasCard: user.cardKey !== null,
      hasPassword: user.passwordHash !== null,
      groups: user.groups,
      keepForReprint: user.keepForReprint,
      enabled: user.enabled,
    });
  });

  return router;
}
