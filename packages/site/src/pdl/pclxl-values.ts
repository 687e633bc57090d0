/**
 * PCL XL attribute values as the tokenizer hands them to the interpreter: scalars, xy pairs, boxes and arrays of
 * the six element types, in the byte order of the stream's binding. Arrays keep their raw bytes (decoded on
 * demand) only up to a size cap, so a hostile 256 KB array costs nothing: its value says how long it was.
 */
import {
  ELEMENT_REAL32,
  ELEMENT_SINT16,
  ELEMENT_SINT32,
  ELEMENT_SIZE,
  ELEMENT_UBYTE,
  ELEMENT_UINT16,
  ELEMENT_UINT32,
} from './pclxl-tags';

const float32 = new DataView(new ArrayBuffer(4));

/** Reads one element of `type` at `pos` in the given byte order. The caller has checked the bounds. */
export function readElement(buf: Uint8Array, pos: number, type: number, bigEndian: boolean): number {
  switch (type) {
    case ELEMENT_UBYTE:
      return buf[pos];
    case ELEMENT_UINT16:
    case ELEMENT_SINT16: {
      const v = bigEndian ? (buf[pos] << 8) | buf[pos + 1] : buf[pos] | (buf[pos + 1] << 8);
      return type === ELEMENT_SINT16 && v >= 0x8000 ? v - 0x10000 : v;
    }
    default: {
      const u = bigEndian
        ? ((buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]) >>> 0
        : (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
      if (type === ELEMENT_UINT32) return u;
      if (type === ELEMENT_SINT32) return u | 0;
      float32.setUint32(0, u);
      return float32.getFloat32(0);
    }
  }
}

/**
 * One attribute value. Values are recycled (a stream may carry millions of them): one is only valid during the
 * operator call that receives it, so nothing may keep a reference to it or to its bytes.
 */
export class XlValue {
  /** Element type (ELEMENT_UBYTE .. ELEMENT_REAL32). */
  type = 0;
  /** Elements: 1 for a scalar, 2 for xy, 4 for a box, the declared length for an array. */
  count = 0;
  isArray = false;
  /** Scalar, xy and box elements (the first `count`). */
  readonly numbers = [0, 0, 0, 0];
  /** An array's raw elements (the first `count × element size` bytes), or null when it was longer than the cap. */
  bytes: Uint8Array | null = null;
  bigEndian = false;
  private storage = new Uint8Array(16);

  /** Makes this value an array of `count` elements of `type`; `keep` reserves room for its bytes. */
  array(type: number, count: number, bigEndian: boolean, keep: boolean): Uint8Array | null {
    this.setShape(type, count, true, bigEndian);
    const byteLength = count * ELEMENT_SIZE[type];
    if (!keep) return (this.bytes = null);
    if (this.storage.length < byteLength) {
      this.storage = new Uint8Array(Math.max(byteLength, this.storage.length * 2));
    }
    return (this.bytes = this.storage);
  }

  /** Makes this value a scalar (1), xy pair (2) or box (4) of `type`; the caller fills `numbers`. */
  fixed(type: number, count: number, bigEndian: boolean): void {
    this.setShape(type, count, false, bigEndian);
    this.bytes = null;
  }

  private setShape(type: number, count: number, isArray: boolean, bigEndian: boolean): void {
    this.type = type;
    this.count = count;
    this.isArray = isArray;
    this.bigEndian = bigEndian;
  }
}

/** Element `index` of a value as a number, or null when the value does not hold it. */
export function valueNumber(value: XlValue | undefined, index = 0): number | null {
  if (!value || index >= value.count) return null;
  if (!value.isArray) return value.numbers[index];
  if (!value.bytes) return null;
  return readElement(value.bytes, index * ELEMENT_SIZE[value.type], value.type, value.bigEndian);
}

/** An unsigned integer scalar (enumerations, counts, ids), or null for anything else. */
export function valueInteger(value: XlValue | undefined): number | null {
  const n = valueNumber(value);
  if (n === null || value?.type === ELEMENT_REAL32 || !Number.isFinite(n)) return null;
  return n;
}

/** The value as a string: ubyte arrays are Latin-1 text, uint16 arrays UCS-2 (XL names and MediaType). */
export function valueString(value: XlValue | undefined): string | null {
  if (!value?.isArray || !value.bytes) return null;
  if (value.type === ELEMENT_UBYTE) {
    return Buffer.from(value.bytes.subarray(0, value.count)).toString('latin1').replace(/\0+$/, '');
  }
  if (value.type !== ELEMENT_UINT16) return null;
  let text = '';
  for (let i = 0; i < value.count; i += 1) text += String.fromCharCode(valueNumber(value, i) ?? 0);
  return text.replace(/\0+$/, '');
}

/**
 * How far apart (in 8-bit levels) the channels of a colour may be and still count as a neutral grey. Colour
 * management tints greys slightly: gs (pxlcolor) turns K-only CMYK 0 0 0 0.6 into RGB 128,130,133, and the drift
 * stays at most 5 levels across the whole K range; a real colour (even a dark green 0 0.3 0) differs by far more.
 */
export const NEUTRAL_TOLERANCE = 8;

/** True when 8-bit channels differ by more than the neutral tolerance. */
export function isColourful(r: number, g: number, b: number): boolean {
  return Math.max(r, g, b) - Math.min(r, g, b) > NEUTRAL_TOLERANCE;
}

/**
 * Element `index` of a colour value scaled to 0..255, the way a printer reads it: integers relative to their
 * type's maximum, reals as fractions of 1.
 */
export function scaledComponent(value: XlValue, index: number): number {
  const raw = valueNumber(value, index) ?? 0;
  const fraction = value.type === ELEMENT_REAL32 ? raw : raw / typeMaximum(value.type);
  return Math.round(Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * 255);
}

function typeMaximum(type: number): number {
  switch (type) {
    case ELEMENT_UBYTE:
      return 255;
    case ELEMENT_UINT16:
      return 65535;
    case ELEMENT_SINT16:
      return 32767;
    case ELEMENT_UINT32:
      return 0xffffffff;
    default:
      return 0x7fffffff;
  }
}

/**
 * The attributes that precede one operator, by 8-bit attribute id. Ids of 256 and up (the 16-bit attribute tag)
 * name nothing the analyser reads, so their values are dropped. The list owns its value objects and trades them
 * with the tokenizer (`put`), so that parsing allocates nothing per value.
 */
export class AttributeList {
  private readonly values: (XlValue | undefined)[] = new Array<XlValue | undefined>(256);
  private readonly present = new Uint8Array(256);
  private readonly ids = new Uint8Array(256);
  private size = 0;

  /** Stores `value` for attribute `id` (a later value for the same id wins) and returns a free value object. */
  put(id: number, value: XlValue): XlValue {
    if (id > 255) return value;
    const free = this.values[id] ?? new XlValue();
    this.values[id] = value;
    if (this.present[id] === 0) {
      this.present[id] = 1;
      this.ids[this.size++] = id;
    }
    return free;
  }

  /** The value of attribute `id`, if the operator was given one. */
  get(id: number): XlValue | undefined {
    return this.present[id] === 1 ? this.values[id] : undefined;
  }

  /** True when attribute `id` was given. */
  has(id: number): boolean {
    return this.present[id] === 1;
  }

  /** Forgets every attribute: each operator consumes the ones before it. */
  clear(): void {
    for (let i = 0; i < this.size; i += 1) this.present[this.ids[i]] = 0;
    this.size = 0;
  }
}
