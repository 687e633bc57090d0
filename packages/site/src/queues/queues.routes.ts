/**
 * REST front-end for queues: `/api/v1/queues`. Any signed-in user may list and read queues (they choose where to
 * print); creating, changing and deleting them is for admins, each write audited in its own transaction.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { auditedWrite, parseBody, requireAdmin, requireAuth, type AuthService, idParam } from '@quire/common';
import { newQueueSchema, queuePatchSchema } from './queue-input';
import { type QueueEntity } from './queue.entity';
import { type QueueService } from './queue.service';

export interface QueuesRouterDeps {
  queues: QueueService;
  auth: AuthService;
  dataSource: DataSource;
}

/** The JSON view of a queue. */
export function queueJson(queue: QueueEntity) {
  return {
    id: queue.id,
    name: queue.name,
    type: queue.type,
    description: queue.description,
    online: queue.online,
    rawPort: queue.rawPort,
    unknownOwnerPolicy: queue.unknownOwnerPolicy,
    userDetection: queue.userDetection,
    detectionCaseSensitive: queue.detectionCaseSensitive,
    printers: queue.printers,
    printerGroups: queue.printerGroups,
    priority: queue.priority,
    keepForReprint: queue.keepForReprint,
    forceColor: queue.forceColor,
    forceDuplex: queue.forceDuplex,
    forceTonerSave: queue.forceTonerSave,
    customPjl: queue.customPjl,
    createdAt: queue.createdAt.toISOString(),
    updatedAt: queue.updatedAt.toISOString(),
  };
}

/** The `/api/v1/queues` router. */
export function queuesRouter(deps: QueuesRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/queues', requireAuth(deps.auth));

  router.get('/api/v1/queues', async (_req, res) => {
    const queues = await deps.queues.list();
    res.json({ queues: queues.map(queueJson) });
  });

  router.get('/api/v1/queues/:id', async (req, res) => {
    res.json(queueJson(await deps.queues.get(idParam(req))));
  });

  router.post('/api/v1/queues', requireAdmin, async (req, res) => {
    const body = parseBody(newQueueSchema, req.body);
    const queue = await auditedWrite(
      req,
      { action: 'queue.create', targetType: 'queue', details: { settings: body } },
      deps.dataSource,
      async (manager, scope) => {
        const created = await deps.queues.create(body, manager);
        scope.targetId = created.id;
        return created;
      },
    );
    res.status(201).json(queueJson(queue));
  });

  router.patch('/api/v1/queues/:id', requireAdmin, async (req, res) => {
    const id = idParam(req);
    const patch = parseBody(queuePatchSchema, req.body);
    const queue = await auditedWrite(
      req,
      { action: 'queue.update', targetType: 'queue', targetId: id, details: { changes: patch } },
      deps.dataSource,
      (manager) => deps.queues.update(id, patch, manager),
    );
    res.json(queueJson(queue));
  });

  // `PUT /api/v1/queues/{name or id}`: the settings given are changed, the others kept (MyQ's queue dialog).
  router.put('/api/v1/queues/:ref', requireAdmin, async (req, res) => {
    const patch = parseBody(queuePatchSchema, req.body);
    const queue = await auditedWrite(
      req,
      { action: 'queue.update', targetType: 'queue', details: { changes: patch } },
      deps.dataSource,
      async (manager, scope) => {
        const current = await deps.queues.resolve(String(req.params.ref), manager);
        scope.targetId = current.id;
        return deps.queues.update(current.id, patch, manager);
      },
    );
    res.json(queueJson(queue));
  });

  router.delete('/api/v1/queues/:id', requireAdmin, async (req, res) => {
    const id = idParam(req);
    await auditedWrite(
      req,
      { action: 'queue.delete', targetType: 'queue', targetId: id },
      deps.dataSource,
      async (manager, scope) => {
        scope.details.name = (await deps.queues.get(id, manager)).name;
        await deps.queues.remove(id, manager);
      },
    );
    res.status(204).end();
  });

  return router;
}
