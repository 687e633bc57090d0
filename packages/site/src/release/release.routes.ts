/**
 * REST front-end for releasing: `POST /api/v1/jobs/{id}/print {printerId?}`, where an admin prints (or
 * reprints, or retries) a job on one of its queue's printers, through the same release service as terminals, IPP
 * and direct queues. Admin-only and audited.
 */
import { Router } from 'express';
import { z } from 'zod';
import {
  auditContextOf,
  describeError,
  parseBody,
  requireAdmin,
  requireAuth,
  type AuditService,
  type AuthService,
} from '@quire/common';
import { jobJson, toJobView } from '../jobs/job-view';
import { type ReleaseService } from './release.service';

/** What the release routes need. */
export interface ReleaseRouterDeps {
  release: ReleaseService;
  auth: AuthService;
  audit: AuditService;
}

const printSchema = z.strictObject({ printerId: z.string().min(1).max(64).optional() });

/** The release router. */
export function releaseRouter(deps: ReleaseRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/jobs/:id/print', requireAuth(deps.auth), requireAdmin);

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

  return router;
}
