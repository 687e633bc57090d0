/**
 * A push tokenizer for the PCL XL binary stream: it takes the job in chunks of any size and reports operators
 * (with the attributes that preceded them) and embedded data blocks to a handler, never holding more than one
 * token's fixed part (at most 17 bytes) and one small array across chunk boundaries.
 *
 * Grammar (XL Feature Reference 2.0, ch. 3; ghostpcl `pxparse.c`): a stream header line `) HP-PCL XL;2;0;...\n`
 * whose first byte is the binding (`(` big-endian, `)` little-endian, `'` ASCII, which no printer implements and
 * we refuse), then tokens:
 * - a data value (a scalar, xy pair, box or array tag with its elements; arrays carry a ubyte or uint16 length)
 *   followed by an attribute tag (`0xF8 id` or `0xF9 id16`) makes one attribute;
 * - an operator byte (0x40..0xBF) consumes the attributes before it, known or not;
 * - embedded data (`0xFA` uint32 length, `0xFB` ubyte length) follows reading operators and is passed through
 *   without buffering;
 * - white space is ignored; `ESC%-12345X` (UEL) ends the language, and the tokenizer then looks for the header
 *   of a following XL stream, so a spool file holding several jobs is read whole.
 * Anything else (a reserved tag, a value without its attribute id) means the data is broken or out of step: the
 * tokenizer stops and says where, because every byte after it would be misread.
 */
import {
  BINDING_ASCII,
  BINDING_BIG_ENDIAN,
  BINDING_LITTLE_ENDIAN,
  ELEMENT_SIZE,
  ELEMENT_UBYTE,
  OPERATOR_FIRST,
  OPERATOR_LAST,
  TAG_ARRAY_FIRST,
  TAG_ARRAY_LAST,
  TAG_ATTR_UBYTE,
  TAG_ATTR_UINT16,
  TAG_BOX_FIRST,
  TAG_BOX_LAST,
  TAG_DATA_LENGTH,
  TAG_DATA_LENGTH_BYTE,
  TAG_ESC,
  TAG_REAL32,
  TAG_UBYTE,
  TAG_XY_FIRST,
  TAG_XY_LAST,
  isWhiteSpace,
} from './pclxl-tags';
import { AttributeList, XlValue, readElement } from './pclxl-values';

/** What the tokenizer reports. Data views are only valid during the call: keep a copy if needed. */
export interface TokenHandler {
  header(bigEndian: boolean): void;
  operator(tag: number, attributes: AttributeList): void;
  dataStart(length: number): void;
  /** Embedded data bytes `bytes[start..end)`. */
  data(bytes: Uint8Array, start: number, end: number): void;
  dataEnd(): void;
  languageEnd(): void;
}

type State = 'interlude' | 'header' | 'tokens' | 'collect' | 'skip' | 'data' | 'failed';

const HEADER_MARK = Buffer.from(' HP-PCL XL', 'latin1');
const UEL = Buffer.from('\x1b%-12345X', 'latin1');
const MAX_HEADER_BYTES = 1024;
const NEED_MORE = -1;

const EMPTY = new Uint8Array(0);

function isBinding(byte: number): boolean {
  return byte === BINDING_ASCII || byte === BINDING_BIG_ENDIAN || byte === BINDING_LITTLE_ENDIAN;
}

/** Where the next stream header (binding byte, then ` HP-PCL XL`) starts at or after `from`, or -1. */
function findHeader(view: Buffer, from: number): number {
  let search = from + 1;
  for (;;) {
    const mark = view.indexOf(HEADER_MARK, search);
    if (mark < 0) return -1;
    if (isBinding(view[mark - 1])) return mark - 1;
    search = mark + 1;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Tokenizes one PCL XL byte stream; see the file comment for the grammar. */
export class PclXlTokenizer {
  /** Why tokenizing stopped early, or null. */
  failure: string | null = null;
  /** Stream headers seen: 0 means the data held no PCL XL at all. */
  headers = 0;
  private state: State = 'interlude';
  private bigEndian = false;
  private readonly attributes = new AttributeList();
  /** The value being read, until its attribute id arrives; `spare` is the object the next value fills. */
  private pending: XlValue | null = null;
  private spare = new XlValue();
  private remaining = 0;
  private collected: Uint8Array | null = null;
  private collectedAt = 0;
  private carry: Uint8Array | null = null;
  private headerBytes: number[] = [];
  private tail: Uint8Array = EMPTY;
  private base = 0;

  /** `arrayCap`: the longest array (in bytes) whose contents are kept; longer ones are skipped. */
  constructor(
    private readonly handler: TokenHandler,
    private readonly arrayCap: number,
  ) {}

  /** True until the data turned out broken (see `failure`) or `stop` was called. */
  get running(): boolean {
    return this.state !== 'failed';
  }

  /** Stops tokenizing: the handler found the operator sequence broken. */
  stop(reason: string): void {
    if (this.state === 'failed') return;
    this.failure = reason;
    this.state = 'failed';
  }

  /** Tokenizes the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    let pos = 0;
    if (this.carry) pos = this.resumeCarry(chunk);
    while (pos < chunk.length && this.state !== 'failed') {
      pos = this.step(chunk, pos);
    }
    this.base += chunk.length;
  }

  /** Says what was cut off when the stream ended here, or null when it ended between tokens. */
  finish(): string | null {
    if (this.state === 'failed') return null;
    if (this.state === 'header') return 'the data ends inside the PCL XL stream header';
    if (this.state === 'collect' || this.state === 'skip') return 'the data ends inside an attribute array';
    if (this.state === 'data') return `embedded data runs ${this.remaining} bytes past the end of the job`;
    if (this.carry) return 'the data ends inside a PCL XL token';
    if (this.pending) return 'the data ends with a value that no attribute id follows';
    return null;
  }

  private step(chunk: Uint8Array, pos: number): number {
    switch (this.state) {
      case 'tokens':
        return this.tokens(chunk, pos);
      case 'collect': {
        const n = Math.min(this.remaining, chunk.length - pos);
        this.collected?.set(chunk.subarray(pos, pos + n), this.collectedAt);
        this.collectedAt += n;
        this.remaining -= n;
        if (this.remaining === 0) this.endArray();
        return pos + n;
      }
      case 'skip': {
        const n = Math.min(this.remaining, chunk.length - pos);
        this.remaining -= n;
        if (this.remaining === 0) this.endArray();
        return pos + n;
      }
      case 'data': {
        const n = Math.min(this.remaining, chunk.length - pos);
        this.remaining -= n;
        this.handler.data(chunk, pos, pos + n);
        if (this.remaining === 0 && this.state === 'data') this.endData();
        return pos + n;
      }
      case 'header':
        return this.header(chunk, pos);
      case 'interlude':
        return this.interlude(chunk, pos);
      default:
        return chunk.length;
    }
  }

  /** Parses tokens until the chunk ends, a token straddles its end, or a payload state begins. */
  private tokens(chunk: Uint8Array, start: number): number {
    let pos = start;
    const end = chunk.length;
    while (pos < end && this.state === 'tokens') {
      const tag = chunk[pos];
      // Fast paths for the commonest tokens (most of a dense page is `value attribute ... operator`).
      if (tag === TAG_ATTR_UBYTE && pos + 1 < end && this.pending) {
        this.spare = this.attributes.put(chunk[pos + 1], this.pending);
        this.pending = null;
        pos += 2;
        continue;
      }
      if (tag === TAG_UBYTE && pos + 1 < end && !this.pending) {
        const value = this.spare;
        value.fixed(ELEMENT_UBYTE, 1, this.bigEndian);
        value.numbers[0] = chunk[pos + 1];
        this.pending = value;
        pos += 2;
        continue;
      }
      const next = this.token(chunk, pos);
      if (next === NEED_MORE) {
        // A copy, not a view: the caller reuses its read buffer (and Buffer#slice does not copy).
        this.carry = new Uint8Array(chunk.subarray(pos));
        return end;
      }
      pos = next;
    }
    return pos;
  }

  /**
   * Finishes the token that straddled the previous chunk's end: a window of the carried bytes and the start of
   * this chunk holds it whole, since fixed parts are at most 17 bytes. Returns where to continue in `chunk`.
   */
  private resumeCarry(chunk: Uint8Array): number {
    const carry = this.carry as Uint8Array;
    this.carry = null;
    const window = new Uint8Array(carry.length + Math.min(chunk.length, 32));
    window.set(carry);
    window.set(chunk.subarray(0, window.length - carry.length), carry.length);
    this.base -= carry.length;
    const next = this.token(window, 0);
    this.base += carry.length;
    if (next === NEED_MORE) {
      this.carry = window;
      return chunk.length;
    }
    return next - carry.length;
  }

  /** Parses one token at `pos`; returns the position after it, or NEED_MORE without side effects. */
  private token(buf: Uint8Array, pos: number): number {
    const tag = buf[pos];
    if (tag >= OPERATOR_FIRST && tag <= OPERATOR_LAST) {
      if (this.pending) {
        return this.fail(pos, 'a value is followed by an operator instead of an attribute id');
      }
      this.handler.operator(tag, this.attributes);
      this.attributes.clear();
      return pos + 1;
    }
    if (tag >= TAG_UBYTE && tag <= TAG_REAL32) return this.fixedValue(buf, pos, 1);
    if (tag >= TAG_XY_FIRST && tag <= TAG_XY_LAST) return this.fixedValue(buf, pos, 2);
    if (tag >= TAG_BOX_FIRST && tag <= TAG_BOX_LAST) return this.fixedValue(buf, pos, 4);
    if (tag >= TAG_ARRAY_FIRST && tag <= TAG_ARRAY_LAST) return this.arrayHeader(buf, pos);
    if (tag === TAG_ATTR_UBYTE || tag === TAG_ATTR_UINT16) return this.attributeId(buf, pos);
    if (tag === TAG_DATA_LENGTH || tag === TAG_DATA_LENGTH_BYTE) return this.dataHeader(buf, pos);
    if (isWhiteSpace(tag)) return pos + 1;
    if (tag === TAG_ESC) return this.escape(buf, pos);
    return this.fail(pos, `unknown tag 0x${tag.toString(16).padStart(2, '0')}`);
  }

  private fixedValue(buf: Uint8Array, pos: number, count: number): number {
    const type = buf[pos] & 0x07;
    const size = ELEMENT_SIZE[type];
    if (pos + 1 + count * size > buf.length) return NEED_MORE;
    if (this.pending) return this.fail(pos, 'two values in a row without an attribute id');
    const value = this.spare;
    value.fixed(type, count, this.bigEndian);
    for (let i = 0; i < count; i += 1) {
      value.numbers[i] = readElement(buf, pos + 1 + i * size, type, this.bigEndian);
    }
    this.pending = value;
    return pos + 1 + count * size;
  }

  private arrayHeader(buf: Uint8Array, pos: number): number {
    if (pos + 2 > buf.length) return NEED_MORE;
    const lengthTag = buf[pos + 1];
    if (lengthTag !== TAG_UBYTE && lengthTag !== TAG_UBYTE + 1) {
      return this.fail(pos, 'an array length is neither a ubyte nor a uint16');
    }
    const headerLength = lengthTag === TAG_UBYTE ? 3 : 4;
    if (pos + headerLength > buf.length) return NEED_MORE;
    if (this.pending) return this.fail(pos, 'two values in a row without an attribute id');
    const type = buf[pos] & 0x07;
    const count = readElement(buf, pos + 2, lengthTag & 0x07, this.bigEndian);
    const byteLength = count * ELEMENT_SIZE[type];
    const keep = byteLength <= this.arrayCap;
    this.collected = this.spare.array(type, count, this.bigEndian, keep);
    this.collectedAt = 0;
    this.pending = this.spare;
    const payload = pos + headerLength;
    if (keep && payload + byteLength <= buf.length) {
      // The whole (small) array is at hand: copy it here rather than through the collect state.
      const bytes = this.collected as Uint8Array;
      for (let i = 0; i < byteLength; i += 1) bytes[i] = buf[payload + i];
      this.collected = null;
      return payload + byteLength;
    }
    this.remaining = byteLength;
    if (byteLength === 0) this.endArray();
    else this.state = keep ? 'collect' : 'skip';
    return payload;
  }

  private endArray(): void {
    this.collected = null;
    this.state = 'tokens';
  }

  private attributeId(buf: Uint8Array, pos: number): number {
    const wide = buf[pos] === TAG_ATTR_UINT16;
    const length = wide ? 3 : 2;
    if (pos + length > buf.length) return NEED_MORE;
    if (!this.pending) return this.fail(pos, 'an attribute id has no value before it');
    const id = wide ? readElement(buf, pos + 1, 1, this.bigEndian) : buf[pos + 1];
    this.spare = this.attributes.put(id, this.pending);
    this.pending = null;
    return pos + length;
  }

  private dataHeader(buf: Uint8Array, pos: number): number {
    const wide = buf[pos] === TAG_DATA_LENGTH;
    const length = wide ? 5 : 2;
    if (pos + length > buf.length) return NEED_MORE;
    if (this.pending) {
      return this.fail(pos, 'a value is followed by embedded data instead of an attribute id');
    }
    this.remaining = wide ? readElement(buf, pos + 1, 2, this.bigEndian) : buf[pos + 1];
    this.state = 'data';
    this.handler.dataStart(this.remaining);
    if (this.remaining === 0 && this.state === 'data') this.endData();
    return pos + length;
  }

  private endData(): void {
    this.state = 'tokens';
    this.handler.dataEnd();
  }

  private escape(buf: Uint8Array, pos: number): number {
    const available = Math.min(UEL.length, buf.length - pos);
    const seen = asBuffer(buf).subarray(pos, pos + available);
    if (!seen.equals(UEL.subarray(0, available))) {
      return this.fail(pos, 'an escape sequence other than UEL inside PCL XL');
    }
    if (available < UEL.length) return NEED_MORE;
    if (this.pending) return this.fail(pos, 'the language ends after a value without an attribute id');
    this.attributes.clear();
    this.state = 'interlude';
    this.handler.languageEnd();
    return pos + UEL.length;
  }

  /**
   * Between streams (before the first, after a UEL): looks for the next stream header, skipping PJL. The last
   * bytes of each chunk are kept, since a header may straddle two chunks.
   */
  private interlude(chunk: Uint8Array, pos: number): number {
    const previous = this.tail;
    this.tail = EMPTY;
    if (previous.length > 0) {
      const window = Buffer.concat([previous, chunk.subarray(pos, pos + HEADER_MARK.length)]);
      const at = findHeader(window, 0);
      if (at >= 0 && at < previous.length) {
        this.state = 'header';
        this.headerBytes = Array.from(window.subarray(at, previous.length));
        return pos;
      }
    }
    const at = findHeader(asBuffer(chunk), pos);
    if (at >= 0) {
      this.state = 'header';
      this.headerBytes = [];
      return at;
    }
    const seen = Buffer.concat([previous, chunk.subarray(Math.max(pos, chunk.length - HEADER_MARK.length))]);
    this.tail = seen.subarray(Math.max(0, seen.length - HEADER_MARK.length));
    return chunk.length;
  }

  private header(chunk: Uint8Array, pos: number): number {
    let at = pos;
    while (at < chunk.length && chunk[at] !== 0x0a) {
      this.headerBytes.push(chunk[at]);
      at += 1;
      if (this.headerBytes.length > MAX_HEADER_BYTES) {
        return this.fail(at, 'the stream header line never ends');
      }
    }
    if (at === chunk.length) return at;
    const binding = this.headerBytes[0];
    this.headerBytes = [];
    if (binding === BINDING_ASCII) {
      return this.fail(at, 'the stream uses the ASCII binding, which PCL XL printers do not implement');
    }
    this.bigEndian = binding === BINDING_BIG_ENDIAN;
    this.headers += 1;
    this.state = 'tokens';
    this.handler.header(this.bigEndian);
    return at + 1;
  }

  private fail(pos: number, reason: string): number {
    this.stop(`${reason} at byte ${this.base + pos}`);
    return pos + 1;
  }
}
