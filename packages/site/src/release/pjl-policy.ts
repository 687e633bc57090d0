/**
 * Forced print policies at release (black & white, duplex mode, toner save, custom PJL lines), applied the way
 * MyQ does: through the job's PJL header only, never by editing the page description. The plan it returns fits
 * the output-driver contract (`prefix + file[skipBytes:] + suffix`), so the document bytes after the header go
 * out untouched.
 *
 * - A job that already starts with a PJL header keeps it, minus the `@PJL SET` lines a policy overrides; the
 *   forced and custom lines go in just before `@PJL ENTER LANGUAGE`, so after every UEL, `JOB` or `RESET` of the
 *   header (each is a "PJL reset condition" that would undo a SET before it), and `skipBytes` covers the original
 *   header. The job's own closing UEL stays.
 * - A job without one gets UEL, `@PJL JOB`, the lines, `@PJL ENTER LANGUAGE`, and a suffix `UEL @PJL EOJ UEL`.
 *   The JOB/EOJ pair keeps a UEL or PostScript Ctrl-D inside the document from resetting the forced values, and
 *   EOJ returns the printer to its defaults for the next job.
 * - Only PCL 5, PCL XL, PostScript and PDF take a PJL header; for raster, JPEG and unknown data nothing is added
 *   and a warning says so (the release goes on).
 *
 * PJL names follow HP's PJL Technical Reference (RENDERMODE, DUPLEX + BINDING, ECONOMODE). When the driver's
 * header used another name for the same setting (DATAMODE, COLORMODE, ECOPRINT, TONERSAVE, as Ricoh, Kyocera
 * and other drivers write), the forced value is written under that name too, since that printer may only read
 * its own. PJL values are only defaults: a setting the page description makes itself (PCL `ESC &l#S`,
 * PostScript `setpagedevice`) still wins on the printer. Lines end in CR LF. Text from users (job and user
 * names) is stripped of control characters and double quotes and always sits inside quotes, so it can neither
 * end a line nor send a UEL.
 */
import { readPjlHeader } from '../pdl/pjl';

/** What a queue forces at release; `keep` leaves the job's own setting. */
export interface ForcedPolicies {
  color: 'keep' | 'mono';
  duplex: 'keep' | 'simplex' | 'long-edge' | 'short-edge';
  tonerSave: 'keep' | 'on' | 'off';
  /** `@PJL ...` lines, with `%username%`, `%jobname%`, `%fullname%` substituted at release. */
  customPjl: string[];
}

/** The values of the custom-line variables for one job. */
export interface PjlVariables {
  username: string;
  jobname: string;
  fullname: string;
}

/** What to send around the spool file: `prefix + file[skipBytes:] + suffix`. */
export interface PolicyHeaderPlan {
  prefix: Buffer;
  skipBytes: number;
  suffix: Buffer;
  /** What was forced, in words, for the job's history. */
  applied: string[];
  /** What could not be applied, and why. */
  warnings: string[];
}

const UEL = '\x1b%-12345X';
const UEL_BYTES = Buffer.from(UEL, 'latin1');
const CRLF = '\r\n';
const LF = 0x0a;
const PJL_LANGUAGE_BY_PDL: Record<string, string> = {
  pcl5: 'PCL',
  'pcl-xl': 'PCLXL',
  postscript: 'POSTSCRIPT',
  pdf: 'PDF',
};
// PJL's JOB NAME holds 80 characters; printers truncate or refuse longer strings.
const MAX_VALUE_CHARS = 80;
const PLACEHOLDER_OR_QUOTE = /"|%([A-Za-z]+)%/g;
const KNOWN_VARIABLES = new Set(['username', 'jobname', 'fullname']);
// Printers read a string code set change for the strings after it; it never conflicts with what we add.
const NEVER_DROPPED = new Set(['STRINGCODESET']);
// The lines that shape the PJL job; a custom copy would end the header early or nest jobs.
const JOB_STRUCTURE = new Set(['ENTER', 'JOB', 'EOJ']);

// Control characters end a line (CR, LF) or start a UEL (ESC) on a printer; C1 covers the 8-bit CSI.
function isControl(char: string): boolean {
  const code = char.charCodeAt(0);
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

function setLine(name: string, value: string): string {
  return `@PJL SET ${name}=${value}`;
}

/** A PJL variable and the value written for it. */
type Setting = [name: string, value: string];

/** One forced policy: the PJL settings it writes, and the variables of the job's header it replaces. */
interface ForcedSetting {
  words: string;
  /** Always written (HP names). */
  settings: Setting[];
  /** Written only when the job's header uses that name (a vendor's own name for the same setting). */
  aliases: Setting[];
  overrides: string[];
}

function colourSetting(color: ForcedPolicies['color']): ForcedSetting | null {
  if (color === 'keep') return null;
  const aliases: Setting[] = [
    ['DATAMODE', 'GRAYSCALE'],
    ['COLORMODE', 'MONO'],
  ];
  const overrides = ['RENDERMODE', 'DATAMODE', 'COLORMODE'];
  return { words: 'black & white', settings: [['RENDERMODE', 'GRAYSCALE']], aliases, overrides };
}

function duplexSetting(duplex: ForcedPolicies['duplex']): ForcedSetting | null {
  if (duplex === 'keep') return null;
  const overrides = ['DUPLEX', 'BINDING'];
  if (duplex === 'simplex')
    return { words: 'single-sided', settings: [['DUPLEX', 'OFF']], aliases: [], overrides };
  const settings: Setting[] = [
    ['DUPLEX', 'ON'],
    ['BINDING', duplex === 'long-edge' ? 'LONGEDGE' : 'SHORTEDGE'],
  ];
  return { words: `double-sided, ${duplex}`, settings, aliases: [], overrides };
}

function tonerSaveSetting(tonerSave: ForcedPolicies['tonerSave']): ForcedSetting | null {
  if (tonerSave === 'keep') return null;
  const value = tonerSave.toUpperCase();
  const aliases: Setting[] = [
    ['ECOPRINT', value],
    ['TONERSAVE', value],
  ];
  const overrides = ['ECONOMODE', 'ECOPRINT', 'TONERSAVE'];
  return { words: `toner save ${tonerSave}`, settings: [['ECONOMODE', value]], aliases, overrides };
}

function forcedSettings(policies: ForcedPolicies): ForcedSetting[] {
  const all = [
    colourSetting(policies.color),
    duplexSetting(policies.duplex),
    tonerSaveSetting(policies.tonerSave),
  ];
  return all.filter((setting) => setting !== null);
}

/** The lines for the forced settings; `dialect` holds the variable names of the job's own header. */
function forcedLines(settings: ForcedSetting[], dialect: Set<string>): string[] {
  return settings.flatMap((setting) => [
    ...setting.settings.map(([name, value]) => setLine(name, value)),
    ...setting.aliases.filter(([name]) => dialect.has(name)).map(([name, value]) => setLine(name, value)),
  ]);
}

function forcedApplied(setting: ForcedSetting): string {
  const pjl = setting.settings.map(([name, value]) => `${name}=${value}`).join(', ');
  return `${setting.words} forced (PJL ${pjl})`;
}

/** A user-supplied value made safe for a quoted PJL string: one line, no quotes, no UEL, bounded length. */
function pjlStringValue(value: string): string {
  const clean = Array.from(value)
    .filter((char) => !isControl(char))
    .join('')
    .replace(/"/g, "'")
    .trim();
  return Array.from(clean).slice(0, MAX_VALUE_CHARS).join('').trimEnd();
}

/**
 * Why a custom PJL line template cannot be used, in words that follow "the line ...", or null when it can. A queue's
 * settings should be checked with it when saved; {@link planPolicyHeader} skips (with a warning) a line that
 * fails. The rules keep a template to one PJL command that cannot break the header it goes into: it starts with
 * `@PJL`, holds no control character, is not `JOB`, `EOJ` or `ENTER` (Quire writes those), has balanced double quotes,
 * uses only the known variables, and a variable outside quotes stands alone as a value (it is quoted at release).
 */
export function customPjlLineProblem(template: string): string | null {
  const line = template.trim();
  if (Array.from(line).some(isControl)) return 'contains a control character (line break, tab or escape)';
  if (!/^@PJL(\s|$)/i.test(line)) return 'does not start with "@PJL"';
  const command = /^@PJL\s+(\S+)/i.exec(line)?.[1].toUpperCase() ?? '';
  if (JOB_STRUCTURE.has(command)) return `is "@PJL ${command}", which Quire writes itself`;
  let inQuotes = false;
  for (const match of line.matchAll(PLACEHOLDER_OR_QUOTE)) {
    if (match[0] === '"') {
      inQuotes = !inQuotes;
      continue;
    }
    if (!KNOWN_VARIABLES.has(match[1].toLowerCase())) return `uses an unknown variable ${match[0]}`;
    const before = line[match.index - 1];
    const after = line[match.index + match[0].length];
    if (!inQuotes && !(/[=\s]/.test(before) && (after === undefined || /\s/.test(after)))) {
      return `puts ${match[0]} next to other text outside quotes (quote it, or let it stand alone)`;
    }
  }
  return inQuotes ? 'has an unclosed double quote' : null;
}

/** The template with its variables replaced in one pass (a value is never expanded again). */
function substitute(template: string, vars: PjlVariables): string {
  let inQuotes = false;
  return template.trim().replace(PLACEHOLDER_OR_QUOTE, (token: string, name?: string) => {
    if (token === '"') {
      inQuotes = !inQuotes;
      return token;
    }
    const value = pjlStringValue(vars[(name ?? '').toLowerCase() as keyof PjlVariables] ?? '');
    return inQuotes ? value : `"${value}"`;
  });
}

/**
 * The variable a `@PJL SET` line sets, named as the PJL reader names it (upper case; the `@KEY` of a
 * `JOBATTR="@KEY=VALUE"`), or null for any other line and for language- or port-specific settings.
 */
function setVariable(line: string): string | null {
  const set = /^\s*@PJL\s+SET\s+(.*)$/is.exec(line);
  if (!set || /^[LI]PARM\s*:/i.test(set[1])) return null;
  const equals = set[1].indexOf('=');
  if (equals < 0) return null;
  const name = set[1].slice(0, equals).trim().toUpperCase();
  if (name !== 'JOBATTR') return name;
  const attribute = /^\s*"?@?([^\s=@"]{1,64})\s*=/.exec(set[1].slice(equals + 1));
  return attribute ? attribute[1].toUpperCase() : name;
}

/** The usable custom lines, substituted; a bad template becomes a warning. */
function customLines(templates: string[], vars: PjlVariables, warnings: string[]): string[] {
  const lines: string[] = [];
  templates.forEach((template, index) => {
    const problem = customPjlLineProblem(template);
    if (problem) warnings.push(`custom PJL line ${index + 1} skipped: it ${problem}`);
    else lines.push(substitute(template, vars));
  });
  return lines;
}

function customApplied(line: string): string {
  const variable = setVariable(line);
  const command = /^@PJL\s+(\S+)/i.exec(line)?.[1].toUpperCase() ?? '';
  return `custom PJL line added (@PJL ${variable === null ? command : `SET ${variable}`})`;
}

/** One piece of an existing header: a UEL, a run of blank bytes, or a `@PJL` line with its line end. */
interface HeaderPart {
  bytes: Buffer;
  line: string | null;
}

/** Cut the header that readPjlHeader measured into its parts; the bytes of the parts add up to the header. */
function headerParts(header: Buffer): HeaderPart[] {
  const parts: HeaderPart[] = [];
  let pos = 0;
  while (pos < header.length) {
    let end: number;
    if (header.subarray(pos, pos + UEL_BYTES.length).equals(UEL_BYTES)) end = pos + UEL_BYTES.length;
    else if (header[pos] === 0x20 || header[pos] === 0x09 || header[pos] === 0x0d || header[pos] === LF) {
      end = pos + 1;
      while (end < header.length && [0x20, 0x09, 0x0d, LF].includes(header[end])) end += 1;
    } else {
      const lf = header.indexOf(LF, pos);
      end = lf < 0 ? header.length : lf + 1;
    }
    const bytes = header.subarray(pos, end);
    const isLine = bytes[0] === 0x40; /* @ */
    parts.push({ bytes, line: isLine ? bytes.toString('latin1').replace(/\r?\n$/, '') : null });
    pos = end;
  }
  return parts;
}

/** The header's closing `@PJL ENTER LANGUAGE` line, complete with its line end, or null. */
function enterLine(parts: HeaderPart[]): HeaderPart | null {
  const last = parts[parts.length - 1];
  if (last === undefined || last.line === null || last.bytes[last.bytes.length - 1] !== LF) return null;
  return /^@PJL\s+ENTER(\s|$)/i.test(last.line) ? last : null;
}

function encodeLines(lines: string[]): Buffer {
  return Buffer.from(lines.map((line) => line + CRLF).join(''), 'utf8');
}

/** A printer reads PJL strings in its default code set unless told UTF-8; say so when our lines need it. */
function withCodeSet(lines: string[], headerVariables: Record<string, string>): string[] {
  const needsUtf8 = lines.some((line) => Buffer.byteLength(line, 'utf8') !== line.length);
  const declared = (headerVariables.STRINGCODESET ?? '').toUpperCase().replace(/[^A-Z0-9]/g, '') === 'UTF8';
  return needsUtf8 && !declared ? [setLine('STRINGCODESET', 'UTF8'), ...lines] : lines;
}

function untouched(warnings: string[]): PolicyHeaderPlan {
  return { prefix: Buffer.alloc(0), skipBytes: 0, suffix: Buffer.alloc(0), applied: [], warnings };
}

function forcedWords(settings: ForcedSetting[], custom: string[]): string {
  const words = settings.map((setting) => setting.words);
  if (custom.length > 0) words.push('custom PJL lines');
  return `Forced ${words.join('; ')}`;
}

/** A header for a job that has none: the lines inside a PJL job, closed by the suffix. */
function addedHeader(
  language: string,
  lines: string[],
  vars: PjlVariables,
): { prefix: Buffer; suffix: Buffer } {
  const name = pjlStringValue(vars.jobname);
  const jobLine = name === '' ? '@PJL JOB' : `@PJL JOB NAME="${name}"`;
  const all = withCodeSet([jobLine, ...lines], {});
  return {
    prefix: Buffer.concat([UEL_BYTES, encodeLines([...all, `@PJL ENTER LANGUAGE=${language}`])]),
    suffix: Buffer.from(`${UEL}@PJL EOJ${CRLF}${UEL}`, 'latin1'),
  };
}

/** The job's header without the SET lines `overrides` names, with `lines` before its ENTER LANGUAGE. */
function rewrittenHeader(parts: HeaderPart[], overrides: Set<string>, lines: string[]): Buffer {
  const enter = enterLine(parts);
  const body = enter ? parts.slice(0, -1) : parts;
  const kept = body.filter((part) => {
    const variable = part.line === null ? null : setVariable(part.line);
    return variable === null || NEVER_DROPPED.has(variable) || !overrides.has(variable);
  });
  const startsWithUel = parts[0].line === null && parts[0].bytes.equals(UEL_BYTES);
  return Buffer.concat([
    ...(startsWithUel ? [] : [UEL_BYTES]),
    ...kept.map((part) => part.bytes),
    encodeLines(lines),
    ...(enter ? [enter.bytes] : []),
  ]);
}

/**
 * Plan the PJL header that applies a queue's forced policies to one job at release. `head` is the start of the
 * spool file (up to 64 KiB is plenty); `pdl` is the analysed language (`pcl5`, `pcl-xl`, `postscript`, `pdf`,
 * `pwg-raster`, `urf`, `jpeg`, `unknown`, or null when not analysed). With nothing forced, or when the language
 * takes no PJL, or when the job's PJL header runs past `head`, the plan changes nothing and `warnings` says why.
 * Otherwise `file[skipBytes:]` is exactly the job after its own header, so the document itself is never altered.
 * Pure and never throws: a bad custom line is skipped with a warning.
 */
export function planPolicyHeader(
  head: Buffer,
  pdl: string | null,
  policies: ForcedPolicies,
  vars: PjlVariables,
): PolicyHeaderPlan {
  const warnings: string[] = [];
  const custom = customLines(policies.customPjl, vars, warnings);
  const header = readPjlHeader(head);
  const settings = forcedSettings(policies);
  if (settings.length === 0 && custom.length === 0) return untouched(warnings);
  const language = pdl !== null && Object.hasOwn(PJL_LANGUAGE_BY_PDL, pdl) ? PJL_LANGUAGE_BY_PDL[pdl] : null;
  const words = forcedWords(settings, custom);
  if (language === null) {
    warnings.push(`${words} not applied: ${pdl ?? 'unanalysed'} data takes no PJL header`);
    return untouched(warnings);
  }
  const applied = [...settings.map(forcedApplied), ...custom.map(customApplied)];
  const lines = [...forcedLines(settings, new Set(Object.keys(header.variables))), ...custom];
  if (header.headerBytes === 0) {
    const { prefix, suffix } = addedHeader(language, lines, vars);
    return { prefix, skipBytes: 0, suffix, applied, warnings };
  }
  const parts = headerParts(head.subarray(0, header.headerBytes));
  if (header.headerBytes === head.length && enterLine(parts) === null) {
    warnings.push(`${words} not applied: the job's PJL header is longer than the ${head.length} bytes read`);
    return untouched(warnings);
  }
  const overrides = new Set([
    ...settings.flatMap((setting) => setting.overrides),
    ...custom.map(setVariable).filter((name) => name !== null),
  ]);
  const prefix = rewrittenHeader(parts, overrides, withCodeSet(lines, header.variables));
  return { prefix, skipBytes: header.headerBytes, suffix: Buffer.alloc(0), applied, warnings };
}
