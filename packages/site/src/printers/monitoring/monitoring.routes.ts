/**
 * REST front-end for monitored state, added to the printers router (it sits behind its sign-in guard):
 * `GET /api/v1/printers/{id}/status`, `/supplies` and `/counters` (the stored snapshot history) for any signed-in
 * user, and `POST /api/v1/printers/{id}/poll` for admins, which reads the printer now and is audited.
 */
import { type Request, type Router } from 'express';
import { type DataSource } from 'typeorm';
import {
  AuditLogRepository,
  AuditService,
  auditContextOf,
  dateQuery,
  integerQuery,
  invalidQuery,
  requireAdmin,
  idParam,
} from '@quire/common';
import { type PrinterService } from '../printer.service';
import { countersJson, printerStatusJson, snapshotJson, supplyJson, trayJson } from './monitoring-json';
import { type PrinterMonitor } from './printer-monitor';

/** What the monitoring routes need. */
export interface MonitoringRoutesDeps {
  monitor: PrinterMonitor;
  printers: PrinterService;
  dataSource: DataSource;
}

const DEFAULT_SNAPSHOTS = 100;
const MAX_SNAPSHOTS = 10_000;

/** Add the monitoring routes to `router` (the printers router, after its `requireAuth`). */
export function addMonitoringRoutes(router: Router, deps: MonitoringRoutesDeps): void {
  // Each route first reads the printer, so an unknown id is PRINTER_NOT_FOUND rather than an empty state.
  const stateOf = async (req: Request) => {
    const printer = await deps.printers.get(idParam(req));
    return { printer, state: (await deps.monitor.states([printer.id])).get(printer.id) };
  };

  router.get('/api/v1/printers/:id/status', async (req, res) => {
    const { printer, state } = await stateOf(req);
    res.json(printerStatusJson(printer.id, state));
  });

  router.get('/api/v1/printers/:id/supplies', async (req, res) => {
    const { printer, state } = await stateOf(req);
    res.json({
      printerId: printer.id,
      answeredAt: state?.answeredAt?.toISOString() ?? null,
      supplies: (state?.lastReading?.supplies ?? []).map(supplyJson),
      trays: (state?.lastReading?.trays ?? []).map(trayJson),
    });
  });

  router.get('/api/v1/printers/:id/counters', async (req, res) => {
    const from = dateQuery(req, 'from');
    const to = dateQuery(req, 'to');
    if (from && to && from > to) throw invalidQuery('to', 'must not be before from');
    const limit = integerQuery(req, 'limit', 1, MAX_SNAPSHOTS, DEFAULT_SNAPSHOTS);
    const { printer, state } = await stateOf(req);
    const snapshots = await deps.monitor.repository.snapshots(printer.id, { from, to, limit });
    res.json({
      printerId: printer.id,
      answeredAt: state?.answeredAt?.toISOString() ?? null,
      current: countersJson(state?.lastReading?.counters),
      snapshots: snapshots.map(snapshotJson),
    });
  });

  router.post('/api/v1/printers/:id/poll', requireAdmin, async (req, res) => {
    const id = idParam(req);
    const observation = await deps.monitor.pollNow(id);
    await new AuditService(new AuditLogRepository(deps.dataSource)).record({
      ...auditContextOf(req),
      action: 'printer.poll',
      targetType: 'printer',
      targetId: id,
      details: { status: observation.status, reasons: observation.reasons },
      outcome: 'ok',
    });
    res.json(printerStatusJson(id, (await deps.monitor.states([id])).get(id)));
  });
}
