/**
 * The colour side of the PCL XL graphics state: colour space, palette, brush and pen, PushGS/PopGS, whether the
 * current path has any segment, and the colourfulness of downloaded raster patterns. The interpreter asks it, at
 * each painting operator, whether that paint puts colour on the page.
 *
 * The rule (what "colour page" means for PCL XL):
 * - a page is colour when something is painted on it with a colourful source: a brush or pen whose RGB value
 *   (RGBColor or PrimaryArray, scaled to 8 bits) has channels that differ by more than NEUTRAL_TOLERANCE levels,
 *   a palette entry likewise, a raster pattern with a colourful pixel, or an image with a colourful pixel (see
 *   pclxl-raster.ts);
 * - painting means PaintPath on a path with segments, Rectangle, RoundRectangle, Ellipse, Chord, Pie (brush and
 *   pen), Text and ScanLineRel (brush), and images: their pixels when the ROP3 uses the source, and the brush when
 *   it uses the pattern (gs draws text as 1-bit glyph images under ROP 0xFC, source OR brush, so the glyphs take
 *   the brush's colour); setting a colour without painting with it does not count;
 * - so SetColorSpace eRGB alone does not make a page colour: an RGB page painted only in neutral greys is mono.
 * BeginPage resets the graphics state (grey space, black brush and pen). SetColorSpace keeps the brush and pen,
 * as HP printers do (ghostpcl `pxink.c`, SET_COLOR_SPACE_NO_SET_BLACK).
 */
import type { RasterFormat } from './pclxl-raster';
import {
  Attr,
  COLOR_SPACE_GRAY,
  COLOR_SPACE_GRAY_SUB,
  DEFAULT_ROP3,
  MAPPING_INDEXED,
  PERSISTENCE_SESSION,
} from './pclxl-tags';
import { type AttributeList, type XlValue, isColourful, scaledComponent, valueInteger } from './pclxl-values';

/** What a brush or pen paints with. */
export type Paint =
  | { kind: 'none' }
  | { kind: 'neutral' }
  | { kind: 'colour' }
  | { kind: 'unknown' }
  | { kind: 'pattern'; id: number };

/** A palette: which entries are colourful, or null when its data was too large to keep. */
interface Palette {
  colourful: boolean[] | null;
}

interface GraphicsState {
  colourSpace: number;
  palette: Palette | null;
  brush: Paint;
  pen: Paint;
  pathHasSegments: boolean;
  rop: number;
}

interface PatternInfo {
  colour: boolean | null;
  session: boolean;
}

// Shared paint values: a brush is set for nearly every shape, so setting one must not allocate.
const NEUTRAL: Paint = { kind: 'neutral' };
const NONE: Paint = { kind: 'none' };
const COLOUR: Paint = { kind: 'colour' };
const UNKNOWN: Paint = { kind: 'unknown' };
const MAX_GS_DEPTH = 1024;
const MAX_PATTERNS = 65536;

function initialState(): GraphicsState {
  return {
    colourSpace: COLOR_SPACE_GRAY,
    palette: null,
    brush: NEUTRAL,
    pen: NEUTRAL,
    pathHasSegments: false,
    rop: DEFAULT_ROP3,
  };
}

function isGreySpace(space: number): boolean {
  return space === COLOR_SPACE_GRAY || space === COLOR_SPACE_GRAY_SUB;
}

/** Tracks the colour state of one PCL XL session. */
export class PaintTracker {
  private state = initialState();
  private readonly stack: GraphicsState[] = [];
  private overflow = 0;
  private readonly patterns = new Map<number, PatternInfo>();

  /** BeginPage: the graphics state starts afresh. */
  beginPage(): void {
    this.state = initialState();
    this.stack.length = 0;
    this.overflow = 0;
  }

  /** EndPage: temporary and page patterns go; session patterns stay. */
  endPage(): void {
    for (const [id, pattern] of this.patterns) if (!pattern.session) this.patterns.delete(id);
  }

  /** EndSession: every pattern goes. */
  endSession(): void {
    this.patterns.clear();
  }

  /** PushGS: saves the colour state. Absurd nesting is counted, not stored, so memory stays bounded. */
  pushState(): void {
    if (this.stack.length >= MAX_GS_DEPTH) this.overflow += 1;
    else this.stack.push({ ...this.state });
  }

  /** PopGS: restores the colour state saved by the matching PushGS. */
  popState(): void {
    if (this.overflow > 0) this.overflow -= 1;
    else this.state = this.stack.pop() ?? this.state;
  }

  /** SetColorSpace: the space, and the palette when PaletteData comes with it (or none). */
  setColourSpace(attributes: AttributeList): void {
    const space = valueInteger(attributes.get(Attr.ColorSpace));
    if (space !== null) this.state.colourSpace = space;
    const data = attributes.get(Attr.PaletteData);
    this.state.palette = data ? { colourful: this.paletteEntries(data) } : null;
  }

  private paletteEntries(data: XlValue): boolean[] | null {
    if (!data.isArray || !data.bytes) return null;
    // A grey palette has no colourful entry (an empty list reads as "not colourful" at every index).
    if (isGreySpace(this.state.colourSpace)) return [];
    const entries: boolean[] = [];
    for (let i = 0; i + 3 <= data.count; i += 3) {
      entries.push(
        isColourful(scaledComponent(data, i), scaledComponent(data, i + 1), scaledComponent(data, i + 2)),
      );
    }
    return entries;
  }

  /** SetBrushSource (`brush` true) or SetPenSource. */
  setSource(brush: boolean, attributes: AttributeList): void {
    const paint = this.sourcePaint(attributes, brush ? Attr.NullBrush : Attr.NullPen);
    if (!paint) return;
    if (brush) this.state.brush = paint;
    else this.state.pen = paint;
  }

  private sourcePaint(attributes: AttributeList, nullAttribute: number): Paint | null {
    if (attributes.has(nullAttribute)) return NONE;
    const pattern = valueInteger(attributes.get(Attr.PatternSelectID));
    if (attributes.has(Attr.PatternSelectID)) {
      return pattern === null ? UNKNOWN : { kind: 'pattern', id: pattern };
    }
    const rgb = attributes.get(Attr.RGBColor) ?? attributes.get(Attr.PrimaryArray);
    if (rgb) {
      if (rgb.count < 1 || rgb.count > 4 || (rgb.isArray && !rgb.bytes)) return UNKNOWN;
      if (rgb.count < 3) return NEUTRAL;
      const colourful = isColourful(
        scaledComponent(rgb, 0),
        scaledComponent(rgb, 1),
        scaledComponent(rgb, 2),
      );
      return colourful ? COLOUR : NEUTRAL;
    }
    if (attributes.has(Attr.GrayLevel)) {
      return this.greyOrIndexPaint(valueInteger(attributes.get(Attr.GrayLevel)));
    }
    return null;
  }

  /** GrayLevel is a grey, except with a palette in an RGB space, where HP reads it as a palette index. */
  private greyOrIndexPaint(level: number | null): Paint {
    const palette = this.state.palette;
    if (!palette || isGreySpace(this.state.colourSpace)) return NEUTRAL;
    if (!palette.colourful || level === null) return UNKNOWN;
    return palette.colourful[level] ? COLOUR : NEUTRAL;
  }

  /** SetROP: the raster operation that combines source (images), pattern (brush) and destination. */
  setRop(attributes: AttributeList): void {
    const rop = valueInteger(attributes.get(Attr.ROP3));
    if (rop !== null) this.state.rop = rop & 0xff;
  }

  /** True when the ROP3 result depends on the source, i.e. image pixels show. */
  get imagePixelsShow(): boolean {
    const rop = this.state.rop;
    return ((rop >> 2) & 0x33) !== (rop & 0x33);
  }

  /** Whether drawing an image paints the brush in colour: only when the ROP3 uses the pattern. */
  imageBrushPaints(): boolean | null {
    const rop = this.state.rop;
    return ((rop >> 4) & 0x0f) !== (rop & 0x0f) ? this.paints(true, false) : false;
  }

  /** NewPath: the path is empty again. */
  newPath(): void {
    this.state.pathHasSegments = false;
  }

  /** A path-construction operator added segments. */
  addedPath(): void {
    this.state.pathHasSegments = true;
  }

  /** True when PaintPath has something to paint. */
  get pathHasSegments(): boolean {
    return this.state.pathHasSegments;
  }

  /** Whether painting with the brush and/or pen puts colour on the page: true, false, or null (cannot tell). */
  paints(brush: boolean, pen: boolean): boolean | null {
    const byBrush = brush ? this.paintColour(this.state.brush) : false;
    if (byBrush === true) return true;
    const byPen = pen ? this.paintColour(this.state.pen) : false;
    if (byPen === true) return true;
    return byBrush === null || byPen === null ? null : false;
  }

  private paintColour(paint: Paint): boolean | null {
    switch (paint.kind) {
      case 'colour':
        return true;
      case 'unknown':
        return null;
      case 'pattern':
        // An undefined pattern is an error on the printer: nothing is painted.
        return this.patterns.get(paint.id)?.colour ?? false;
      default:
        return false;
    }
  }

  /**
   * The pixel layout of an image or raster pattern about to be defined (BeginImage / BeginRastPattern
   * attributes) in the current colour space, or null when it cannot be judged (indexed without a known palette).
   */
  rasterFormat(attributes: AttributeList): RasterFormat | null {
    const depthCode = valueInteger(attributes.get(Attr.ColorDepth));
    // ColorDepth e1Bit, e4Bit, e8Bit; anything else is not a depth (0: the probe cannot judge it).
    const depth = depthCode === 0 ? 1 : depthCode === 1 ? 4 : depthCode === 2 ? 8 : 0;
    const width = valueInteger(attributes.get(Attr.SourceWidth)) ?? 0;
    const grey = isGreySpace(this.state.colourSpace);
    if (valueInteger(attributes.get(Attr.ColorMapping)) !== MAPPING_INDEXED) {
      return { components: grey ? 1 : 3, depth, width, colourfulEntries: null };
    }
    if (grey) return { components: 1, depth, width, colourfulEntries: [] };
    const entries = this.state.palette?.colourful;
    return entries ? { components: 1, depth, width, colourfulEntries: entries } : null;
  }

  /** EndRastPattern: remembers whether pattern `id` is colourful, for brushes and pens that select it. */
  definePattern(id: number, colour: boolean | null, persistence: number | null): void {
    if (this.patterns.size >= MAX_PATTERNS && !this.patterns.has(id)) return;
    this.patterns.set(id, { colour, session: persistence === PERSISTENCE_SESSION });
  }
}
