/**
 * REST front-end for printers: `/api/v1/printers`. Any signed-in user may list and read them; adding, changing
 * and deleting them is for admins, each write audited in its own transaction. With a monitor, each printer also
 * carries its monitored state (status, supplies, counters, ...; read for a whole list in one query per 500
 * printers), and the monitoring routes (`/status`, `/supplies`, `/counters`, `/poll`) are added.
 */
import { Router } from 'express';
import { type DataSource } from 'typeorm';
import { auditedWrite, parseBody, requireAdmin, requireAuth, type AuthService, idParam } from '@quire/common';
import { addMonitoringRoutes } from './monitoring/monitoring.routes';
import { printerMonitoringJson } from './monitoring/monitoring-json';
import { type PrinterMonitor } from './monitoring/printer-monitor';
import { type StoredPrinterState } from './monitoring/printer-status.repository';
import { newPrinterSchema, printerPatchSchema } from './printer-input';
import { type PrinterEntity } from './printer.entity';
import { type PrinterService } from './printer.service';

export interface PrintersRouterDeps {
  printers: PrinterService;
  auth: AuthService;
  dataSource: DataSource;
  /** The printer monitor; without it printers show no monitored state and the monitoring routes are absent. */
  monitor?: PrinterMonitor;
}

/** The JSON view of a printer, with its monitored state (`status: null` and empty lists before any poll). */
export function printerJson(printer: PrinterEntity, state?: StoredPrinterState) {
  return {
    id: printer.id,
    name: printer.name,
    uri: printer.uri,
    location: printer.location,
    group: printer.group,
    enabled: printer.enabled,
    pageCounter: printer.pageCounter,
    counterOffset: printer.counterOffset,
    configProfileId: printer.configProfileId,
    snmpEnabled: printer.snmpEnabled,
    snmpHost: printer.snmpHost,
    model: printer.model,
    serial: printer.serial,
    mac: printer.mac,
    colorCapable: printer.colorCapable,
    assetNumber: printer.assetNumber,
    contact: printer.contact,
    createdAt: printer.createdAt.toISOString(),
    updatedAt: printer.updatedAt.toISOString(),
    ...printerMonitoringJson(state),
  };
}

/** The `/api/v1/printers` router. */
export function printersRouter(deps: PrintersRouterDeps): Router {
  const router = Router();
  router.use('/api/v1/printers', requireAuth(deps.auth));

  const statesOf = async (printers: PrinterEntity[]): Promise<Map<string, StoredPrinterState>> =>
    deps.monitor ? deps.monitor.states(printers.map((printer) => printer.id)) : new Map();
  const withState = async (printer: PrinterEntity) =>
    printerJson(printer, (await statesOf([printer])).get(printer.id));

  router.get('/api/v1/printers', async (_req, res) => {
    const printers = await deps.printers.list();
    const states = await statesOf(printers);
    res.json({ printers: printers.map((printer) => printerJson(printer, states.get(printer.id))) });
  });

  router.get('/api/v1/printers/:id', async (req, res) => {
    res.json(await withState(await deps.printers.get(idParam(req))));
  });

  router.post('/api/v1/printers', requireAdmin, async (req, res) => {
    const body = parseBody(newPrinterSchema, req.body);
    const printer = await auditedWrite(
      req,
      { action: 'printer.create', targetType: 'printer', details: { settings: body } },
      deps.dataSource,
      async (manager, scope) => {
        const created = await deps.printers.create(body, manager);
        scope.targetId = created.id;
        return created;
      },
    );
    res.status(201).json(await withState(printer));
  });

  router.patch('/api/v1/printers/:id', requireAdmin, async (req, res) => {
    const id = idParam(req);
    const patch = parseBody(printerPatchSchema, req.body);
    const printer = await auditedWrite(
      req,
      { action: 'printer.update', targetType: 'printer', targetId: id, details: { changes: patch } },
      deps.dataSource,
      (manager) => deps.printers.update(id, patch, manager),
    );
    res.json(await withState(printer));
  });

  router.delete('/api/v1/printers/:id', requireAdmin, async (req, res) => {
    const id = idParam(req);
    await auditedWrite(
      req,
      { action: 'printer.delete', targetType: 'printer', targetId: id },
      deps.dataSource,
      (manager) => deps.printers.remove(id, manager),
    );
    res.status(204).end();
  });

  if (deps.monitor) {
    addMonitoringRoutes(router, {
      monitor: deps.monitor,
      printers: deps.printers,
      dataSource: deps.dataSource,
    });
  }
  return router;
}
