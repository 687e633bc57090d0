/**
 * Which printer a job goes to: the one a user stands at (pull and delegated queues), the one printer of a direct
 * queue, or for a tandem queue the idle printer with the lowest page counter plus its offset, as MyQ balances.
 * Pages already released to a printer count towards its counter, so jobs released in a burst spread as if each
 * had printed before the next was placed; when no printer is idle, the same rule picks among all of them.
 */
import { ErrorCode, QuireError } from '@quire/common';
import { type PrinterEntity } from '../printers/printer.entity';
import { type QueueEntity } from '../queues/queue.entity';
import { type PrinterLanes } from './printer-lanes';

/** The balancing figure of a printer: its counter, its offset, and what is waiting for it. */
export function tandemLoad(printer: PrinterEntity, lanes: PrinterLanes): number {
  return printer.pageCounter + printer.counterOffset + lanes.pagesWaiting(printer.id);
}

/** The tandem choice among `printers` (enabled ones only); null when none is enabled. */
export function chooseTandemPrinter(printers: PrinterEntity[], lanes: PrinterLanes): PrinterEntity | null {
  const enabled = printers.filter((printer) => printer.enabled);
  const idle = enabled.filter((printer) => lanes.isIdle(printer.id));
  const pool = idle.length > 0 ? idle : enabled;
  const ranked = [...pool].sort(
    (a, b) => tandemLoad(a, lanes) - tandemLoad(b, lanes) || a.nameKey.localeCompare(b.nameKey),
  );
  return ranked[0] ?? null;
}

/**
 * The printer for a release on `queue`: `wanted` when given (it must be one of the queue's, and enabled), else
 * the queue's own choice for direct and tandem queues. CONFLICT when the job cannot print there.
 */
export function choosePrinter(
  queue: QueueEntity,
  printers: PrinterEntity[],
  lanes: PrinterLanes,
  wanted: string | undefined,
): PrinterEntity {
  if (wanted !== undefined) {
    const printer = printers.find((candidate) => candidate.id === wanted);
    if (!printer) throw conflict(`Queue "${queue.name}" does not print on printer ${wanted}`);
    if (!printer.enabled) throw conflict(`Printer "${printer.name}" is disabled`);
    return printer;
  }
  if (queue.type === 'pull' || queue.type === 'delegated') {
    throw conflict(`Jobs of ${queue.type} queue "${queue.name}" are released at a printer: name the printer`);
  }
  const choice =
    queue.type === 'tandem' ? chooseTandemPrinter(printers, lanes) : printers.find((p) => p.enabled);
  if (!choice) throw conflict(`Queue "${queue.name}" has no enabled printer to print on`);
  return choice;
}

function conflict(message: string): QuireError {
  return new QuireError(ErrorCode.Conflict, message);
}
