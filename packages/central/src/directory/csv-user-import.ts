/**
 * The MyQ user CSV format: reading a file into the normalised `SourceRead` the sync engine applies, and writing
 * users back in the same format. The parser never touches the directory. Two kinds of failure are kept apart:
 * a bad line is reported in `problems` and skipped, while a file that cannot be read as a whole (wrong
 * encoding, broken quoting, unknown column, empty) throws, so the engine can apply nothing.
 * PINs, passwords and card numbers are secrets: messages name their position, never their value.
 */
import { isUtf8 } from 'node:buffer';
import { parse, type InfoRecord, type Options } from 'csv-parse/sync';
import { z } from 'zod';
import { ErrorCode, QuireError } from '@quire/common';
import { type SourceGroup, type SourceProblem, type SourceRead, type SourceUser } from './source-user';

/** The MyQ columns, in MyQ's positional order (used when a file has no header, and for exports). */
// prettier-ignore
export const USER_CSV_COLUMNS = [
  'FULLNAME', 'USERNAME_ALIASES', 'EMAIL', 'CARDS', 'GROUPS', 'CODE', 'SCANSTORAGE', 'PIN', 'MANAGED_GROUPS',
  'AUTHSERVER', 'PHONE', 'LANG', 'PWD', 'EXTID', 'DELEGATES',
] as const;
export type UserCsvColumn = (typeof USER_CSV_COLUMNS)[number];

/** Files above this size are refused before parsing: the whole file is held in memory. */
export const MAX_USER_CSV_BYTES = 50 * 1024 * 1024;
/** The directory nests groups at most this deep. */
const MAX_GROUP_DEPTH = 10;
const REQUIRED_COLUMNS: readonly UserCsvColumn[] = ['FULLNAME', 'USERNAME_ALIASES'];

/**
 * How the engine merges a CSV list field (cards, PINs, groups, delegates) into a user that already exists:
 * `none` leaves the local value alone; `full` replaces it with the CSV value, so an empty cell clears it;
 * `ifNotEmpty` (MyQ's default) replaces it only when the cell is not empty; `addNew` keeps the local values and
 * adds the CSV ones it lacks.
 */
export const CSV_MERGE_MODES = ['none', 'full', 'ifNotEmpty', 'addNew'] as const;
export type CsvMergeMode = (typeof CSV_MERGE_MODES)[number];
export const csvMergeModeSchema = z.enum(CSV_MERGE_MODES);

/** The per-field merge modes of a CSV import as the REST API takes them; each field defaults to `ifNotEmpty`. */
export const csvImportOptionsSchema = z.strictObject({
  cards: csvMergeModeSchema.default('ifNotEmpty'),
  pin: csvMergeModeSchema.default('ifNotEmpty'),
  groups: csvMergeModeSchema.default('ifNotEmpty'),
  delegates: csvMergeModeSchema.default('ifNotEmpty'),
});
export type CsvImportOptions = z.output<typeof csvImportOptionsSchema>;
export const DEFAULT_CSV_IMPORT_OPTIONS: Readonly<CsvImportOptions> = Object.freeze(
  csvImportOptionsSchema.parse({}),
);

/** How to read the file. `skipHeader`: true = the first line is a header, false = none, absent = detect it. */
export const userCsvParseOptionsSchema = z.strictObject({
  delimiter: z.enum([';', ',', '\t']).optional(),
  skipHeader: z.boolean().optional(),
});
export type UserCsvParseOptions = z.output<typeof userCsvParseOptionsSchema>;

interface CsvRecord {
  line: number;
  cells: string[];
}

/** Which column each cell of a line holds, and whether a header said so (for messages). */
interface Layout {
  columns: readonly UserCsvColumn[];
  fromHeader: boolean;
}

/**
 * Reads a MyQ user CSV (UTF-8, with or without BOM; CRLF, LF or mixed line ends). With a header row the columns
 * may come in any order and only FULLNAME and USERNAME_ALIASES are required; without one the columns are
 * positional in MyQ's order and trailing ones may be missing. Each user's `origin` is `line N`, N being the
 * physical line where its record starts. Bad lines land in `problems` and are skipped; a file that cannot be
 * read as a whole throws QuireError(ValidationFailed) naming the line and what to fix.
 */
export function parseUserCsv(input: Buffer, options: UserCsvParseOptions = {}): SourceRead {
  const delimiter = options.delimiter ?? ';';
  const records = readRecords(decodeText(input), delimiter);
  if (records.length === 0) throw fatal('the file is empty; it needs a header row and one user per line');
  const fromHeader = options.skipHeader ?? looksLikeHeader(records[0].cells);
  const layout = { columns: fromHeader ? headerColumns(records[0]) : USER_CSV_COLUMNS, fromHeader };
  const body = fromHeader ? records.slice(1) : records;
  if (body.length === 0) throw fatal(`line ${records[0].line}: the file has a header but no user lines`);
  if (!fromHeader) rejectNonUserFirstLine(body[0], layout, delimiter);
  return collectUsers(body, layout);
}

function fatal(message: string): QuireError {
  return new QuireError(ErrorCode.ValidationFailed, `CSV import: ${message}`);
}

function decodeText(input: Buffer): string {
  if (input.length > MAX_USER_CSV_BYTES) {
    const mb = (input.length / 1024 / 1024).toFixed(1);
    throw fatal(`the file is ${mb} MB; the limit is ${MAX_USER_CSV_BYTES / 1024 / 1024} MB, split it`);
  }
  const utf16 = input.subarray(0, 2).toString('hex');
  if (utf16 === 'fffe' || utf16 === 'feff') throw fatal('line 1: the file is UTF-16; save it as UTF-8');
  if (!isUtf8(input)) {
    const offset = firstInvalidUtf8Offset(input);
    throw fatal(
      `line ${lineAtByte(input, offset)}, byte offset ${offset}: byte 0x${input[offset].toString(16)} is not ` +
        'valid UTF-8; save the file as UTF-8 (exports in Windows-1252 or ISO-8859-1 must be converted)',
    );
  }
  const nul = input.indexOf(0);
  if (nul !== -1) {
    throw fatal(
      `line ${lineAtByte(input, nul)}, byte offset ${nul}: a NUL byte; is the file UTF-16? Save it as UTF-8`,
    );
  }
  // One line-end convention, so that csv-parse counts physical lines the same way everywhere in the file.
  return input
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n');
}

/** Node's decoder replaces each invalid sequence with U+FFFD; the first one not literally in the file is it. */
function firstInvalidUtf8Offset(input: Buffer): number {
  const text = input.toString('utf8');
  let offset = 0;
  let from = 0;
  for (let at = text.indexOf('\uFFFD'); at !== -1; at = text.indexOf('\uFFFD', at + 1)) {
    offset += Buffer.byteLength(text.slice(from, at));
    from = at;
    if (input.subarray(offset, offset + 3).toString('hex') !== 'efbfbd') return offset;
  }
  return input.length - 1;
}

function lineAtByte(input: Buffer, offset: number): number {
  let line = 1;
  for (let i = input.indexOf(10); i !== -1 && i < offset; i = input.indexOf(10, i + 1)) line++;
  return line;
}

function readRecords(text: string, delimiter: string): CsvRecord[] {
  let lastEndLine = 0;
  const toRecord = (withRaw: { record: string[]; raw: string }, context: InfoRecord): CsvRecord => {
    lastEndLine = context.lines;
    return { line: context.lines - newlinesInside(withRaw.raw), cells: withRaw.record };
  };
  try {
    const parsed: unknown[] = parse(text, {
      delimiter,
      relax_quotes: true,
      relax_column_count: true,
      trim: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      raw: true,
      // csv-parse's typings assume on_record returns a plain row; with `raw` it gets {record, raw} and may map it.
      on_record: toRecord as unknown as Options['on_record'],
    });
    return parsed as CsvRecord[];
  } catch (err) {
    throw syntaxError(err, text, lastEndLine);
  }
}

/** The line breaks a record spans: its raw text without the blank lines skipped before it and its own line end. */
function newlinesInside(raw: string): number {
  const record = raw.replace(/^(?:[ \t]*\n)+/, '').replace(/\n$/, '');
  let count = 0;
  for (let i = record.indexOf('\n'); i !== -1; i = record.indexOf('\n', i + 1)) count++;
  return count;
}

/** A broken quote leaves the parser unable to tell where records end, so it fails the whole file. */
function syntaxError(err: unknown, text: string, lastEndLine: number): QuireError {
  const code = (err as { code?: string }).code;
  const lines = text.split('\n');
  let start = lastEndLine;
  while (start < lines.length - 1 && lines[start].trim() === '') start++;
  const recordLine = start + 1;
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return fatal(
      `line ${recordLine}: a quoted field in the record starting here is never closed (the file ends inside ` +
        'it); close the quote, and double any quote inside a quoted field ("")',
    );
  }
  const line = (err as { lines?: number }).lines ?? recordLine;
  const where =
    line === recordLine ? `line ${line}` : `line ${line} (in the record starting on line ${recordLine})`;
  if (code === 'CSV_INVALID_CLOSING_QUOTE' || code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE') {
    return fatal(
      `${where}: text follows a closing quote; an unclosed quote earlier in the record is the usual cause. ` +
        'Quote whole fields, and double any quote inside a quoted field ("")',
    );
  }
  return fatal(`${where}: ${err instanceof Error ? err.message : String(err)}`);
}

function knownColumn(cell: string): UserCsvColumn | undefined {
  const name = cell.trim().toUpperCase();
  return USER_CSV_COLUMNS.find((column) => column === name);
}

/** A header names FULLNAME or USERNAME_ALIASES, or holds nothing but column names. */
function looksLikeHeader(cells: string[]): boolean {
  const known = cells.map(knownColumn);
  if (known.includes('FULLNAME') || known.includes('USERNAME_ALIASES')) return true;
  return cells.every((cell, i) => cell === '' || known[i] !== undefined);
}

/** The header's columns; trailing empty names (spreadsheets pad rows with delimiters) are dropped. */
function headerColumns(header: CsvRecord): UserCsvColumn[] {
  const cells = [...header.cells];
  while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
  const columns: UserCsvColumn[] = [];
  for (const [i, cell] of cells.entries()) {
    if (cell === '') throw fatal(`line ${header.line}: header column ${i + 1} has no name`);
    const column = knownColumn(cell);
    if (column === undefined) {
      throw fatal(
        `line ${header.line}: unknown column "${shown(cell)}" in the header; the known columns are ` +
          `${USER_CSV_COLUMNS.join(', ')} (check the delimiter too)`,
      );
    }
    if (columns.includes(column))
      throw fatal(`line ${header.line}: column ${column} appears twice in the header`);
    columns.push(column);
  }
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw fatal(`line ${header.line}: the header lacks the required column(s) ${missing.join(', ')}`);
  }
  return columns;
}

/** Without a header, a first line that is not a user usually means a wrong delimiter or a foreign file. */
function rejectNonUserFirstLine(first: CsvRecord, layout: Layout, delimiter: string): void {
  const reasons = checkRow(first, layout).reasons;
  if (reasons.length === 0) return;
  const shown = delimiter === '\t' ? 'tab' : `"${delimiter}"`;
  throw fatal(
    `line ${first.line} is neither a header row (FULLNAME${delimiter}USERNAME_ALIASES${delimiter}...) nor a ` +
      `valid user (${reasons.join('; ')}); add a header row or check the delimiter (${shown})`,
  );
}

function collectUsers(records: CsvRecord[], layout: Layout): SourceRead {
  const users: SourceUser[] = [];
  const problems: SourceProblem[] = [];
  const groups = new Map<string, SourceGroup>();
  const nameLines = new Map<string, number>();
  const cardLines = new Map<string, number>();
  for (const record of records) {
    const origin = `line ${record.line}`;
    const { user, reasons } = checkRow(record, layout);
    reasons.push(...duplicateReasons(user, nameLines, cardLines));
    if (reasons.length > 0) {
      problems.push({ origin, message: reasons.join('; ') });
      continue;
    }
    for (const name of [user.username, ...user.aliases]) nameLines.set(name, record.line);
    for (const card of user.cards) cardLines.set(card, record.line);
    for (const path of [...user.groups, ...user.managedGroups]) {
      const key = path.join('|');
      if (!groups.has(key)) groups.set(key, { path, origin });
    }
    users.push(user);
  }
  return { users, groups: [...groups.values()], problems };
}

function duplicateReasons(user: SourceUser, nameLines: Map<string, number>, cardLines: Map<string, number>) {
  const reasons: string[] = [];
  for (const name of [user.username, ...user.aliases]) {
    const first = nameLines.get(name);
    if (first !== undefined) reasons.push(`username/alias "${shown(name)}" is already used on line ${first}`);
  }
  user.cards.forEach((card, i) => {
    const first = cardLines.get(card);
    if (first !== undefined) reasons.push(`card #${i + 1} is already assigned on line ${first}`);
  });
  return reasons;
}

/** The line's trimmed cells by column (missing ones empty); padding beyond the layout may only be empty. */
function rowFields({ cells }: CsvRecord, { columns, fromHeader }: Layout, reasons: string[]) {
  const fields: Partial<Record<UserCsvColumn, string>> = {};
  for (const [i, column] of columns.entries()) fields[column] = (cells[i] ?? '').trim();
  if (cells.slice(columns.length).some((cell) => cell !== '')) {
    const limit = `${fromHeader ? 'the header' : "MyQ's format"} has ${columns.length}`;
    reasons.push(`the line has ${cells.length} columns, ${limit}`);
  }
  return (column: UserCsvColumn) => fields[column] ?? '';
}

/** Builds one line's user and lists what is wrong with it; the user is usable only when the list is empty. */
function checkRow(record: CsvRecord, layout: Layout) {
  const reasons: string[] = [];
  const value = rowFields(record, layout, reasons);
  const [username = '', ...aliases] = uniqueItems(value('USERNAME_ALIASES'));
  const user: SourceUser = {
    username,
    aliases,
    fullName: value('FULLNAME'),
    email: value('EMAIL'),
    personalNumber: value('CODE') || null,
    phone: value('PHONE') || null,
    language: value('LANG').toLowerCase() || null,
    pins: parsePins(value('PIN'), reasons),
    cards: uniqueItems(value('CARDS')),
    groups: parseGroupPaths('GROUPS', value('GROUPS'), reasons),
    managedGroups: parseGroupPaths('MANAGED_GROUPS', value('MANAGED_GROUPS'), reasons),
    delegates: uniqueItems(value('DELEGATES')),
    origin: `line ${record.line}`,
  };
  checkFields(user, value, reasons);
  return { user, reasons };
}

/** The rules on single values; list fields that need parsing (PINs, groups) are checked as they are parsed. */
function checkFields(user: SourceUser, value: (column: UserCsvColumn) => string, reasons: string[]): void {
  if (user.username === '') reasons.push('missing username (USERNAME_ALIASES is empty)');
  for (const name of [user.username, ...user.aliases])
    if (name !== '') checkName('username/alias', name, reasons);
  if (user.fullName === '') reasons.push('empty full name');
  const email = user.email;
  if (email !== '' && (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email))) {
    reasons.push(`bad email "${shown(email)}"`);
  }
  if (user.cards.some(hasControl)) reasons.push('a card contains a control character');
  for (const delegate of user.delegates) {
    if (!delegate.startsWith('group:')) checkName('delegate', delegate, reasons);
  }
  if (user.language !== null && !/^[a-z]{2}$/.test(user.language)) {
    reasons.push(`language "${shown(value('LANG'))}" is not a 2-letter code (en, fr, ...)`);
  }
  if (!/^([0-9a-fA-F]{32})?$/.test(value('PWD'))) {
    reasons.push('PWD is not an MD5 hash (32 hexadecimal characters)');
  }
  for (const column of ['FULLNAME', 'EMAIL', 'CODE', 'PHONE'] as const) {
    if (hasControl(value(column))) reasons.push(`${column} contains a line break or control character`);
  }
}

const DOMAIN_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?';
const EMAIL = new RegExp(`^[^\\s@"(),:;<>[\\]\\\\]+@${DOMAIN_LABEL}(?:\\.${DOMAIN_LABEL})+$`);
const MD5 = /^[0-9a-fA-F]{32}$/;
/** RFC 5321's limit; checked before the pattern, whose backtracking grows with the input. */
const MAX_EMAIL_LENGTH = 254;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function hasControl(text: string): boolean {
  return text.search(CONTROL) !== -1;
}

/** A value echoed in a message: control characters masked (no log injection) and length bounded. */
function shown(text: string): string {
  const masked = text.replace(CONTROL, '?');
  return masked.length > 60 ? `${masked.slice(0, 57)}...` : masked;
}

/** Comma-separated list cells: blank items are dropped and repeats kept once, in first-seen order. */
function uniqueItems(cell: string): string[] {
  if (cell === '') return [];
  const items: string[] = [];
  for (const part of cell.split(',')) {
    const item = part.trim();
    if (item !== '') items.push(item);
  }
  return items.length < 2 ? items : [...new Set(items)];
}

function checkName(kind: string, name: string, reasons: string[]): void {
  if (/\s/.test(name) || hasControl(name)) {
    reasons.push(`${kind} "${shown(name)}" contains spaces or control characters`);
  }
}

/** MyQ exports PINs as MD5 hashes, kept as `md5:<hex>`; plain digits are a clear PIN. */
function parsePins(cell: string, reasons: string[]): string[] {
  const pins: string[] = [];
  uniqueItems(cell).forEach((pin, i) => {
    if (MD5.test(pin)) pins.push(`md5:${pin.toLowerCase()}`);
    else if (/^\d+$/.test(pin)) pins.push(pin);
    else reasons.push(`PIN #${i + 1} is neither digits nor an MD5 hash (32 hexadecimal characters)`);
  });
  return [...new Set(pins)];
}

/** `A|B|C,A|D`: branches separated by commas, each a `|` path from the root; group names hold neither. */
function parseGroupPaths(column: UserCsvColumn, cell: string, reasons: string[]): string[][] {
  if (cell === '') return [];
  const paths = new Map<string, string[]>();
  for (const branch of cell.split(',')) {
    const path = branch.split('|').map((name) => name.trim());
    if (path.some((name) => name === '')) {
      reasons.push(`${column} "${shown(cell)}" has an empty group name; names cannot contain "," or "|"`);
    } else if (path.some(hasControl)) {
      reasons.push(`${column} has a group name with a line break or control character`);
    } else if (path.length > MAX_GROUP_DEPTH) {
      reasons.push(`${column} path "${shown(branch.trim())}" is deeper than ${MAX_GROUP_DEPTH} levels`);
    } else {
      paths.set(path.join('|'), path);
    }
  }
  return [...paths.values()];
}

/**
 * Writes users in the MyQ CSV format: a header row with every column in MyQ's order, `;`-separated, CRLF line
 * ends, non-trivial values quoted. `parseUserCsv` reads the result back to the same records (apart from
 * `origin`). Columns SourceUser does not carry (SCANSTORAGE, AUTHSERVER, PWD, EXTID) are left empty. Throws
 * QuireError(ValidationFailed) for a value the format cannot carry, such as a group name holding `,` or `|`.
 */
export function exportUserCsv(users: SourceUser[]): string {
  const lines = [USER_CSV_COLUMNS.join(';')];
  for (const user of users) {
    const pinCells = user.pins.map((pin) => pin.replace(/^md5:/, ''));
    const cells: Record<UserCsvColumn, string> = {
      FULLNAME: user.fullName,
      USERNAME_ALIASES: joinItems(user, 'USERNAME_ALIASES', [user.username, ...user.aliases]),
      EMAIL: user.email,
      CARDS: joinItems(user, 'CARDS', user.cards),
      GROUPS: joinPaths(user, 'GROUPS', user.groups),
      CODE: user.personalNumber ?? '',
      SCANSTORAGE: '',
      PIN: joinItems(user, 'PIN', pinCells),
      MANAGED_GROUPS: joinPaths(user, 'MANAGED_GROUPS', user.managedGroups),
      AUTHSERVER: '',
      PHONE: user.phone ?? '',
      LANG: user.language ?? '',
      PWD: '',
      EXTID: '',
      DELEGATES: joinItems(user, 'DELEGATES', user.delegates),
    };
    lines.push(USER_CSV_COLUMNS.map((column) => quoteCell(cells[column])).join(';'));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function unexportable(user: SourceUser, column: UserCsvColumn, what: string): QuireError {
  return new QuireError(
    ErrorCode.ValidationFailed,
    `CSV export: user "${user.username}": a ${column} value ${what}, which the MyQ format cannot carry`,
  );
}

function joinItems(user: SourceUser, column: UserCsvColumn, items: string[]): string {
  if (items.some((item) => item.includes(','))) throw unexportable(user, column, 'contains ","');
  return items.join(',');
}

function joinPaths(user: SourceUser, column: UserCsvColumn, paths: string[][]): string {
  for (const name of paths.flat()) {
    if (/[,|]/.test(name)) throw unexportable(user, column, 'has a group name containing "," or "|"');
  }
  return paths.map((path) => path.join('|')).join(',');
}

/** MyQ's rule: simple words and numbers may be bare, anything else goes in double quotes. */
function quoteCell(value: string): string {
  if (/^[\p{L}\p{N}._@+-]*$/u.test(value)) return value;
  return `"${value.replace(/"/g, '""')}"`;
}
