/**
 * Decoding of LDAP replies from BER (the subset LDAP uses: one-byte tags, definite lengths), straight from the
 * socket's buffers: message framing, search entries into `{dn, attributes}` records, and the paged-results
 * cookie. Written for speed: no intermediate objects per element, values sliced to strings once.
 */

const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';

/** One entry of a search result; attribute names lower-cased, values as text (`;binary` ones as upper-case hex). */
export interface LdapEntry {
  dn: string;
  attributes: Map<string, string[]>;
}

/** A cursor over BER (the subset LDAP uses: one-byte tags, definite lengths). */
export class BerCursor {
  tag = 0;
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}

  /** Read a tag and length (checking the tag when `expected` is given); returns where the content ends. */
  enter(expected?: number): number {
    const buf = this.buf;
    this.tag = buf[this.pos++];
    if (expected !== undefined && this.tag !== expected) {
      throw new Error(
        `malformed reply: tag 0x${this.tag.toString(16)} where 0x${expected.toString(16)} belongs`,
      );
    }
    let length = buf[this.pos++];
    if (length & 0x80) {
      const bytes = length & 0x7f;
      if (bytes === 0 || bytes > 4) throw new Error('malformed reply: unsupported BER length');
      length = 0;
      for (let n = 0; n < bytes; n++) length = length * 256 + buf[this.pos++];
    }
    const end = this.pos + length;
    if (end > this.buf.length) throw new Error('malformed reply: element longer than its message');
    return end;
  }

  string(expected = 0x04): string {
    const end = this.enter(expected);
    const text = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return text;
  }

  integer(expected = 0x02): number {
    const end = this.enter(expected);
    let value = this.buf[this.pos] & 0x80 ? -1 : 0;
    for (; this.pos < end; this.pos++) value = value * 256 + this.buf[this.pos];
    return value;
  }

  skip(): void {
    this.pos = this.enter();
  }
}

/** The size of the BER element at `pos`, or -1 when its header is not complete yet. */
export function elementSize(buf: Buffer, pos: number): number {
  if (buf.length - pos < 2) return -1;
  const first = buf[pos + 1];
  if (!(first & 0x80)) return 2 + first;
  const bytes = first & 0x7f;
  if (buf.length - pos < 2 + bytes) return -1;
  let length = 0;
  for (let n = 0; n < bytes; n++) length = length * 256 + buf[pos + 2 + n];
  return 2 + bytes + length;
}

/** Decode a SearchResultEntry body (the cursor is past its tag and length). */
export function readEntry(cursor: BerCursor): LdapEntry {
  const dn = cursor.string();
  const attributes = new Map<string, string[]>();
  const listEnd = cursor.enter(0x30);
  while (cursor.pos < listEnd) {
    const attributeEnd = cursor.enter(0x30);
    const type = cursor.string().toLowerCase();
    const binary = type.endsWith(';binary');
    const valuesEnd = cursor.enter(0x31);
    const values: string[] = [];
    while (cursor.pos < valuesEnd) {
      const end = cursor.enter(0x04);
      values.push(cursor.buf.toString(binary ? 'hex' : 'utf8', cursor.pos, end));
      cursor.pos = end;
    }
    attributes.set(binary ? type.slice(0, -7) : type, binary ? values.map((v) => v.toUpperCase()) : values);
    cursor.pos = attributeEnd;
  }
  return { dn, attributes };
}

/** The paged-results cookie among a reply's controls, if any. */
export function readCookie(cursor: BerCursor, end: number): Buffer | null {
  while (cursor.pos < end) {
    const controlEnd = cursor.enter(0x30);
    const type = cursor.string();
    if (cursor.pos < controlEnd && cursor.buf[cursor.pos] === 0x01) cursor.skip();
    if (type === PAGED_RESULTS_OID && cursor.pos < controlEnd) {
      cursor.enter(0x04);
      cursor.enter(0x30);
      cursor.integer();
      const cookieEnd = cursor.enter(0x04);
      return Buffer.from(cursor.buf.subarray(cursor.pos, cookieEnd));
    }
    cursor.pos = controlEnd;
  }
  return null;
}
