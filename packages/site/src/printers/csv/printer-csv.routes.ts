/**
 * REST front-end of the printer CSV: `GET /api/v1/printers/export.csv` and `POST /api/v1/printers/import`
 * (body: the file, `Content-Type: text/csv`, at most 5 MB; `?skipInvalid=true` imports the good rows of a file
 * with bad ones). Both are for admins, as in MyQ: the file holds every device's address, asset number and
 * contact, and an import changes the whole fleet. The import is audited as one `printer.import` entry, written
 * in the import's own transaction.
 *
 * Mount this router before the printers router: `/api/v1/printers/:id` would otherwise take `export.csv` for a
 * printer id.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { type DataSource } from 'typeorm';
import {
  auditedWrite,
  ErrorCode,
  invalidQuery,
  QuireError,
  queryValue,
  requireAdmin,
  requireAuth,
  type AuthService,
} from '@quire/common';
import { type PrinterService } from '../printer.service';
import { printerCsv, type PrinterStatusSource } from './printer-csv-export';
import { PrinterCsvImporter } from './printer-csv-import';
import { readPrinterCsv } from './printer-csv-reader';

/** The largest file an import takes. */
export const PRINTER_CSV_LIMIT = '5mb';

/** What the printer CSV router needs. */
export interface PrinterCsvRouterDeps {
  printers: PrinterService;
  /** The monitor's latest observations, for the counter and toner columns. */
  statusSource: PrinterStatusSource;
  auth: AuthService;
  dataSource: DataSource;
}

const textBody = express.text({ type: ['text/csv', 'text/plain'], limit: PRINTER_CSV_LIMIT });

/** The file as text; a file over the limit gets a message naming this route's limit, not the JSON one. */
function csvBody(req: Request, res: Response, next: NextFunction): void {
  textBody(req, res, (err?: unknown) => {
    if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
      next(
        new QuireError(
          ErrorCode.PayloadTooLarge,
          `The printer CSV is larger than the ${PRINTER_CSV_LIMIT.toUpperCase()} limit; import it in parts`,
        ),
      );
      return;
    }
    next(err);
  });
}

function fileOf(req: Request): string {
  if (typeof req.body === 'string') return req.body;
  const type = req.headers['content-type'] ?? 'none';
  throw new QuireError(
    ErrorCode.PrinterCsvInvalid,
    `Send the printer CSV as the request body with Content-Type: text/csv (the request has ${type})`,
    { httpStatus: 415 },
  );
}

function skipInvalid(req: Request): boolean {
  const value = queryValue(req, 'skipInvalid') ?? 'false';
  if (value !== 'true' && value !== 'false') throw invalidQuery('skipInvalid', 'must be true or false');
  return value === 'true';
}

/** The printer CSV router; see the file comment. */
export function printerCsvRouter(deps: PrinterCsvRouterDeps): Router {
  const router = Router();
  const importer = new PrinterCsvImporter(deps.printers);

  router.get('/api/v1/printers/export.csv', requireAuth(deps.auth), requireAdmin, async (_req, res) => {
    const printers = await deps.printers.list();
    const observations = await deps.statusSource.current(printers.map((printer) => printer.id));
    res.type('text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="printers.csv"');
    res.send(printerCsv(printers, observations));
  });

  router.post('/api/v1/printers/import', requireAuth(deps.auth), requireAdmin, csvBody, async (req, res) => {
    const skip = skipInvalid(req);
    const text = fileOf(req);
    const result = await auditedWrite(
      req,
      {
        action: 'printer.import',
        targetType: 'printer',
        details: { bytes: Buffer.byteLength(text), skipInvalid: skip },
      },
      deps.dataSource,
      async (manager, scope) => {
        const imported = await importer.import(readPrinterCsv(text), { skipInvalid: skip }, manager);
        const { created, updated, unchanged, ignoredColumns, errors } = imported;
        const skippedRows = new Set(errors.map((error) => error.row)).size;
        Object.assign(scope.details, { created, updated, unchanged, ignoredColumns, skippedRows });
        return imported;
      },
    );
    res.json(result);
  });

  return router;
}
