/**
 * Reads an IPP request from a byte stream without buffering its document: the attribute section is collected
 * (bounded by the decode limits) and decoded, and the rest of the stream is handed on as a separate Readable
 * that pulls from the source only as fast as its consumer reads, so a 1 GB Print-Job costs the same memory as
 * a Get-Printer-Attributes.
 *
 * The document stream is a wrapper: destroying it (a spool that gives up) never destroys the source, so an
 * HTTP server can still answer with an IPP error on the same connection.
 */
import { Readable } from 'node:stream';
import {
  decodeIppHeader,
  decodeIppMessage,
  defaultIppDecodeLimits,
  IPP_MAX_LENGTH,
  type IppDecodeLimits,
} from './ipp-decode';
import { type IppMessage } from './ipp-message';
import { IppParseError } from './ipp-parse-error';
import { IppStatus, IppTag, isDelimiterTag } from './ipp-types';

/** A decoded request and the stream of document bytes that followed its attribute section. */
export interface IppStreamRead {
  message: IppMessage;
  document: Readable;
  /** Size of the attribute section, header and end tag included. */
  headerBytes: number;
}

/**
 * Read the attribute section of the IPP message at the start of `source`, then return it with the remaining
 * bytes as `document`. Throws `IppParseError` for malformed or oversized attribute sections and when the
 * source ends before end-of-attributes.
 */
export async function readIppMessage(
  source: Readable,
  limits: IppDecodeLimits = defaultIppDecodeLimits,
): Promise<IppStreamRead> {
  const iterator = source.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer | string>;
  const scanner = new AttributeSectionScanner(limits.maxBytes);
  try {
    let end = -1;
    while (end < 0 && !scanner.broken) {
      const next = await iterator.next();
      if (next.done) break;
      scanner.append(typeof next.value === 'string' ? Buffer.from(next.value) : next.value);
      end = scanner.scan();
    }
    if (end < 0) {
      // The stream ended first, or the scanner met a bad length: the decoder names the exact problem.
      decodeIppMessage(scanner.bytes(scanner.length), limits);
      throw new IppParseError('no end-of-attributes tag', { offset: scanner.length, truncated: true });
    }
    const { message } = decodeIppMessage(scanner.bytes(end), limits);
    const leftover = Buffer.from(scanner.bytes(scanner.length).subarray(end));
    const document = Readable.from(remainder(iterator, leftover), { objectMode: false });
    // A generator that never started skips its finally block, so release the source when the document closes.
    document.once('close', () => void iterator.return?.());
    return { message, document, headerBytes: end };
  } catch (err) {
    await iterator.return?.();
    throw err;
  }
}

async function* remainder(iterator: AsyncIterator<Buffer | string>, first: Buffer): AsyncGenerator<Buffer> {
  try {
    if (first.length > 0) yield first;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/**
 * Walks tag/length structure as bytes arrive to find end-of-attributes, resuming where it stopped, so the
 * whole search costs O(size) however the bytes are chunked. It checks only lengths; the decoder validates.
 */
class AttributeSectionScanner {
  private buf = Buffer.alloc(0);
  length = 0;
  private pos = 8;
  /** Set when a length field is invalid: scanning stops and the decoder reports the error. */
  broken = false;

  constructor(private readonly maxBytes: number) {}

  append(chunk: Buffer): void {
    if (this.length + chunk.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.length + chunk.length, this.buf.length * 2, 4096));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.length);
    this.length += chunk.length;
  }

  bytes(end: number): Buffer {
    return this.buf.subarray(0, end);
  }

  /** Offset just past end-of-attributes, or -1 when more bytes are needed. */
  scan(): number {
    while (!this.broken && this.pos < this.length) {
      const tag = this.buf[this.pos];
      if (tag === IppTag.EndOfAttributes) return this.pos + 1;
      const next = isDelimiterTag(tag) ? this.pos + 1 : this.skipAttribute();
      if (next < 0) break;
      this.pos = next;
    }
    if (this.broken) return -1;
    if (this.pos > this.maxBytes || this.length > this.maxBytes + 65536) this.tooLarge();
    return -1;
  }

  private skipAttribute(): number {
    const nameLength = this.u16(this.pos + 1);
    if (nameLength < 0) return -1;
    const valueLength = this.u16(this.pos + 3 + nameLength);
    if (valueLength < 0) return -1;
    const end = this.pos + 5 + nameLength + valueLength;
    return end <= this.length ? end : -1;
  }

  /** A length field, or -1 when not all here; a length over the maximum marks the section as broken. */
  private u16(offset: number): number {
    if (offset + 2 > this.length) return -1;
    const value = this.buf.readUInt16BE(offset);
    if (value > IPP_MAX_LENGTH) {
      this.broken = true;
      return -1;
    }
    return value;
  }

  private tooLarge(): never {
    throw new IppParseError(`attribute section is larger than ${this.maxBytes} bytes`, {
      offset: this.pos,
      ippStatus: IppStatus.ClientErrorRequestEntityTooLarge,
      header: decodeIppHeader(this.buf.subarray(0, this.length)),
    });
  }
}
