/**
 * The printers domain: the registry releases print to. Names are unique regardless of case; a URI is accepted
 * only when the output drivers can use it. Deleting a printer takes it off every queue.
 */
import { type EntityManager } from 'typeorm';
import { ErrorCode, isUniqueViolation, QuireError, newId, type Logger } from '@quire/common';
import { type OutputTarget } from '../release/output-driver';
import { parsePrinterUri } from '../release/printer-uri';
import { checkNewPrinter, checkPrinterPatch, type NewPrinter, type PrinterPatch } from './printer-input';
import { type PrinterEntity } from './printer.entity';
import { type PrinterChanges, type PrinterRepository } from './printer.repository';

/** Dependencies of the printer service. */
export interface PrinterServiceOptions {
  printers: PrinterRepository;
  logger: Logger;
  /** Takes a deleted printer off every queue, in the deleting transaction. */
  onRemoved?: (printerId: string, manager?: EntityManager) => Promise<void>;
  now?: () => Date;
}

/** Printer registry rules and persistence. */
export class PrinterService {
  private readonly now: () => Date;
  private readonly removalHooks: Array<NonNullable<PrinterServiceOptions['onRemoved']>> = [];
  private configProfileCheck: ((id: string, manager?: EntityManager) => Promise<unknown>) | null = null;

  constructor(private readonly options: PrinterServiceOptions) {
    this.now = options.now ?? (() => new Date());
    if (options.onRemoved) this.removalHooks.push(options.onRemoved);
  }

  /**
   * Also run `hook` in the transaction of every printer deletion (after the queue clean-up): parts built after
   * the job core, such as printer events, clean up their own rows this way.
   */
  onRemoval(hook: NonNullable<PrinterServiceOptions['onRemoved']>): void {
    this.removalHooks.push(hook);
  }

  /**
   * Check every `configProfileId` a printer is given with `check` (which throws CONFIG_PROFILE_NOT_FOUND), so a
   * mistyped id is an error rather than a printer silently polled with the default SNMP profile. The profiles
   * are built after the job core, hence a setter.
   */
  checkConfigProfilesWith(check: (id: string, manager?: EntityManager) => Promise<unknown>): void {
    this.configProfileCheck = check;
  }

  /** Every printer, by name. */
  list(manager?: EntityManager): Promise<PrinterEntity[]> {
    return this.options.printers.list(manager);
  }

  /** One printer, or PRINTER_NOT_FOUND. */
  async get(id: string, manager?: EntityManager): Promise<PrinterEntity> {
    const printer = await this.options.printers.findById(id, manager);
    if (!printer) throw new QuireError(ErrorCode.PrinterNotFound, `No printer with id ${id}`);
    return printer;
  }

  /** Which of `ids` name no printer. */
  async unknownIds(ids: string[], manager?: EntityManager): Promise<string[]> {
    const found = new Set((await this.options.printers.findByIds(ids, manager)).map((p) => p.id));
    return ids.filter((id) => !found.has(id));
  }

  /** The printers a queue prints on: those it names and those of the groups it names, enabled or not. */
  async forQueue(queue: { printers: string[]; printerGroups: string[] }): Promise<PrinterEntity[]> {
    const named = await this.options.printers.findByIds(queue.printers);
    const grouped = await this.options.printers.findInGroups(queue.printerGroups);
    const byId = new Map([...named, ...grouped].map((printer) => [printer.id, printer]));
    return [...byId.values()];
  }

  /**
   * Add a printer. Defaults: enabled, counter 0, offset 0, no group, the default configuration profile, SNMP on
   * at the URI's host. PRINTER_URI_INVALID for a URI no driver takes, CONFLICT for a name or MAC address taken.
   */
  async create(input: NewPrinter, manager?: EntityManager): Promise<PrinterEntity> {
    const settings = checkNewPrinter(input);
    parsePrinterUri(settings.uri);
    if (settings.configProfileId) await this.configProfileCheck?.(settings.configProfileId, manager);
    const now = this.now();
    const printer: PrinterEntity = {
      id: newId(),
      name: settings.name,
      nameKey: settings.name.toLowerCase(),
      uri: settings.uri,
      location: settings.location ?? '',
      group: settings.group ?? null,
      enabled: settings.enabled ?? true,
      pageCounter: settings.pageCounter ?? 0,
      counterOffset: settings.counterOffset ?? 0,
      configProfileId: settings.configProfileId ?? null,
      snmpEnabled: settings.snmpEnabled ?? true,
      snmpHost: settings.snmpHost ?? null,
      model: settings.model ?? '',
      serial: settings.serial ?? null,
      mac: settings.mac ?? null,
      colorCapable: settings.colorCapable ?? null,
      assetNumber: settings.assetNumber ?? '',
      contact: settings.contact ?? '',
      createdAt: now,
      updatedAt: now,
    };
    await this.conflictOnDuplicate(printer, () => this.options.printers.insert(printer, manager));
    this.options.logger.info('printer created', {
      printerId: printer.id,
      printer: printer.name,
      uri: printer.uri,
    });
    return printer;
  }

  /** Change some settings; the same errors as `create`, and PRINTER_NOT_FOUND. */
  async update(id: string, patch: PrinterPatch, manager?: EntityManager): Promise<PrinterEntity> {
    const checked = checkPrinterPatch(patch);
    if (checked.uri !== undefined) parsePrinterUri(checked.uri);
    if (checked.configProfileId) await this.configProfileCheck?.(checked.configProfileId, manager);
    const current = await this.get(id, manager);
    const changes: PrinterChanges = { updatedAt: this.now() };
    for (const [key, value] of Object.entries(checked)) {
      if (value !== undefined) Object.assign(changes, { [key]: value });
    }
    if (changes.name !== undefined) changes.nameKey = changes.name.toLowerCase();
    await this.conflictOnDuplicate({ ...current, ...changes }, () =>
      this.options.printers.update(id, changes, manager),
    );
    this.options.logger.info('printer updated', { printerId: id, printer: changes.name ?? current.name });
    return { ...current, ...changes };
  }

  /** Delete a printer and take it off every queue; PRINTER_NOT_FOUND when there is none. */
  async remove(id: string, manager?: EntityManager): Promise<void> {
    if (!(await this.options.printers.delete(id, manager))) {
      throw new QuireError(ErrorCode.PrinterNotFound, `No printer with id ${id}`);
    }
    for (const hook of this.removalHooks) await hook(id, manager);
    this.options.logger.info('printer deleted', { printerId: id });
  }

  /** Where a printer's output goes. */
  targetOf(printer: PrinterEntity): OutputTarget {
    return parsePrinterUri(printer.uri);
  }

  /** Count `pages` more printed on a printer (tandem balancing reads it). */
  addPages(printerId: string, pages: number, manager?: EntityManager): Promise<void> {
    return this.options.printers.addPages(printerId, pages, manager);
  }

  private async conflictOnDuplicate<T>(
    printer: Pick<PrinterEntity, 'id' | 'name' | 'nameKey' | 'mac'>,
    write: () => Promise<T>,
  ): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const sameName = await this.options.printers.findByNameKey(printer.nameKey);
      if (printer.mac && (!sameName || sameName.id === printer.id)) {
        throw new QuireError(
          ErrorCode.Conflict,
          `Another printer already has the MAC address ${printer.mac} (a MAC address identifies one device)`,
          { details: { field: 'mac' } },
        );
      }
      throw new QuireError(
        ErrorCode.Conflict,
        `A printer named "${printer.name}" already exists (printer names are compared without regard to case)`,
        { details: { field: 'name' } },
      );
    }
  }
}
