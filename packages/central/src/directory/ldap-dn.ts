/**
 * Distinguished names (RFC 4514) as the LDAP source needs them: split into RDNs with escapes undone (for OU
 * paths), and normalised so that the same entry written two ways compares equal. Servers are not consistent
 * about case and escaping: AD writes `CN=Foo,OU=Groups`, a memberOf value may escape a comma as `\,` where the
 * entry's own DN says `\2C`.
 */

/** One `type=value` pair of an RDN, with the type lower-cased and the value unescaped. */
export interface DnAttribute {
  type: string;
  value: string;
}

/** One RDN: usually a single pair; multi-valued RDNs (`cn=a+uid=b`) have several. */
export type Rdn = DnAttribute[];

const SPECIAL = /[,+"\\<>;=]/;

function unescapeValue(raw: string): string {
  let text = raw.trim();
  // A trailing escaped space survives trimming as a lone backslash: put the space back.
  if (/(^|[^\\])(\\\\)*\\$/.test(text)) text += ' ';
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2)
    return text.slice(1, -1).replace(/\\(.)/g, '$1');
  if (!text.includes('\\')) return text;
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '\\' && /^[0-9A-Fa-f]{2}$/.test(text.slice(index + 1, index + 3))) {
      bytes.push(parseInt(text.slice(index + 1, index + 3), 16));
      index += 2;
    } else {
      if (char === '\\') index += 1;
      bytes.push(...Buffer.from(text[index] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Split `text` at every unescaped `separator` (outside quotes). */
function splitUnescaped(text: string, separators: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '\\') index += 1;
    else if (char === '"') quoted = !quoted;
    else if (!quoted && separators.includes(char)) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function parseAttribute(text: string): DnAttribute {
  const equals = text.indexOf('=');
  if (equals <= 0) return { type: '', value: unescapeValue(text) };
  return { type: text.slice(0, equals).trim().toLowerCase(), value: unescapeValue(text.slice(equals + 1)) };
}

/** The RDNs of `dn`, leftmost (the entry's own) first. An empty DN has none. */
export function parseDn(dn: string): Rdn[] {
  if (dn.trim() === '') return [];
  if (!/[\\"+]/.test(dn)) return dn.split(',').map((part) => [parseAttribute(part)]);
  return splitUnescaped(dn, ',;').map((rdn) => splitUnescaped(rdn, '+').map(parseAttribute));
}

function escapeValue(value: string): string {
  if (!SPECIAL.test(value) && !/^[ #]| $/.test(value)) return value;
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]| $/g, (c) => `\\${c}`);
}

/**
 * A canonical form of a DN (a string, or RDNs from {@link parseDn}) for comparisons: types and values
 * lower-cased (the attributes used in DNs match case-insensitively), one escaping, multi-valued RDNs sorted.
 */
export function normalizeDn(dn: string | Rdn[]): string {
  const rdns = typeof dn === 'string' ? parseDn(dn) : dn;
  return rdns
    .map((rdn) =>
      rdn
        .map((attribute) => `${attribute.type}=${escapeValue(attribute.value.toLowerCase())}`)
        .sort()
        .join('+'),
    )
    .join(',');
}
