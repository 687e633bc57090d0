/**
 * Decodes RFC 8010 IPP messages from a buffer holding (at least) the attribute section.
 *
 * The decoder reads the header, every group and attribute up to end-of-attributes, and reports where the
 * document data starts; it never looks at the data. Every malformed input ends in an `IppParseError` that names
 * the problem and the status to answer, and limits on size, attribute count and collection depth keep memory
 * and recursion bounded whatever the input says. Unknown value tags are kept as octets, so a newer client's
 * attribute never breaks a request.
 *
 * Extension tag 0x7F: we follow RFC 8010's layout (an ordinary tag/name/value triple whose value begins with the
 * four-octet extended type) and keep the whole value as octets.
 */
import {
  type IppAttribute,
  type IppAttributeGroup,
  type IppDateTime,
  IppMessage,
  type IppValue,
} from './ipp-message';
import { type IppHeader, IppParseError } from './ipp-parse-error';
import { IppStatus, IppTag, isDelimiterTag, isOutOfBandTag } from './ipp-types';

/** Bounds that keep decoding cheap whatever the input claims. */
export interface IppDecodeLimits {
  /** Largest attribute section (header to end-of-attributes tag), in bytes. */
  maxBytes: number;
  /** Most attributes, collection members included. */
  maxAttributes: number;
  /** Most values, additional values and member values included. */
  maxValues: number;
  /** Deepest collection nesting. */
  maxDepth: number;
}

/** Defaults: generous for any real client (a CUPS request is a few hundred bytes), small for a server. */
export const defaultIppDecodeLimits: IppDecodeLimits = {
  maxBytes: 1024 * 1024,
  maxAttributes: 4096,
  maxValues: 16384,
  maxDepth: 10,
};

/** Largest value or name length: the length fields are SIGNED-SHORT. */
export const IPP_MAX_LENGTH = 32767;

/** A decoded message and the offset of the first byte after end-of-attributes (the document data). */
export interface IppDecodeResult {
  message: IppMessage;
  dataOffset: number;
}

/** The 8-byte header, or undefined when fewer than 8 bytes are given. */
export function decodeIppHeader(buffer: Buffer): IppHeader | undefined {
  if (buffer.length < 8) return undefined;
  return {
    version: { major: buffer[0], minor: buffer[1] },
    code: buffer.readUInt16BE(2),
    requestId: buffer.readInt32BE(4),
  };
}

/** Decode one message; throws `IppParseError` for anything malformed or over `limits`. */
export function decodeIppMessage(
  buffer: Buffer,
  limits: IppDecodeLimits = defaultIppDecodeLimits,
): IppDecodeResult {
  return new IppDecoder(buffer, limits).decode();
}

class IppDecoder {
  private pos = 0;
  private attributes = 0;
  private values = 0;
  private header: IppHeader | undefined;

  constructor(
    private readonly buf: Buffer,
    private readonly limits: IppDecodeLimits,
  ) {}

  decode(): IppDecodeResult {
    const header = decodeIppHeader(this.buf);
    if (!header) this.fail(`header needs 8 bytes, got ${this.buf.length}`, { truncated: true });
    this.header = header;
    const { version, code, requestId } = header;
    const message = new IppMessage(version, code, requestId);
    this.pos = 8;
    let group: IppAttributeGroup | undefined;
    let current: IppAttribute | undefined;
    for (;;) {
      const tagOffset = this.pos;
      const tag = this.u8('tag');
      if (tag === IppTag.EndOfAttributes) return { message, dataOffset: this.pos };
      if (isDelimiterTag(tag)) {
        if (tag === 0x00) this.fail('reserved delimiter tag 0x00', { offset: tagOffset });
        group = message.addGroup(tag);
        current = undefined;
        continue;
      }
      if (!group) this.fail(`value tag 0x${hex(tag)} before any group tag`, { offset: tagOffset });
      const name = this.string(this.length('name'));
      const valueLength = this.length('value');
      if (tag === IppTag.EndCollection || tag === IppTag.MemberAttrName) {
        this.fail(
          `${tag === IppTag.EndCollection ? 'endCollection' : 'memberAttrName'} outside a collection`,
          {
            offset: tagOffset,
          },
        );
      }
      const value = this.value(tag, valueLength, 1, name || current?.name);
      if (name === '') {
        if (!current) this.fail('additional value without an attribute', { offset: tagOffset });
        current.values.push(value);
      } else {
        current = { name, values: [value] };
        group.attributes.push(current);
        this.countAttribute();
      }
      this.countValue();
    }
  }

  /** One value of `length` bytes at the current position; collections read their members after it. */
  private value(tag: number, length: number, depth: number, name: string | undefined): IppValue {
    const start = this.pos;
    this.need(length, `value of "${name ?? '?'}"`);
    this.pos += length;
    const expectLength = (expected: number, syntax: string) => {
      if (length !== expected) {
        this.fail(`${syntax} value of "${name}" has ${length} bytes, expected ${expected}`, {
          offset: start,
        });
      }
    };
    const buf = this.buf;
    switch (tag) {
      case IppTag.Integer:
      case IppTag.Enum:
        expectLength(4, tag === IppTag.Integer ? 'integer' : 'enum');
        return { kind: 'integer', tag, value: buf.readInt32BE(start) };
      case IppTag.Boolean:
        expectLength(1, 'boolean');
        if (buf[start] > 1) this.fail(`boolean value of "${name}" is ${buf[start]}`, { offset: start });
        return { kind: 'boolean', tag, value: buf[start] === 1 };
      case IppTag.DateTime:
        expectLength(11, 'dateTime');
        return { kind: 'dateTime', tag, value: this.dateTime(start, name) };
      case IppTag.Resolution:
        expectLength(9, 'resolution');
        return {
          kind: 'resolution',
          tag,
          value: {
            crossFeed: buf.readInt32BE(start),
            feed: buf.readInt32BE(start + 4),
            units: buf[start + 8],
          },
        };
      case IppTag.RangeOfInteger:
        expectLength(8, 'rangeOfInteger');
        return {
          kind: 'range',
          tag,
          value: { lower: buf.readInt32BE(start), upper: buf.readInt32BE(start + 4) },
        };
      case IppTag.TextWithLanguage:
      case IppTag.NameWithLanguage:
        return { kind: 'withLanguage', tag, value: this.withLanguage(start, length, name) };
      case IppTag.BegCollection:
        return { kind: 'collection', tag, value: this.collection(depth, name) };
      case IppTag.TextWithoutLanguage:
      case IppTag.NameWithoutLanguage:
      case IppTag.Keyword:
      case IppTag.Uri:
      case IppTag.UriScheme:
      case IppTag.Charset:
      case IppTag.NaturalLanguage:
      case IppTag.MimeMediaType:
        return { kind: 'string', tag, value: buf.toString('utf8', start, start + length) };
      default: {
        const octets = Buffer.from(buf.subarray(start, start + length));
        return isOutOfBandTag(tag)
          ? { kind: 'outOfBand', tag, value: octets }
          : { kind: 'octets', tag, value: octets };
      }
    }
  }

  private dateTime(start: number, name: string | undefined): IppDateTime {
    const b = this.buf;
    const direction = String.fromCharCode(b[start + 8]);
    if (direction !== '+' && direction !== '-') {
      this.fail(`dateTime value of "${name}" has UTC direction 0x${hex(b[start + 8])}`, {
        offset: start + 8,
      });
    }
    return {
      year: b.readUInt16BE(start),
      month: b[start + 2],
      day: b[start + 3],
      hours: b[start + 4],
      minutes: b[start + 5],
      seconds: b[start + 6],
      deciSeconds: b[start + 7],
      utcDirection: direction as '+' | '-',
      utcHours: b[start + 9],
      utcMinutes: b[start + 10],
    };
  }

  private withLanguage(start: number, length: number, name: string | undefined) {
    const end = start + length;
    const bad = () => this.fail(`inner lengths of "${name}" do not add up to ${length}`, { offset: start });
    if (length < 4) bad();
    const languageLength = this.buf.readUInt16BE(start);
    if (start + 2 + languageLength + 2 > end) bad();
    const textLength = this.buf.readUInt16BE(start + 2 + languageLength);
    if (start + 4 + languageLength + textLength !== end) bad();
    return {
      language: this.buf.toString('utf8', start + 2, start + 2 + languageLength),
      text: this.buf.toString('utf8', start + 4 + languageLength, end),
    };
  }

  /** Members up to the matching endCollection; `depth` is this collection's nesting level (1 = outermost). */
  private collection(depth: number, name: string | undefined): IppAttribute[] {
    if (depth > this.limits.maxDepth) {
      this.fail(`collection "${name}" is nested deeper than ${this.limits.maxDepth} levels`, {
        offset: this.pos,
      });
    }
    const members: IppAttribute[] = [];
    let member: IppAttribute | undefined;
    for (;;) {
      const tagOffset = this.pos;
      const tag = this.u8(`member of collection "${name}"`);
      if (isDelimiterTag(tag)) this.fail(`collection "${name}" is not closed`, { offset: tagOffset });
      const nameLength = this.length('name');
      if (nameLength !== 0) {
        this.fail(`collection "${name}" holds a named attribute instead of a member`, { offset: tagOffset });
      }
      const valueLength = this.length('value');
      const closesMember = tag === IppTag.EndCollection || tag === IppTag.MemberAttrName;
      if (member && member.values.length === 0 && closesMember) {
        this.fail(`member "${member.name}" of "${name}" has no value`, { offset: tagOffset });
      }
      if (tag === IppTag.EndCollection) {
        this.need(valueLength, 'endCollection');
        this.pos += valueLength;
        return members;
      }
      if (tag === IppTag.MemberAttrName) {
        this.need(valueLength, 'memberAttrName');
        const memberName = this.string(valueLength);
        if (!memberName) this.fail(`empty member name in collection "${name}"`, { offset: tagOffset });
        member = { name: memberName, values: [] };
        members.push(member);
        this.countAttribute();
        continue;
      }
      if (!member) this.fail(`value in collection "${name}" without a memberAttrName`, { offset: tagOffset });
      member.values.push(this.value(tag, valueLength, depth + 1, member.name));
      this.countValue();
    }
  }

  private countAttribute(): void {
    if (++this.attributes > this.limits.maxAttributes) {
      this.fail(`more than ${this.limits.maxAttributes} attributes`, {
        ippStatus: IppStatus.ClientErrorRequestEntityTooLarge,
      });
    }
  }

  private countValue(): void {
    if (++this.values > this.limits.maxValues) {
      this.fail(`more than ${this.limits.maxValues} values`, {
        ippStatus: IppStatus.ClientErrorRequestEntityTooLarge,
      });
    }
  }

  private u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++];
  }

  /** A name-length or value-length field: SIGNED-SHORT, so 0x8000 and above are negative and invalid. */
  private length(what: string): number {
    this.need(2, `${what} length`);
    const length = this.buf.readUInt16BE(this.pos);
    if (length > IPP_MAX_LENGTH) this.fail(`${what} length ${length} is over ${IPP_MAX_LENGTH}`);
    this.pos += 2;
    return length;
  }

  private string(length: number): string {
    this.need(length, 'name');
    const text = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return text;
  }

  private need(count: number, what: string): void {
    const end = this.pos + count;
    if (end > this.limits.maxBytes) {
      this.fail(`attribute section is larger than ${this.limits.maxBytes} bytes`, {
        ippStatus: IppStatus.ClientErrorRequestEntityTooLarge,
      });
    }
    if (end > this.buf.length) {
      this.fail(`truncated: ${what} needs ${count} bytes, ${this.buf.length - this.pos} left`, {
        truncated: true,
      });
    }
  }

  private fail(
    message: string,
    options: { offset?: number; ippStatus?: number; truncated?: boolean } = {},
  ): never {
    throw new IppParseError(message, {
      offset: options.offset ?? this.pos,
      ippStatus: options.ippStatus,
      truncated: options.truncated,
      header: this.header,
    });
  }
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
