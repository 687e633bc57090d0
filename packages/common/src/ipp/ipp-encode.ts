/**
 * Encodes IPP messages (RFC 8010): sizes the whole message first, then writes it into one buffer, so a large
 * Get-Printer-Attributes answer costs one allocation and no intermediate copies.
 *
 * Values that cannot be encoded (a string over 32767 bytes, a name on a collection member value) are
 * programming errors in the caller and throw a QuireError with code INTERNAL naming the attribute.
 */
import { ErrorCode, QuireError } from '../errors';
import { IPP_MAX_LENGTH } from './ipp-decode';
import { type IppAttribute, type IppMessage, type IppValue } from './ipp-message';
import { IppTag } from './ipp-types';

/** Encode a message, optionally followed by document data (for requests). */
export function encodeIppMessage(message: IppMessage, data?: Buffer): Buffer {
  const writer = new SizingWriter();
  writeMessage(writer, message);
  const out = new BufferWriter(Buffer.allocUnsafe(writer.size + (data?.length ?? 0)));
  writeMessage(out, message);
  if (data) data.copy(out.buf, out.pos);
  return out.buf;
}

interface Writer {
  u8(value: number): void;
  u16(value: number): void;
  i32(value: number): void;
  bytes(value: Buffer | string): void;
}

class SizingWriter implements Writer {
  size = 0;
  u8(): void {
    this.size += 1;
  }
  u16(): void {
    this.size += 2;
  }
  i32(): void {
    this.size += 4;
  }
  bytes(value: Buffer | string): void {
    this.size += typeof value === 'string' ? Buffer.byteLength(value) : value.length;
  }
}

class BufferWriter implements Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  u8(value: number): void {
    this.buf[this.pos++] = value & 0xff;
  }
  u16(value: number): void {
    this.buf.writeUInt16BE(value, this.pos);
    this.pos += 2;
  }
  i32(value: number): void {
    this.buf.writeInt32BE(value, this.pos);
    this.pos += 4;
  }
  bytes(value: Buffer | string): void {
    this.pos += typeof value === 'string' ? this.buf.write(value, this.pos) : value.copy(this.buf, this.pos);
  }
}

function writeMessage(w: Writer, message: IppMessage): void {
  w.u8(message.version.major);
  w.u8(message.version.minor);
  w.u16(message.code);
  w.i32(message.requestId);
  for (const group of message.groups) {
    w.u8(group.tag);
    for (const attribute of group.attributes) writeAttribute(w, attribute);
  }
  w.u8(IppTag.EndOfAttributes);
}

function writeAttribute(w: Writer, attribute: IppAttribute): void {
  if (attribute.values.length === 0) fail(attribute.name, 'has no values');
  attribute.values.forEach((value, index) => writeValue(w, index === 0 ? attribute.name : '', value));
}

function lengthOf(value: Buffer | string): number {
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

function writeLengthPrefixed(w: Writer, value: Buffer | string, what: string): void {
  const length = lengthOf(value);
  if (length > IPP_MAX_LENGTH) fail(what, `is ${length} bytes, over ${IPP_MAX_LENGTH}`);
  w.u16(length);
  w.bytes(value);
}

function writeValue(w: Writer, name: string, value: IppValue): void {
  w.u8(value.tag);
  writeLengthPrefixed(w, name, name || 'additional value');
  const label = name || 'additional value';
  switch (value.kind) {
    case 'integer':
      w.u16(4);
      w.i32(value.value);
      return;
    case 'boolean':
      w.u16(1);
      w.u8(value.value ? 1 : 0);
      return;
    case 'string':
    case 'octets':
    case 'outOfBand':
      writeLengthPrefixed(w, value.value, label);
      return;
    case 'dateTime': {
      const d = value.value;
      w.u16(11);
      w.u16(d.year);
      for (const byte of [d.month, d.day, d.hours, d.minutes, d.seconds, d.deciSeconds]) w.u8(byte);
      w.u8(d.utcDirection.charCodeAt(0));
      w.u8(d.utcHours);
      w.u8(d.utcMinutes);
      return;
    }
    case 'resolution':
      w.u16(9);
      w.i32(value.value.crossFeed);
      w.i32(value.value.feed);
      w.u8(value.value.units);
      return;
    case 'range':
      w.u16(8);
      w.i32(value.value.lower);
      w.i32(value.value.upper);
      return;
    case 'withLanguage': {
      const { language, text } = value.value;
      const length = 4 + lengthOf(language) + lengthOf(text);
      if (length > IPP_MAX_LENGTH) fail(label, `is ${length} bytes, over ${IPP_MAX_LENGTH}`);
      w.u16(length);
      writeLengthPrefixed(w, language, label);
      writeLengthPrefixed(w, text, label);
      return;
    }
    case 'collection':
      w.u16(0);
      writeCollectionMembers(w, value.value);
      return;
  }
}

/** Members as memberAttrName + value(s), then endCollection (RFC 8010 section 3.1.6). */
function writeCollectionMembers(w: Writer, members: IppAttribute[]): void {
  for (const member of members) {
    if (member.values.length === 0) fail(member.name, 'is a collection member without values');
    w.u8(IppTag.MemberAttrName);
    w.u16(0);
    writeLengthPrefixed(w, member.name, member.name);
    for (const value of member.values) writeValue(w, '', value);
  }
  w.u8(IppTag.EndCollection);
  w.u16(0);
  w.u16(0);
}

function fail(what: string, problem: string): never {
  throw new QuireError(ErrorCode.Internal, `cannot encode IPP attribute "${what}": it ${problem}`);
}
