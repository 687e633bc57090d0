/**
 * Writes PCL XL byte streams in either binding, token by token, with a few page-level helpers. Tests use it to
 * build exact inputs for the analyser (every tag spelled out, no renderer in between), and benchmarks to
 * synthesise jobs of any size quickly. It writes what it is told: it does not check the operator sequence.
 */
import {
  Attr,
  BINDING_BIG_ENDIAN,
  BINDING_LITTLE_ENDIAN,
  ELEMENT_SIZE,
  ELEMENT_UBYTE,
  ELEMENT_UINT16,
  ELEMENT_UINT32,
  Op,
  TAG_ARRAY_FIRST,
  TAG_ATTR_UBYTE,
  TAG_ATTR_UINT16,
  TAG_BOX_FIRST,
  TAG_DATA_LENGTH,
  TAG_DATA_LENGTH_BYTE,
  TAG_UBYTE,
  TAG_XY_FIRST,
} from './pclxl-tags';

/** What a helper-built page declares at BeginPage. */
export interface WriterPageOptions {
  /** MediaSize enumeration value (eLetterPaper 0, eA4Paper 2, eA3Paper 5, ...) or a name (`"A4"`). */
  media?: number | string;
  /** Simplex, or duplex with DuplexPageMode (0 horizontal binding, 1 vertical binding). */
  duplexMode?: 'simplex' | 0 | 1;
  orientation?: number;
  /** PageCopies at EndPage. */
  copies?: number;
}

/** Accumulates one PCL XL stream. */
export class PclXlWriter {
  private readonly parts: Buffer[] = [];

  constructor(readonly bigEndian = false) {}

  /** The stream header line, with this writer's binding. */
  header(protocol = '2;0'): this {
    const binding = String.fromCharCode(this.bigEndian ? BINDING_BIG_ENDIAN : BINDING_LITTLE_ENDIAN);
    return this.raw(Buffer.from(`${binding} HP-PCL XL;${protocol};Comment quire test\n`, 'latin1'));
  }

  /** Bytes written as they are (PJL, UEL, deliberately broken data). */
  raw(bytes: Uint8Array | string): this {
    this.parts.push(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes));
    return this;
  }

  private elements(type: number, values: number[]): Buffer {
    const size = ELEMENT_SIZE[type];
    const out = Buffer.alloc(values.length * size);
    const be = this.bigEndian;
    const writers: ((v: number, at: number) => number)[] = [
      (v, at) => out.writeUInt8(v, at),
      (v, at) => (be ? out.writeUInt16BE(v, at) : out.writeUInt16LE(v, at)),
      (v, at) => (be ? out.writeUInt32BE(v, at) : out.writeUInt32LE(v, at)),
      (v, at) => (be ? out.writeInt16BE(v, at) : out.writeInt16LE(v, at)),
      (v, at) => (be ? out.writeInt32BE(v, at) : out.writeInt32LE(v, at)),
      (v, at) => (be ? out.writeFloatBE(v, at) : out.writeFloatLE(v, at)),
    ];
    values.forEach((v, i) => writers[type](v, i * size));
    return out;
  }

  /** A scalar value of element `type`. */
  value(type: number, v: number): this {
    return this.raw(Buffer.concat([Buffer.of(TAG_UBYTE + type), this.elements(type, [v])]));
  }

  ubyte(v: number): this {
    return this.value(ELEMENT_UBYTE, v);
  }

  uint16(v: number): this {
    return this.value(ELEMENT_UINT16, v);
  }

  /** An xy pair of element `type`. */
  xy(type: number, x: number, y: number): this {
    return this.raw(Buffer.concat([Buffer.of(TAG_XY_FIRST + type), this.elements(type, [x, y])]));
  }

  /** A box of element `type`. */
  box(type: number, values: [number, number, number, number]): this {
    return this.raw(Buffer.concat([Buffer.of(TAG_BOX_FIRST + type), this.elements(type, values)]));
  }

  /** An array of element `type`, its length as a ubyte (short arrays) or uint16. */
  array(type: number, values: number[], wideLength = values.length > 255): this {
    const length = wideLength ? this.elements(ELEMENT_UINT16, [values.length]) : Buffer.of(values.length);
    const lengthTag = TAG_UBYTE + (wideLength ? ELEMENT_UINT16 : ELEMENT_UBYTE);
    return this.raw(
      Buffer.concat([Buffer.of(TAG_ARRAY_FIRST + type, lengthTag), length, this.elements(type, values)]),
    );
  }

  /** A ubyte array holding `text` (names, MediaType, StreamName). */
  text(text: string): this {
    return this.array(ELEMENT_UBYTE, [...Buffer.from(text, 'latin1')]);
  }

  /** The attribute id for the value just written: `0xF8 id`, or `0xF9 id16` when `wide`. */
  attr(id: number, wide = id > 255): this {
    if (!wide) return this.raw(Buffer.of(TAG_ATTR_UBYTE, id));
    return this.raw(Buffer.concat([Buffer.of(TAG_ATTR_UINT16), this.elements(ELEMENT_UINT16, [id])]));
  }

  /** An operator byte. */
  op(code: number): this {
    return this.raw(Buffer.of(code));
  }

  /** Embedded data: `0xFB` with a ubyte length when short (unless `wide`), else `0xFA` with a uint32 length. */
  data(bytes: Uint8Array, wide = bytes.length > 255): this {
    const head = wide
      ? Buffer.concat([Buffer.of(TAG_DATA_LENGTH), this.elements(ELEMENT_UINT32, [bytes.length])])
      : Buffer.of(TAG_DATA_LENGTH_BYTE, bytes.length);
    return this.raw(Buffer.concat([head, Buffer.from(bytes)]));
  }

  /** BeginSession with the usual measure attributes, as drivers write it. */
  beginSession(): this {
    return this.xy(ELEMENT_UINT16, 600, 600)
      .attr(Attr.UnitsPerMeasure)
      .ubyte(0)
      .attr(Attr.Measure)
      .ubyte(0)
      .attr(Attr.ErrorReport)
      .op(Op.BeginSession);
  }

  endSession(): this {
    return this.op(Op.EndSession);
  }

  /** BeginPage with the given media, orientation and duplex mode. */
  beginPage(options: WriterPageOptions = {}): this {
    this.ubyte(options.orientation ?? 0).attr(Attr.Orientation);
    if (typeof options.media === 'string') this.text(options.media).attr(Attr.MediaSize);
    else if (options.media !== undefined) this.ubyte(options.media).attr(Attr.MediaSize);
    if (options.duplexMode === 'simplex') this.ubyte(0).attr(Attr.SimplexPageMode);
    else if (options.duplexMode !== undefined) {
      this.ubyte(options.duplexMode).attr(Attr.DuplexPageMode).ubyte(0).attr(Attr.DuplexPageSide);
    }
    return this.op(Op.BeginPage);
  }

  /** EndPage, with PageCopies when given. */
  endPage(copies?: number): this {
    if (copies !== undefined) this.uint16(copies).attr(Attr.PageCopies);
    return this.op(Op.EndPage);
  }

  /** SetColorSpace eGray (1) or eRGB (2), with an optional palette. */
  colourSpace(space: number, palette?: number[]): this {
    this.ubyte(space).attr(Attr.ColorSpace);
    if (palette) this.ubyte(2).attr(Attr.PaletteDepth).array(ELEMENT_UBYTE, palette).attr(Attr.PaletteData);
    return this.op(Op.SetColorSpace);
  }

  /** SetBrushSource with an 8-bit RGB colour. */
  rgbBrush(r: number, g: number, b: number): this {
    return this.array(ELEMENT_UBYTE, [r, g, b]).attr(Attr.RGBColor).op(Op.SetBrushSource);
  }

  /** SetBrushSource with an 8-bit grey level. */
  greyBrush(level: number): this {
    return this.ubyte(level).attr(Attr.GrayLevel).op(Op.SetBrushSource);
  }

  /** Rectangle: paints a box with the current brush and pen. */
  rectangle(): this {
    return this.box(ELEMENT_UINT16, [100, 100, 400, 400]).attr(Attr.BoundingBox).op(Op.Rectangle);
  }

  /** The stream so far. */
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}
