/**
 * The printer CSV import: checks every row, matches each to a printer of the site, and creates or updates them
 * all in the caller's transaction, so an import lands whole or not at all.
 *
 * A row is the printer with its MAC address, else the one with its serial number, else the one with its name
 * (regardless of case): the MAC and serial are the device's identity, so a device that was renamed or moved to
 * another address is updated, not added twice. A row that matches nothing is a new printer, inactive (MyQ's
 * imported devices wait for activation) and printing over AppSocket to `socket://IP:9100`; for an existing
 * printer a new address replaces the host in its URI and keeps its protocol, port and path, and a row matched by
 * serial number or name sets the MAC it gives (a replaced network card).
 *
 * Nothing is written when any row is wrong, unless the caller asks to skip bad rows: then the good rows are
 * imported and the bad ones reported. A row is wrong when a cell is (see printer-csv-rows.ts), when it repeats
 * another row's name, MAC or serial number, when it matches the same printer as an earlier row, when its name
 * belongs to another printer, or when its serial number is shared by several printers and no MAC settles it.
 */
import { type EntityManager } from 'typeorm';
import { ErrorCode, QuireError } from '@quire/common';
import { formatPrinterUri, parsePrinterUri } from '../../release/printer-uri';
import { type NewPrinter, type PrinterPatch } from '../printer-input';
import { type PrinterEntity } from '../printer.entity';
import { type PrinterService } from '../printer.service';
import { type AppliedColumn } from './printer-csv-format';
import {
  csvProblem,
  type PrinterCsvFile,
  type PrinterCsvProblem,
  type PrinterCsvRow,
} from './printer-csv-reader';
import { checkRowCells, socketUri, type PrinterCsvSettings } from './printer-csv-rows';

/** What became of one imported row. */
export type PrinterCsvOutcome = 'created' | 'updated' | 'unchanged';

/** The answer of an import. */
export interface PrinterCsvImportResult {
  created: number;
  updated: number;
  unchanged: number;
  /** Columns of the file the import did not apply (MyQ columns Quire has no field for, unknown ones). */
  ignoredColumns: string[];
  /** The rows left out (only with skipInvalid; otherwise the import fails with these). */
  errors: PrinterCsvProblem[];
  printers: Array<{ row: number; id: string; name: string; outcome: PrinterCsvOutcome }>;
}

/** Most problems listed in one error response; the count says how many there were. */
export const MAX_LISTED_PROBLEMS = 500;

/** What one good row will do. */
type RowPlan =
  | { row: number; outcome: 'created'; input: NewPrinter }
  | { row: number; outcome: 'updated'; printer: PrinterEntity; patch: PrinterPatch }
  | { row: number; outcome: 'unchanged'; printer: PrinterEntity };

const OPTIONAL_FIELDS = ['location', 'assetNumber', 'contact', 'serial', 'mac'] as const;

/** PRINTER_CSV_INVALID listing `problems`, for an import that writes nothing. */
export function invalidPrinterCsv(problems: readonly PrinterCsvProblem[]): QuireError {
  const rows = new Set(problems.map((problem) => problem.row)).size;
  const more = problems.length > 1 ? ` (${problems.length - 1} more problem(s) in details.errors)` : '';
  return new QuireError(
    ErrorCode.PrinterCsvInvalid,
    `The printer CSV has ${rows} invalid row(s); nothing was imported. ${problems[0].message}${more}`,
    { details: { errors: problems.slice(0, MAX_LISTED_PROBLEMS), errorCount: problems.length } },
  );
}

/** `uri` with its host replaced by `host`; unchanged when the host is the same. */
function uriWithHost(uri: string, host: string): string {
  try {
    const target = parsePrinterUri(uri);
    return target.host === host ? uri : formatPrinterUri({ ...target, host });
  } catch {
    return socketUri(host);
  }
}

/** The changes a row makes to `printer`: name and address always, other fields when their cell is filled. */
function changesOf(printer: PrinterEntity, settings: PrinterCsvSettings): PrinterPatch {
  const patch: PrinterPatch = {};
  if (settings.name !== printer.name) patch.name = settings.name;
  const uri = uriWithHost(printer.uri, settings.host);
  if (uri !== printer.uri) patch.uri = uri;
  for (const field of OPTIONAL_FIELDS) {
    const value = settings[field];
    if (value !== undefined && value !== printer[field]) patch[field] = value;
  }
  return patch;
}

function newPrinterOf(settings: PrinterCsvSettings): NewPrinter {
  const { name, host, location, assetNumber, contact, serial, mac } = settings;
  return { name, uri: socketUri(host), enabled: false, location, assetNumber, contact, serial, mac };
}

/** The site's printers by MAC, serial number and name key. */
class PrinterIndex {
  private readonly byMac = new Map<string, PrinterEntity>();
  private readonly bySerial = new Map<string, PrinterEntity[]>();
  private readonly byName = new Map<string, PrinterEntity>();

  constructor(printers: readonly PrinterEntity[]) {
    for (const printer of printers) {
      if (printer.mac) this.byMac.set(printer.mac, printer);
      if (printer.serial) {
        this.bySerial.set(printer.serial, [...(this.bySerial.get(printer.serial) ?? []), printer]);
      }
      this.byName.set(printer.nameKey, printer);
    }
  }

  /** The printer a row is about, or a problem when its serial number is ambiguous. */
  match(settings: PrinterCsvSettings): PrinterEntity | null | string {
    if (settings.mac !== undefined && this.byMac.has(settings.mac)) return this.byMac.get(settings.mac)!;
    const sharing = settings.serial === undefined ? [] : (this.bySerial.get(settings.serial) ?? []);
    if (sharing.length > 1) {
      const names = sharing.map((printer) => `"${printer.name}"`).join(' and ');
      return `a serial number of one printer only: ${names} have it; fill the MAC column to tell them apart`;
    }
    return sharing[0] ?? this.byName.get(settings.name.toLowerCase()) ?? null;
  }

  /** The printer that has `name`, whatever its case. */
  named(name: string): PrinterEntity | undefined {
    return this.byName.get(name.toLowerCase());
  }
}

/** Plans rows one after another, remembering what earlier rows used. */
class ImportPlanner {
  readonly plans: RowPlan[] = [];
  readonly problems: PrinterCsvProblem[] = [];
  private readonly seen = {
    name: new Map<string, number>(),
    mac: new Map<string, number>(),
    serial: new Map<string, number>(),
  };
  private readonly claimed = new Map<string, number>();

  constructor(private readonly index: PrinterIndex) {}

  add(row: PrinterCsvRow): void {
    const checked = checkRowCells(row);
    if (checked.settings === null) {
      this.problems.push(...checked.problems);
      return;
    }
    const settings = checked.settings;
    const matched = this.index.match(settings);
    const printer = typeof matched === 'string' ? null : matched;
    const problems = [...this.repeats(row, settings), ...this.conflicts(row, settings, matched)];
    if (problems.length > 0) {
      this.problems.push(...problems);
      return;
    }
    if (printer) this.claimed.set(printer.id, row.row);
    this.plans.push(this.plan(row.row, settings, printer));
  }

  /** An ambiguous serial number, a name another printer has, a printer an earlier row already matched. */
  private conflicts(
    row: PrinterCsvRow,
    settings: PrinterCsvSettings,
    matched: PrinterEntity | null | string,
  ): PrinterCsvProblem[] {
    if (typeof matched === 'string') return [this.problem(row, 'Serial number', settings.serial!, matched)];
    const problems: PrinterCsvProblem[] = [];
    const owner = this.index.named(settings.name);
    if (owner && owner.id !== matched?.id) {
      const expected = `a name no other printer has; printer "${owner.name}" has it and is another device`;
      problems.push(this.problem(row, 'printer', settings.name, expected));
    }
    const earlier = matched ? this.claimed.get(matched.id) : undefined;
    if (matched && earlier !== undefined) {
      const expected = `about another printer than row ${earlier}: both rows are printer "${matched.name}"`;
      problems.push(csvProblem({ row: row.row, column: null, columnName: null }, null, expected));
    }
    return problems;
  }

  private plan(row: number, settings: PrinterCsvSettings, printer: PrinterEntity | null): RowPlan {
    if (!printer) return { row, outcome: 'created', input: newPrinterOf(settings) };
    const patch = changesOf(printer, settings);
    if (Object.keys(patch).length === 0) return { row, outcome: 'unchanged', printer };
    return { row, outcome: 'updated', printer, patch };
  }

  /** Names, MACs and serial numbers another row of the file already has. */
  private repeats(row: PrinterCsvRow, settings: PrinterCsvSettings): PrinterCsvProblem[] {
    const problems: PrinterCsvProblem[] = [];
    const keys: Array<[keyof ImportPlanner['seen'], AppliedColumn, string | undefined]> = [
      ['name', 'printer', settings.name],
      ['mac', 'MAC', settings.mac],
      ['serial', 'Serial number', settings.serial],
    ];
    for (const [kind, column, value] of keys) {
      if (value === undefined) continue;
      const key = value.toLowerCase();
      const earlier = this.seen[kind].get(key);
      if (earlier === undefined) this.seen[kind].set(key, row.row);
      else problems.push(this.problem(row, column, value, `unique in the file; row ${earlier} has it too`));
    }
    return problems;
  }

  private problem(
    row: PrinterCsvRow,
    column: AppliedColumn,
    value: string,
    expected: string,
  ): PrinterCsvProblem {
    const at = { row: row.row, column: row.cells[column]?.column ?? null, columnName: column };
    return csvProblem(at, row.cells[column]?.value ?? value, expected);
  }
}

/** Imports a read printer CSV; see the file comment. */
export class PrinterCsvImporter {
  constructor(private readonly printers: PrinterService) {}

  /**
   * Check `file` against the site's printers and apply it in `manager`'s transaction. Throws
   * PRINTER_CSV_INVALID listing every problem (and writes nothing) when a row is wrong, unless `skipInvalid`.
   */
  async import(
    file: PrinterCsvFile,
    options: { skipInvalid: boolean },
    manager: EntityManager,
  ): Promise<PrinterCsvImportResult> {
    const planner = new ImportPlanner(new PrinterIndex(await this.printers.list(manager)));
    for (const row of file.rows) planner.add(row);
    const problems = [...file.problems, ...planner.problems].sort(
      (a, b) => a.row - b.row || (a.column ?? 0) - (b.column ?? 0),
    );
    if (problems.length > 0 && !options.skipInvalid) throw invalidPrinterCsv(problems);
    const result: PrinterCsvImportResult = {
      created: 0,
      updated: 0,
      unchanged: 0,
      ignoredColumns: file.ignoredColumns,
      errors: problems.slice(0, MAX_LISTED_PROBLEMS),
      printers: [],
    };
    for (const plan of planner.plans) {
      const printer = await this.apply(plan, manager);
      result[plan.outcome] += 1;
      result.printers.push({ row: plan.row, id: printer.id, name: printer.name, outcome: plan.outcome });
    }
    return result;
  }

  private apply(plan: RowPlan, manager: EntityManager): Promise<PrinterEntity> {
    switch (plan.outcome) {
      case 'created':
        return this.printers.create(plan.input, manager);
      case 'updated':
        return this.printers.update(plan.printer.id, plan.patch, manager);
      case 'unchanged':
        return Promise.resolve(plan.printer);
    }
  }
}
