/**
 * Reads the PJL (HP Printer Job Language) block that drivers put in front of a print job: the variables it sets
 * (user name, job name, accounting attributes) and the printer language it switches to. Intake uses the variables
 * for per-queue user detection; PDL analysis starts reading the document at `headerBytes`.
 *
 * What is recognised (PJL Technical Reference, HP 5961-0509), each command line ending in LF or CR LF:
 * - the Universal Exit Language `ESC%-12345X`, at the start and between lines;
 * - `@PJL SET NAME=VALUE` and `@PJL SET NAME="VALUE"`: variable NAME;
 * - `@PJL SET JOBATTR="@KEY=VALUE"` (Ricoh, Kyocera, HP `JobAcct1=...` style): variable KEY, without the `@`;
 *   a JOBATTR value that is not KEY=VALUE is kept as variable JOBATTR;
 * - `@PJL JOB NAME="x" DISPLAY="y"`: variables `JOB NAME` and `JOB DISPLAY` (MyQ names them the same way);
 * - `@PJL DEFAULT NAME=VALUE`: variable NAME, unless the header also SETs it (SET overrides the default for the
 *   job on a printer, whatever the order);
 * - `@PJL ENTER LANGUAGE=X`: ends the header, language X.
 * Everything else (`COMMENT`, `USTATUSOFF`, `RDYMSG`, `EOJ`, personality-specific `SET LPARM:...`) is skipped.
 * Variable names are upper-cased, values unquoted; a later SET of the same variable wins, as on a printer.
 * {@link pjlSettings} turns the variables that matter for accounting (copies, duplex, paper, colour mode, toner
 * saving, finishing) into typed values.
 *
 * The header ends at `ENTER LANGUAGE` or at the first byte that does not start a PJL line. The caller passes a
 * bounded prefix of the job (at most 64 KB), and every step below advances through it, so the work is linear in
 * its length. Junk never throws: an unreadable line is skipped, a truncated last line ends the header.
 */

import { mediaNameForPjlPaper } from './media';
import type { DuplexMode } from './pdl-types';

/** What the PJL header of a job says. */
export interface PjlHeader {
  /** Variables by upper-cased name, values without quotes. */
  variables: Record<string, string>;
  /** The language of `@PJL ENTER LANGUAGE=X`, upper-cased, or null when the header does not switch language. */
  language: string | null;
  /**
   * Where the page description starts: the length of the UEL and PJL lines at the start of `head`, or 0 when the
   * job has no PJL header. When `head` ends inside a PJL line, `head.length`.
   */
  headerBytes: number;
}

const UEL = Buffer.from('\x1b%-12345X', 'latin1');
const PJL_PREFIX = '@PJL';
const LF = 0x0a;
const CR = 0x0d;
// Drivers emit UTF-8 (after `SET STRINGCODESET=UTF8`) or a Windows code page; a strict UTF-8 decode tells them apart.
const utf8 = new TextDecoder('utf-8', { fatal: true });

function startsWithAt(head: Uint8Array, pos: number, bytes: Uint8Array): boolean {
  if (pos + bytes.length > head.length) return false;
  for (let i = 0; i < bytes.length; i += 1) if (head[pos + i] !== bytes[i]) return false;
  return true;
}

/** True when a PJL command line starts at `pos`: `@PJL` (any case) followed by a separator or the line end. */
function pjlLineAt(head: Uint8Array, pos: number): boolean {
  if (pos + PJL_PREFIX.length > head.length) return false;
  for (let i = 0; i < PJL_PREFIX.length; i += 1) {
    if (String.fromCharCode(head[pos + i]).toUpperCase() !== PJL_PREFIX[i]) return false;
  }
  const next = head[pos + PJL_PREFIX.length];
  return next === undefined || next === 0x20 || next === 0x09 || next === CR || next === LF;
}

/** Blank bytes some drivers leave between the UEL and the first `@PJL`, skipped only when a PJL line follows. */
function skipBlanksBeforePjl(head: Uint8Array, pos: number): number {
  let end = pos;
  while (
    end < head.length &&
    (head[end] === 0x20 || head[end] === 0x09 || head[end] === CR || head[end] === LF)
  )
    end += 1;
  return end > pos && pjlLineAt(head, end) ? end : pos;
}

function decodeLine(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}

/** A PJL value: the text between double quotes (an unclosed quote runs to the line end), else the trimmed rest. */
function unquote(text: string): string {
  const value = text.trim();
  if (!value.startsWith('"')) return value;
  const close = value.indexOf('"', 1);
  return close < 0 ? value.slice(1) : value.slice(1, close);
}

// `@KEY=VALUE` inside a JOBATTR value; the key is a single word.
const JOBATTR_PAIR = /^@?([^\s=@"]{1,64})\s*=(.*)$/s;
// `NAME="x"` or `START=1` pairs of `@PJL JOB`; linear (no nested quantifiers), on a bounded line.
const JOB_OPTION = /([A-Za-z][A-Za-z0-9_]*)\s*=\s*(?:"([^"]*)"?|(\S*))/g;
const VARIABLE_NAME = /^[^\s="]{1,64}$/;
const ENTER_LANGUAGE = /^LANGUAGE\s*=\s*"?([A-Za-z0-9_.:-]+)/i;

function readSet(args: string, variables: Record<string, string>): void {
  // Language-specific (`LPARM : PCL`) and port-specific (`IPARM : PARALLEL`) settings are printer options,
  // not job attributes: none of them names a user or a job.
  if (/^[LI]PARM\s*:/i.test(args)) return;
  const equals = args.indexOf('=');
  if (equals < 0) return;
  const name = args.slice(0, equals).trim().toUpperCase();
  if (!VARIABLE_NAME.test(name)) return;
  const value = unquote(args.slice(equals + 1));
  if (name !== 'JOBATTR') {
    variables[name] = value;
    return;
  }
  const pair = JOBATTR_PAIR.exec(value);
  if (pair) variables[pair[1].toUpperCase()] = pair[2].trim();
  else variables.JOBATTR = value;
}

function readJob(args: string, variables: Record<string, string>): void {
  for (const match of args.matchAll(JOB_OPTION)) {
    variables[`JOB ${match[1].toUpperCase()}`] = match[2] ?? match[3] ?? '';
  }
}

/** Apply one PJL command line; returns the language when the line is `ENTER LANGUAGE`, '' for a bare ENTER. */
function applyLine(
  line: string,
  variables: Record<string, string>,
  defaults: Record<string, string>,
): string | null {
  const body = line.slice(PJL_PREFIX.length).trim();
  const space = body.search(/\s/);
  const command = (space < 0 ? body : body.slice(0, space)).toUpperCase();
  const args = space < 0 ? '' : body.slice(space + 1).trim();
  if (command === 'SET') readSet(args, variables);
  else if (command === 'DEFAULT') readSet(args, defaults);
  else if (command === 'JOB') readJob(args, variables);
  else if (command === 'ENTER') return ENTER_LANGUAGE.exec(args)?.[1].toUpperCase() ?? '';
  return null;
}

/**
 * Parse the PJL header at the start of a job. Pass the first bytes of the job (the caller bounds them, at most
 * 64 KB); the result lists the variables set, the language entered, and where the page description starts.
 * Never throws.
 */
export function readPjlHeader(head: Uint8Array): PjlHeader {
  const variables: Record<string, string> = {};
  const defaults: Record<string, string> = {};
  let language: string | null = null;
  let pos = 0;
  let headerBytes = 0;
  while (pos < head.length) {
    if (startsWithAt(head, pos, UEL)) {
      pos += UEL.length;
      headerBytes = pos;
      pos = skipBlanksBeforePjl(head, pos);
      continue;
    }
    if (!pjlLineAt(head, pos)) break;
    const lf = head.indexOf(LF, pos);
    if (lf < 0) {
      headerBytes = head.length;
      break;
    }
    const end = lf > pos && head[lf - 1] === CR ? lf - 1 : lf;
    const entered = applyLine(decodeLine(head.subarray(pos, end)), variables, defaults);
    pos = lf + 1;
    headerBytes = pos;
    if (entered !== null) {
      language = entered || null;
      break;
    }
    pos = skipBlanksBeforePjl(head, pos);
  }
  for (const [name, value] of Object.entries(defaults)) if (!(name in variables)) variables[name] = value;
  return { variables, language, headerBytes };
}

/** The PJL settings that matter for accounting, typed. Null means the header does not say. */
export interface PjlSettings {
  /** `COPIES`: uncollated copies of each page (the default for the page description's own copies). */
  copies: number | null;
  /** `QTY`: collated copies of the whole job. */
  quantity: number | null;
  /** `DUPLEX` (ON/OFF) with `BINDING` (LONGEDGE/SHORTEDGE, long edge when absent). */
  duplex: DuplexMode | null;
  /** `PAPER` as a PWG media name; null when absent or not a known size. */
  paper: string | null;
  /** `RENDERMODE` (HP), `COLORMODE` or `DATAMODE` (Kyocera, Ricoh): colour or greys only. */
  renderMode: 'color' | 'grayscale' | null;
  /** `ECONOMODE` (HP), `ECOPRINT` (Kyocera), `TONERSAVE`: toner saving. */
  economode: boolean | null;
  /** Stapling as the driver names it (`LEFTTOP`, `ONE`, `STAPLE`, ...); null when absent or off. */
  staple: string | null;
  /** Hole punching as the driver names it (`LEFT2`, `TWO`, `ON`, ...); null when absent or off. */
  punch: string | null;
  /** `USERNAME`. */
  userName: string | null;
  /** `JOB NAME` (from `@PJL JOB NAME=`) or `JOBNAME`. */
  jobName: string | null;
}

const OFF_VALUES = new Set(['OFF', 'NONE', 'NO', 'FALSE', '0', 'DISABLE', 'DISABLED', '']);
const MAX_COPIES = 32767;

function first(variables: Record<string, string>, names: string[]): string | null {
  for (const name of names) {
    const value = variables[name];
    if (value !== undefined) return value.trim();
  }
  return null;
}

function count(value: string | null): number | null {
  if (value === null || !/^\d{1,6}$/.test(value)) return null;
  const parsed = Number(value);
  return parsed >= 1 && parsed <= MAX_COPIES ? parsed : null;
}

function bindingMode(binding: string | null): DuplexMode {
  const value = (binding ?? '').toUpperCase();
  return value.startsWith('SHORT') || value === 'TOP' || value === 'BOTTOM' ? 'short-edge' : 'long-edge';
}

function duplexMode(variables: Record<string, string>): DuplexMode | null {
  const duplex = first(variables, ['DUPLEX'])?.toUpperCase() ?? null;
  const binding = first(variables, ['BINDING']);
  if (duplex === null) return null;
  if (OFF_VALUES.has(duplex) || duplex === 'SIMPLEX') return 'simplex';
  if (duplex.startsWith('LONG') || duplex.startsWith('SHORT')) return bindingMode(duplex);
  return bindingMode(binding);
}

function renderMode(variables: Record<string, string>): 'color' | 'grayscale' | null {
  const value = first(variables, ['RENDERMODE', 'COLORMODE', 'DATAMODE'])?.toUpperCase() ?? null;
  if (value === null) return null;
  if (value.startsWith('COLOR') || value.startsWith('COLOUR')) return 'color';
  if (/^(GRAY|GREY|MONO|BW|BLACK)/.test(value)) return 'grayscale';
  return null;
}

function onOff(value: string | null): boolean | null {
  if (value === null) return null;
  const upper = value.toUpperCase();
  if (upper === 'ON' || upper === 'YES' || upper === 'TRUE' || upper === '1') return true;
  return OFF_VALUES.has(upper) ? false : null;
}

function finishing(variables: Record<string, string>, names: string[], finishKeyword: string): string | null {
  for (const name of names) {
    const value = variables[name]?.trim();
    if (value !== undefined && !OFF_VALUES.has(value.toUpperCase())) return value;
  }
  const finish = variables.FINISH?.trim();
  return finish && finish.toUpperCase().includes(finishKeyword) ? finish : null;
}

/**
 * The accounting-relevant settings of a PJL header's variables (as {@link readPjlHeader} returns them). Values
 * that cannot be read (a copy count of "many", an unknown paper) give null, never an exception.
 */
export function pjlSettings(variables: Record<string, string>): PjlSettings {
  const paper = first(variables, ['PAPER']);
  return {
    copies: count(first(variables, ['COPIES'])),
    quantity: count(first(variables, ['QTY'])),
    duplex: duplexMode(variables),
    paper: paper === null ? null : mediaNameForPjlPaper(paper),
    renderMode: renderMode(variables),
    economode: onOff(first(variables, ['ECONOMODE', 'ECOPRINT', 'TONERSAVE'])),
    staple: finishing(variables, ['STAPLE', 'STAPLEOPTION', 'STAPLING'], 'STAPLE'),
    punch: finishing(variables, ['PUNCH', 'PUNCHHOLE', 'HOLEPUNCH', 'PUNCHOPTION'], 'PUNCH'),
    userName: first(variables, ['USERNAME']),
    jobName: first(variables, ['JOB NAME', 'JOBNAME']),
  };
}
