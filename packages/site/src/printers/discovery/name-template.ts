/**
 * Printer names for discovered devices, from a template as in MyQ: `%model%`, `%ipByte4%` (the last octet),
 * `%sn%`, `%hostname%` (reverse DNS, the IP when there is no answer), `%snmpHostname%` (sysName) and
 * `%location%` (sysLocation). The result is made a valid printer name (printable ASCII without spaces: spaces
 * become `-`, accents are dropped, other characters removed) and, when taken, made unique with a `-2`, `-3`
 * suffix. Placeholders are matched without regard to case; an unknown one is an error when the template is
 * saved, not a literal `%foo%` in every name.
 */
import { ErrorCode, QuireError } from '@quire/common';

/**
 * The default template: the model and the last octet, e.g. `HP-LaserJet-M507-12`. Both are known for any SNMP
 * printer, it reads well in a list, and it needs no DNS.
 */
export const DEFAULT_NAME_TEMPLATE = '%model%-%ipByte4%';

/** Longest printer name (the column's width). */
const MAX_NAME_LENGTH = 127;
/** Room kept for a uniqueness suffix such as `-999`. */
const SUFFIX_ROOM = 4;
/** How many suffixes are tried before giving up; beyond that the template is the problem. */
const MAX_SUFFIX = 999;

/** What a template can refer to, for one device. */
export interface NameValues {
  model: string;
  address: string;
  serial: string | null;
  /** The reverse-DNS name, or null when there is none (or it was not looked up). */
  hostname: string | null;
  sysName: string;
  location: string;
}

type Placeholder = 'model' | 'ipbyte4' | 'sn' | 'hostname' | 'snmphostname' | 'location';

const VALUES: Readonly<Record<Placeholder, (values: NameValues) => string>> = {
  model: (v) => v.model,
  ipbyte4: (v) => v.address.split('.').pop() ?? '',
  sn: (v) => v.serial ?? '',
  hostname: (v) => v.hostname ?? v.address,
  snmphostname: (v) => v.sysName,
  location: (v) => v.location,
};

/** The placeholders a template may use, as written in the docs. */
export const NAME_PLACEHOLDERS = [
  '%model%',
  '%ipByte4%',
  '%sn%',
  '%hostname%',
  '%snmpHostname%',
  '%location%',
];

const PLACEHOLDER = /%([A-Za-z0-9]+)%/g;

/** VALIDATION_FAILED naming the unknown placeholders of `template`, and the known ones; the template otherwise. */
export function checkNameTemplate(template: string): string {
  const unknown = [...template.matchAll(PLACEHOLDER)]
    .map((match) => match[0])
    .filter((text) => !(text.slice(1, -1).toLowerCase() in VALUES));
  if (unknown.length > 0) {
    throw new QuireError(
      ErrorCode.ValidationFailed,
      `Name template "${template}" uses ${unknown.join(', ')}, which is not a placeholder; use ${NAME_PLACEHOLDERS.join(', ')}`,
      { details: { fields: [{ field: 'nameTemplate', problem: `unknown placeholder ${unknown[0]}` }] } },
    );
  }
  return template;
}

/** Whether rendering `template` needs a reverse-DNS lookup (only then is one made). */
export function templateNeedsHostname(template: string): boolean {
  return /%hostname%/i.test(template);
}

/** `template` with each placeholder replaced by its value for one device (not yet a valid printer name). */
export function renderNameTemplate(template: string, values: NameValues): string {
  return template.replace(PLACEHOLDER, (text: string, key: string) => {
    const value = VALUES[key.toLowerCase() as Placeholder];
    return value ? value(values) : text;
  });
}

/**
 * `raw` as a valid printer name: whitespace runs become `-`, accented letters lose their accents, anything else
 * outside printable ASCII goes, `-` is trimmed from both ends, and the result is clipped so that a uniqueness
 * suffix still fits. `fallback` when nothing is left (a device that reports no model).
 */
export function sanitisePrinterName(raw: string, fallback: string): string {
  const name = raw
    .normalize('NFKD')
    .replace(/\s+/g, '-')
    .replace(/[^\x21-\x7e]/g, '')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_NAME_LENGTH - SUFFIX_ROOM);
  return name === '' ? fallback : name;
}

/**
 * `base`, or the first of `base-2`, `base-3`, ... that `isTaken` says is free (it is asked with the lower-cased
 * name, as printer names are compared without regard to case). CONFLICT when hundreds are taken.
 */
export async function uniqueName(
  base: string,
  isTaken: (nameKey: string) => Promise<boolean>,
): Promise<string> {
  for (let n = 1; n <= MAX_SUFFIX; n += 1) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!(await isTaken(candidate.toLowerCase()))) return candidate;
  }
  throw new QuireError(
    ErrorCode.Conflict,
    `Printer names "${base}" to "${base}-${MAX_SUFFIX}" are all taken; use a name template with %ipByte4% or %sn%`,
  );
}

/** The name of a new printer for one device: the template rendered, sanitised and made unique. */
export function printerNameFor(
  template: string,
  values: NameValues,
  isTaken: (nameKey: string) => Promise<boolean>,
): Promise<string> {
  const fallback = `printer-${values.address}`;
  return uniqueName(sanitisePrinterName(renderNameTemplate(template, values), fallback), isTaken);
}
